"""Write web/tests/fixtures/identifiers.json: identifiers with the answer libs/domain gives
(valid, or the Chinese message), so the SPA's TypeScript port is tested against the Python rules.

    .venv/bin/python web/scripts/identifier_cases.py
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

from onewindow_domain.errors import InvalidIdentifier
from onewindow_domain.identifiers import (
    CREDIT_CODE_ALPHABET,
    make_credit_code,
    make_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

TODAY = date(2026, 11, 1)
OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "identifiers.json"


def answer(check, value: str) -> dict:
    try:
        result = check(value)
    except InvalidIdentifier as exc:
        return {"input": value, "ok": False, "message": exc.message_zh}
    return {"input": value, "ok": True, "value": result if isinstance(result, str) else result.value}


def main() -> None:
    rng = random.Random(7)
    ids: list[str] = []
    for i in range(40):
        birth = date(rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28))
        good = make_id_number(region=rng.choice(["440304", "110101", "510104"]), birth=birth, seq=rng.randint(0, 999))
        ids.append(good)
        ids.append(good[:17] + rng.choice([c for c in "0123456789X" if c != good[17]]))  # wrong check char
    ids += ["4403041990010112", "44030419900101123X1", "44030419900230123X", "440304189912311234", "440304203001011234",
            "44030419900101A234", "44030419900101123Y", " 4403 0419 9001 0100 1x ", "４４０３０４１９９００１０２００１７"]
    codes: list[str] = []
    for i in range(40):
        good = make_credit_code(seq=rng.randint(0, 31**7 - 1), region=rng.choice(["440300", "110000"]))
        codes.append(good)
        codes.append(good[:17] + rng.choice([c for c in CREDIT_CODE_ALPHABET if c != good[17]]))
    codes += ["91440300MA5XXXXXX1", "91440300MA5DOESNOT", "914403007", "91440300ma00000077", "91440300MA0000#077"]
    mobiles = ["13800138000", "+86 138-0013-8000", "008613800138000", "8613800138000", "12800138000", "1380013800",
               "１３８００１３８０００", "(138)00138000"]
    cases = {
        "today": TODAY.isoformat(),
        "id_numbers": [answer(lambda v: validate_id_number(v, today=TODAY), v) for v in ids],
        "credit_codes": [answer(validate_credit_code, v) for v in codes],
        "mobiles": [answer(validate_mobile, v) for v in mobiles],
    }
    OUT.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
