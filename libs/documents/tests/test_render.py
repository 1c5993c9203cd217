"""Every template renders with the embedded fonts; rendering is reproducible; the text is extractable."""

import os
import shutil
import subprocess

import pytest
from onewindow_documents import TEMPLATES, render, verify

SAMPLE = {
    "case_no": "福劳调〔2026〕00042号",
    "org_name": "福田街道人民调解委员会",
    "center_name": "福田区劳动纠纷一站式治理中心",
    "issued_on": "2026-12-02",
    "received_on": "2026-12-01",
    "route": "mediation",
    "deadline": "2026-12-16",
    "applicants": [{"name": "韩梅梅", "gender": "女", "address": "深圳市福田区福华路1号"}],
    "respondents": [
        {"name": "深圳市某某电子有限公司", "credit_code": "91440300MA5FXXXX1X", "legal_representative": "李某"}
    ],
    "facts": "被申请人拖欠申请人工资。",
    "claims": [{"category_zh": "拖欠工资", "amount": "18888.00"}],
    "claimed_amount": "18888.00",
    "terms": ["被申请人支付拖欠工资。"],
    "total_amount": "18888.00",
    "instalments": [{"due_on": "2026-12-12", "amount": "18888.00"}],
    "undisputed_facts": ["申请人2024年3月入职。"],
    "reason": "双方分歧较大。",
    "mediator": "王调解",
    "session_at": "2026年12月05日 09:00",
    "place": "第一调解室",
    "document_title": "调解协议书",
    "recipient": "韩梅梅",
    "documents": [{"title": "调解终结书", "version": 1, "sha256": "ab" * 32}],
}


def text_of(pdf: bytes, tmp_path) -> str | None:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("poppler-utils (pdftotext) must be installed in CI")
        return None
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return out.replace(" ", "").replace("\n", "")


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_renders_and_reads_back(kind, tmp_path):
    rendered = render(kind, SAMPLE)
    assert rendered.pdf.startswith(b"%PDF") and len(rendered.sha256) == 64
    assert rendered.title_zh == TEMPLATES[kind].title_zh
    text = text_of(rendered.pdf, tmp_path)
    if text is not None:
        assert rendered.title_zh in text and "韩梅梅" in text


def test_rendering_is_reproducible_from_the_stored_data():
    first = render("agreement", SAMPLE)
    assert render("agreement", SAMPLE).sha256 == first.sha256
    assert verify("agreement", SAMPLE, first.sha256)
    assert not verify("agreement", SAMPLE | {"total_amount": "18889.00"}, first.sha256)


def test_a_collective_agreement_has_a_signature_line_per_representative(tmp_path):
    workers = [{"name": f"工人{i:02d}"} for i in range(12)]
    data = SAMPLE | {"applicants": workers, "representatives": ["工人00", "工人01", "工人02"]}
    text = text_of(render("agreement", data).pdf, tmp_path)
    if text is not None:
        assert all(w["name"] in text for w in workers)
        assert text.count("申请人代表") == 3


def test_the_receipt_wording_follows_the_route(tmp_path):
    for route, words in (
        ("mediation", "调解期限届满日"),
        ("arbitration", "仲裁委员会受理决定期限"),
        ("inspection", "劳动保障监察"),
    ):
        text = text_of(render("receipt", SAMPLE | {"route": route}).pdf, tmp_path)
        if text is not None:
            assert words in text and "2026年12月16日" in text
