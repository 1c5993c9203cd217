"""Identifiers of the parties: 公民身份号码, 统一社会信用代码, mainland mobile numbers.

Validators normalise first (full-width → half-width, spaces removed, upper case), then check the
format and the check character, and raise ``InvalidIdentifier`` with a Chinese message a clerk can
act on. Generators (``make_id_number``, ``make_credit_code``) build valid fake values for tests and
benchmarks.

Personal information (个人信息保护法): the reprs of ``IdNumber`` show only the masked form, so an
ID number does not leak into logs through a stray ``repr``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from onewindow_domain import clock as _clock
from onewindow_domain.errors import InvalidIdentifier

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "CreditCode",
    "IdNumber",
    "credit_code_check_char",
    "id_check_char",
    "id_number_warnings",
    "is_valid_credit_code",
    "is_valid_id_number",
    "is_valid_mobile",
    "make_credit_code",
    "make_id_number",
    "mask_id_number",
    "mask_mobile",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_mobile",
    "validate_credit_code",
    "validate_id_number",
    "validate_mobile",
]

# --- 公民身份号码 (GB 11643-1999), check character ISO 7064 MOD 11-2 --------------------------

# Weight of position i (0-based, left to right) is 2^(17-i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)


def _squash(raw: str, *, upper: bool = False) -> str:
    """NFKC (full-width → half-width), every kind of whitespace removed, optionally upper-cased.

    Repeated until stable: NFKC can turn a character into "space + combining mark", and removing
    the space or upper-casing can leave text that NFKC composes differently; a fixpoint keeps
    normalisation idempotent for any input.
    """
    text = str(raw)
    for _ in range(5):
        new = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
        if upper:
            new = new.upper()
        if new == text:
            break
        text = new
    return text


def normalize_id_number(raw: str) -> str:
    """Strip spaces, turn full-width characters half-width and a trailing lowercase x into X."""
    return _squash(raw, upper=True)


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') of the first 17 digits."""
    digits = normalize_id_number(first17)
    if len(digits) != 17 or not digits.isascii() or not digits.isdigit():
        raise InvalidIdentifier("id_number.body", "计算校验码需要17位数字本体码")
    total = sum(int(d) * w for d, w in zip(digits, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character resident ID number (公民身份号码)."""

    value: str
    birth_date: date
    sex: str  # '男' when the 17th digit is odd, else '女'

    @property
    def region_code(self) -> str:
        """The 6-digit address code (行政区划代码) of first registration."""
        return self.value[:6]

    @property
    def masked(self) -> str:
        """The form shown in lists: first 4, ten stars, last 4 (``4403**********1234``)."""
        return self.value[:4] + "*" * 10 + self.value[-4:]

    def __repr__(self) -> str:
        # str() falls back to this too, so an f-string in a log line shows only the masked form.
        return f"IdNumber({self.masked!r})"


def validate_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate a resident ID number and return its parsed form, or raise ``InvalidIdentifier``."""
    value = normalize_id_number(raw)
    if len(value) != 18:
        raise InvalidIdentifier("id_number.length", f"公民身份号码应为18位，实际为{len(value)}位")
    body, check = value[:17], value[17]
    if not (body.isascii() and body.isdigit()):
        raise InvalidIdentifier("id_number.digits", "公民身份号码前17位应全部为数字")
    if not (check.isascii() and (check.isdigit() or check == "X")):
        raise InvalidIdentifier("id_number.check_char", "公民身份号码最后一位应为数字或X")
    birth = _birth_date(body[6:14], today=today or _clock.today())  # Beijing's date, not the host's
    expected = id_check_char(body)
    if check != expected:
        raise InvalidIdentifier("id_number.check_char", "公民身份号码校验码不正确，请核对号码是否录入有误")
    sex = "男" if int(body[16]) % 2 == 1 else "女"
    return IdNumber(value=value, birth_date=birth, sex=sex)


def _birth_date(yyyymmdd: str, *, today: date) -> date:
    try:
        birth = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidIdentifier("id_number.birth_date", f"公民身份号码中的出生日期{yyyymmdd}不是有效日期") from None
    if birth < _EARLIEST_BIRTH:
        raise InvalidIdentifier("id_number.birth_date", f"公民身份号码中的出生日期{birth.isoformat()}早于1900年")
    if birth > today:
        raise InvalidIdentifier("id_number.birth_date", f"公民身份号码中的出生日期{birth.isoformat()}晚于今天")
    return birth


# Province-level codes of GB/T 2260 (the first two digits of every administrative division code).
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46})
_PROVINCES |= {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
MIN_WORKING_AGE = 16  # 劳动法第15条: no employment under 16


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def id_number_warnings(raw: str, *, on: date | None = None, today: date | None = None) -> list[str]:
    """What is odd about a *valid* ID number, said for the clerk to check with the worker — never a
    refusal (such numbers exist; the card decides): an area code no province has or that names a
    province only (``000000``, ``990101``, ``440000``), a worker under 16 on ``on`` (the day they knew
    of the infringement; today when not given). An invalid number gives no warning (its error says
    enough). The SPA shows the same texts (web/src/validators/identifiers.ts)."""
    today = today or _clock.today()
    try:
        parsed = validate_id_number(raw, today=today)
    except InvalidIdentifier:
        return []
    warnings: list[str] = []
    area = parsed.region_code
    if int(area[:2]) not in _PROVINCES or area[2:] == "0000":
        warnings.append(f"号码前6位行政区划代码{area}不存在，请与身份证原件核对")
    at = on if on is not None and parsed.birth_date <= on <= today else today
    age = _age_on(parsed.birth_date, at)
    if age < MIN_WORKING_AGE:
        when = "现年" if at == today else f"于{at.isoformat()}时"
        warnings.append(
            f"按号码计算本人{when}{age}周岁，未满16周岁（劳动法第15条禁止招用），请核对号码或按童工线索处理"
        )
    return warnings


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    """True when ``validate_id_number`` accepts the value."""
    try:
        validate_id_number(raw, today=today)
    except InvalidIdentifier:
        return False
    return True


def mask_id_number(raw: str) -> str:
    """The masked form (``4403**********1234``) of a valid ID number."""
    return validate_id_number(raw).masked


def make_id_number(
    *, region: str = "440304", birth: date = date(1990, 1, 1), seq: int = 1, sex: str | None = None
) -> str:
    """A valid fake ID number (region code, birth date, 3-digit sequence; ``sex`` fixes its parity)."""
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise InvalidIdentifier("id_number.region", "行政区划代码应为6位数字")
    if not 0 <= seq <= 999:
        raise InvalidIdentifier("id_number.seq", "顺序码应在000至999之间")
    if sex is not None:
        if sex not in ("男", "女"):
            raise InvalidIdentifier("id_number.sex", "性别应为“男”或“女”")
        odd = 1 if sex == "男" else 0
        seq = seq - seq % 2 + odd
        if seq > 999:
            seq -= 2
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_char(body)


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_EXCLUDED = "IOZSV"


def normalize_credit_code(raw: str) -> str:
    """Strip spaces, turn full-width characters half-width, upper-case."""
    return _squash(raw, upper=True)


def credit_code_check_char(body17: str) -> str:
    """The GB 32100-2015 check character (weights 3^i mod 31) of the first 17 characters."""
    body = normalize_credit_code(body17)
    if len(body) != 17:
        raise InvalidIdentifier("credit_code.body", "计算校验码需要17位本体代码")
    _check_alphabet(body)
    total = sum(_CREDIT_VALUES[ch] * w for ch, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _check_alphabet(code: str) -> None:
    excluded = sorted({ch for ch in code if ch in _CREDIT_EXCLUDED})
    if excluded:
        raise InvalidIdentifier(
            "credit_code.excluded_letter",
            f"统一社会信用代码不使用字母{'、'.join(excluded)}（不含I、O、Z、S、V），请核对是否将数字录成了字母",
        )
    other = sorted({ch for ch in code if ch not in _CREDIT_VALUES})
    if other:
        raise InvalidIdentifier("credit_code.invalid_char", f"统一社会信用代码含有无效字符：{'、'.join(other)}")


@dataclass(frozen=True)
class CreditCode:
    """A validated 18-character unified social credit code (统一社会信用代码)."""

    value: str

    @property
    def registration_authority(self) -> str:
        """Character 1: 登记管理部门代码 (e.g. '9' = 工商/市场监管)."""
        return self.value[0]

    @property
    def entity_type(self) -> str:
        """Character 2: 机构类别代码 (e.g. '1' = 企业 under authority '9')."""
        return self.value[1]

    @property
    def region_code(self) -> str:
        """Characters 3–8: 登记管理机关行政区划码."""
        return self.value[2:8]

    @property
    def organization_code(self) -> str:
        """Characters 9–17: 主体标识码 (the former 组织机构代码)."""
        return self.value[8:17]

    def __str__(self) -> str:
        return self.value


def validate_credit_code(raw: str) -> CreditCode:
    """Validate a unified social credit code, or raise ``InvalidIdentifier``."""
    value = normalize_credit_code(raw)
    if len(value) != 18:
        raise InvalidIdentifier("credit_code.length", f"统一社会信用代码应为18位，实际为{len(value)}位")
    _check_alphabet(value)
    if value[17] != credit_code_check_char(value[:17]):
        raise InvalidIdentifier("credit_code.check_char", "统一社会信用代码校验码不正确，请核对代码是否录入有误")
    return CreditCode(value=value)


def is_valid_credit_code(raw: str) -> bool:
    """True when ``validate_credit_code`` accepts the value."""
    try:
        validate_credit_code(raw)
    except InvalidIdentifier:
        return False
    return True


def make_credit_code(body17: str | None = None, *, region: str = "440300", seq: int = 0) -> str:
    """A valid credit code: ``body17`` plus its check char, or a fake enterprise body built from ``seq``."""
    if body17 is None:
        if not (len(region) == 6 and region.isascii() and region.isdigit()):
            raise InvalidIdentifier("credit_code.region", "行政区划代码应为6位数字")
        if not 0 <= seq < 31**7:
            raise InvalidIdentifier("credit_code.seq", "序号超出范围")
        digits = []
        for _ in range(7):
            seq, rem = divmod(seq, 31)
            digits.append(CREDIT_CODE_ALPHABET[rem])
        # 91 = 工商 / 企业; "MA" is how post-2015 Shenzhen enterprise bodies usually begin.
        body17 = "91" + region + "MA" + "".join(reversed(digits))
    body = normalize_credit_code(body17)
    return body + credit_code_check_char(body)


# --- mainland mobile numbers ----------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = str.maketrans("", "", "-()")


def normalize_mobile(raw: str) -> str:
    """Half-width, no spaces/dashes/brackets, the +86 / 0086 / 86 country prefix removed."""
    text = _squash(raw).translate(_SEPARATORS)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086") and len(text) == 15:
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text


def validate_mobile(raw: str) -> str:
    """The 11-digit mainland mobile number, or raise ``InvalidIdentifier``."""
    value = normalize_mobile(raw)
    if not (value.isascii() and _MOBILE.fullmatch(value)):
        raise InvalidIdentifier("mobile.format", "手机号码应为以13–19开头的11位数字")
    return value


def is_valid_mobile(raw: str) -> bool:
    """True when ``validate_mobile`` accepts the value."""
    try:
        validate_mobile(raw)
    except InvalidIdentifier:
        return False
    return True


def mask_mobile(raw: str) -> str:
    """The masked form shown in lists: ``138****8000``."""
    value = validate_mobile(raw)
    return value[:3] + "****" + value[-4:]
