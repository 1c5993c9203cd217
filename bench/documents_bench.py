"""Render a 调解协议书 for a collective case: Typst (what the services use) against fpdf2 (the
pure-Python candidate), same fonts, same content.

    uv run python bench/documents_bench.py                      # Typst only (12 and 500 workers)
    uv run --with fpdf2 python bench/documents_bench.py --fpdf2  # and the fpdf2 comparison

Prints p50/p95/max over N renders (after one warm-up that loads the fonts) and the PDF size.
No network, no database; one process, one core.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from onewindow_documents import render


def agreement(workers: int) -> dict[str, Any]:
    names = [f"工人{i:03d}号" for i in range(workers)]
    return {
        "case_no": "福劳调〔2026〕00042号",
        "org_name": "福田区劳动争议人民调解委员会",
        "issued_on": "2026-12-02",
        "applicants": [{"name": n, "gender": "男", "address": "深圳市福田区福华路1号"} for n in names],
        "representatives": names[:5] if workers >= 10 else [],
        "respondents": [
            {"name": "深圳市某某电子有限公司", "credit_code": "91440300MA5FXXXX1X", "legal_representative": "李某"}
        ],
        "facts": "被申请人拖欠申请人2026年8月至10月工资。" * 3,
        "terms": ["被申请人按下表向各申请人支付拖欠工资。", "双方再无其他劳动争议。"],
        "total_amount": f"{3000 * workers}.00",
        "workers": [{"name": n, "amount": "3000.00"} for n in names],
        "instalments": [
            {"due_on": "2026-12-15", "amount": f"{1500 * workers}.00"},
            {"due_on": "2027-01-15", "amount": f"{1500 * workers}.00"},
        ],
        "mediator": "王调解",
    }


def fpdf2_agreement(data: dict[str, Any]) -> bytes:
    from fpdf import FPDF  # type: ignore[import-not-found]
    from pylopdf_fonts_zh_cn import sans_path, serif_path

    pdf = FPDF(format="A4")
    pdf.set_margins(28, 37, 26)
    pdf.add_font("serif", fname=str(serif_path()))
    pdf.add_font("sans", fname=str(sans_path()))
    pdf.add_page()
    pdf.set_font("sans", size=22)
    pdf.cell(0, 12, "调解协议书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", size=16)
    pdf.cell(0, 10, data["case_no"], align="C", new_x="LMARGIN", new_y="NEXT")
    for a in data["applicants"]:
        pdf.multi_cell(0, 9, f"申请人：{a['name']}，{a['gender']}，住址 {a['address']}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 9, data["facts"], new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(15, 60, 25), first_row_as_headings=False) as table:
        table.row(["序号", "申请人", "金额（元）"])
        for i, w in enumerate(data["workers"]):
            table.row([str(i + 1), w["name"], w["amount"]])
    for n in data["representatives"] or [a["name"] for a in data["applicants"]]:
        pdf.cell(0, 10, f"申请人代表 {n} 签名：________  日期：________", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def measure(label: str, fn: Any, runs: int) -> None:
    fn()  # warm-up: fonts loaded, caches filled
    times = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(fn())
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(
        f"{label:<34} n={runs:<3} p50={statistics.median(times):7.1f} ms  p95={p95:7.1f} ms  max={times[-1]:7.1f} ms  {size / 1024:7.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--fpdf2", action="store_true")
    args = parser.parse_args()
    for workers, runs in ((12, args.runs), (500, max(3, args.runs // 8))):
        data = agreement(workers)
        measure(f"typst, {workers} workers", lambda d=data: render("agreement", d).pdf, runs)
        if args.fpdf2:
            measure(f"fpdf2, {workers} workers", lambda d=data: fpdf2_agreement(d), runs)


if __name__ == "__main__":
    main()
