"""Write ``onewindow_domain/data/lunar.json``: for each year 2000–2099 the Gregorian dates of 正月初一,
五月初五 (端午) and 八月十五 (中秋), the three lunar dates 全国年节及纪念日放假办法 needs.

Computed with ``lunar_python`` (6tail's lunar calendar, MIT), a development dependency only: the domain
library stays standard-library-only and ships the table. ``libs/domain/tests/test_lunar_table.py``
recomputes it, so the file cannot drift from the library. Run: ``uv run python libs/domain/scripts/lunar_table.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from lunar_python import Lunar  # type: ignore[import-untyped]

OUT = Path(__file__).resolve().parents[1] / "src" / "onewindow_domain" / "data" / "lunar.json"
FIRST, LAST = 2000, 2099


def _iso(year: int, month: int, day: int) -> str:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return f"{solar.getYear():04d}-{solar.getMonth():02d}-{solar.getDay():02d}"


def table() -> dict[str, object]:
    years = {
        str(y): {"spring_festival": _iso(y, 1, 1), "dragon_boat": _iso(y, 5, 5), "mid_autumn": _iso(y, 8, 15)}
        for y in range(FIRST, LAST + 1)
    }
    return {
        "source": "农历 dates computed with lunar_python (github.com/6tail/lunar-python, MIT) by libs/domain/scripts/lunar_table.py",
        "years": years,
    }


def render() -> str:
    return json.dumps(table(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
