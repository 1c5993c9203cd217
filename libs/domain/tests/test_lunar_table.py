"""The shipped lunar table is what lunar_python computes (a development dependency; the library
itself stays standard-library-only), and agrees with dates fixed by the State Council's notices."""

import json
import runpy
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "lunar_table.py"


def test_the_shipped_table_is_what_the_script_writes():
    pytest.importorskip("lunar_python")
    render = runpy.run_path(str(SCRIPT))["render"]
    shipped = resources.files("onewindow_domain").joinpath("data", "lunar.json").read_text(encoding="utf-8")
    assert json.loads(shipped) == json.loads(render())


@pytest.mark.parametrize(
    ("year", "which", "expected"),
    [
        # 2026 notice: 春节 “2月15日（农历腊月二十八）至23日（农历正月初七）” → 正月初一 = 02-17;
        # 端午节 “6月19日（周五）至21日” and 中秋节 “9月25日（周五）至27日” begin on the festival itself.
        (2026, "spring_festival", date(2026, 2, 17)),
        (2026, "dragon_boat", date(2026, 6, 19)),
        (2026, "mid_autumn", date(2026, 9, 25)),
        # 2025 notice: 春节 “1月28日（农历除夕）至2月4日” → 正月初一 = 01-29.
        (2025, "spring_festival", date(2025, 1, 29)),
    ],
)
def test_lunar_dates_agree_with_the_notices(year, which, expected):
    from onewindow_domain.calendar import _lunar

    assert _lunar(year, which) == expected
