"""公民身份号码, 统一社会信用代码 and mobile numbers: worked examples and properties."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onewindow_domain import (
    CREDIT_CODE_ALPHABET,
    InvalidIdentifier,
    credit_code_check_char,
    id_check_char,
    id_number_warnings,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_mobile,
    make_credit_code,
    make_id_number,
    mask_id_number,
    mask_mobile,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

PROPERTY = settings(max_examples=60, deadline=None)

# The specimen number printed in GB 11643-1999 (a woman born 1949-12-31 in 北京市朝阳区).
SPECIMEN = "11010519491231002X"


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (what a Chinese IME often types)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# --- 公民身份号码: examples ---------------------------------------------------------------


def test_specimen_validates_and_parses():
    idn = validate_id_number(SPECIMEN)
    assert idn.value == SPECIMEN
    assert idn.birth_date == date(1949, 12, 31)
    assert idn.sex == "女"  # 17th digit 2 is even
    assert idn.region_code == "110105"
    assert idn.masked == "1101**********002X"


def test_masked_form_is_first4_ten_stars_last4():
    value = make_id_number(region="440304", birth=date(1988, 6, 1), seq=123)
    masked = validate_id_number(value).masked
    assert masked == value[:4] + "**********" + value[-4:]
    assert masked.startswith("4403") and len(masked) == 18
    assert mask_id_number(value) == masked


def test_repr_never_shows_the_full_number():
    idn = validate_id_number(SPECIMEN)
    assert SPECIMEN not in repr(idn)
    assert SPECIMEN not in f"{idn}"
    assert "1101**********002X" in repr(idn)


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",  # lowercase x
        " 110105 19491231 002X ",  # spaces
        full_width("11010519491231002x"),  # full-width digits and letter
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105\u300019491231002X",  # ideographic space
    ],
)
def test_normalisation_accepts_what_clerks_type(raw):
    assert normalize_id_number(raw) == SPECIMEN
    assert validate_id_number(raw).value == SPECIMEN


def test_sex_follows_parity_of_17th_digit():
    man = make_id_number(seq=101)
    woman = make_id_number(seq=100)
    assert validate_id_number(man).sex == "男"
    assert validate_id_number(woman).sex == "女"
    assert validate_id_number(make_id_number(seq=100, sex="男")).sex == "男"
    assert validate_id_number(make_id_number(seq=999, sex="女")).sex == "女"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1101051949123100", "id_number.length"),
        ("11010519491231002X1", "id_number.length"),
        ("1101051949123A002X", "id_number.digits"),
        ("11010519491231002Y", "id_number.check_char"),
        ("110105194912310021", "id_number.check_char"),  # right shape, wrong check digit
    ],
)
def test_rejections_carry_a_code_and_chinese_message(raw, code):
    with pytest.raises(InvalidIdentifier) as err:
        validate_id_number(raw)
    assert err.value.code == code
    assert "公民身份号码" in err.value.message_zh


def test_length_message_says_how_long_it_was():
    with pytest.raises(InvalidIdentifier, match="应为18位，实际为16位"):
        validate_id_number("1101051949123100")


@pytest.mark.parametrize("birth", ["19490231", "19491301", "19490000"])
def test_birth_date_must_be_a_real_date(birth):
    body = "110105" + birth + "002"
    with pytest.raises(InvalidIdentifier) as err:
        validate_id_number(body + id_check_char(body))
    assert err.value.code == "id_number.birth_date"
    assert birth in err.value.message_zh


def test_birth_date_not_in_the_future_nor_before_1900():
    future = make_id_number(birth=date(2026, 5, 1))
    assert is_valid_id_number(future, today=date(2026, 5, 1))
    with pytest.raises(InvalidIdentifier, match="晚于今天") as err:
        validate_id_number(future, today=date(2026, 4, 30))
    assert err.value.code == "id_number.birth_date"
    old = "110105" + "18991231" + "002"
    with pytest.raises(InvalidIdentifier, match="早于1900年"):
        validate_id_number(old + id_check_char(old))
    assert is_valid_id_number(make_id_number(birth=date(1900, 1, 1)))


def test_check_char_function():
    assert id_check_char("11010519491231002") == "X"
    with pytest.raises(InvalidIdentifier):
        id_check_char("1101051949123100")
    with pytest.raises(InvalidIdentifier):
        id_check_char("1101051949123100A")


def test_generator_rejects_bad_arguments():
    with pytest.raises(InvalidIdentifier):
        make_id_number(region="4403")
    with pytest.raises(InvalidIdentifier):
        make_id_number(seq=1000)
    with pytest.raises(InvalidIdentifier):
        make_id_number(sex="M")


# --- 公民身份号码: properties ---------------------------------------------------------------

regions = st.text(alphabet="0123456789", min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))
seqs = st.integers(min_value=0, max_value=999)
generated_ids = st.builds(lambda r, b, s: make_id_number(region=r, birth=b, seq=s), regions, births, seqs)


@PROPERTY
@given(generated_ids)
def test_every_generated_id_number_validates(value):
    idn = validate_id_number(value)
    assert idn.value == value
    assert idn.birth_date == date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


@PROPERTY
@given(generated_ids, st.data())
def test_any_single_character_change_is_rejected(value, data):
    pos = data.draw(st.integers(min_value=0, max_value=17), label="position")
    replacement = data.draw(st.sampled_from("0123456789XA").filter(lambda c: c != value[pos]), label="char")
    mutated = value[:pos] + replacement + value[pos + 1 :]
    assert not is_valid_id_number(mutated)


@PROPERTY
@given(generated_ids)
def test_id_normalisation_is_idempotent_and_accepts_full_width(value):
    messy = full_width(value[:9]) + " " + value[9:].lower()
    once = normalize_id_number(messy)
    assert once == value
    assert normalize_id_number(once) == once
    assert validate_id_number(messy).value == value


@PROPERTY
@given(st.text(max_size=25))
def test_normalisation_is_idempotent_on_any_text(raw):
    once = normalize_id_number(raw)
    assert normalize_id_number(once) == once
    assert normalize_credit_code(normalize_credit_code(raw)) == normalize_credit_code(raw)


# --- 统一社会信用代码: examples ------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_credit_codes_validate(code):
    cc = validate_credit_code(code)
    assert cc.value == code
    assert cc.registration_authority == "9" and cc.entity_type == "1"
    assert cc.region_code == code[2:8]
    assert cc.organization_code == code[8:17]


def test_credit_code_normalisation():
    assert validate_credit_code(" 91350100m000100y43 ").value == "91350100M000100Y43"
    assert validate_credit_code(full_width("91350100m000100y43")).value == "91350100M000100Y43"


def test_credit_code_length():
    with pytest.raises(InvalidIdentifier, match="应为18位，实际为17位") as err:
        validate_credit_code("91350100M000100Y4")
    assert err.value.code == "credit_code.length"


def test_credit_code_excluded_letters_are_named():
    with pytest.raises(InvalidIdentifier) as err:
        validate_credit_code("91350100MO0010SY43")
    assert err.value.code == "credit_code.excluded_letter"
    assert "O、S" in err.value.message_zh


def test_credit_code_other_characters():
    with pytest.raises(InvalidIdentifier) as err:
        validate_credit_code("91350100M00010#Y43")
    assert err.value.code == "credit_code.invalid_char"
    assert "#" in err.value.message_zh


def test_credit_code_bad_check_char():
    with pytest.raises(InvalidIdentifier) as err:
        validate_credit_code("91350100M000100Y44")
    assert err.value.code == "credit_code.check_char"


def test_credit_code_check_char_and_generator():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert make_credit_code("91350100M000100Y4") == "91350100M000100Y43"
    generated = make_credit_code(seq=12345)
    assert generated.startswith("91440300MA") and is_valid_credit_code(generated)
    assert make_credit_code(seq=1) != make_credit_code(seq=2)


# --- 统一社会信用代码: properties ----------------------------------------------------------

bodies = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


@PROPERTY
@given(bodies)
def test_every_generated_credit_code_validates(body):
    code = make_credit_code(body)
    assert len(code) == 18 and code[:17] == body
    assert validate_credit_code(code).value == code


@PROPERTY
@given(bodies, st.data())
def test_any_single_character_change_of_a_credit_code_is_rejected(body, data):
    code = make_credit_code(body)
    pos = data.draw(st.integers(min_value=0, max_value=17), label="position")
    replacement = data.draw(
        st.sampled_from(CREDIT_CODE_ALPHABET + "IOZSV").filter(lambda c: c != code[pos]), label="char"
    )
    assert not is_valid_credit_code(code[:pos] + replacement + code[pos + 1 :])


@PROPERTY
@given(bodies)
def test_credit_code_full_width_and_lower_case_accepted(body):
    code = make_credit_code(body)
    messy = full_width(code.lower())
    assert normalize_credit_code(messy) == code
    assert normalize_credit_code(normalize_credit_code(messy)) == code
    assert is_valid_credit_code(messy)


# --- plausibility warnings (never errors) --------------------------------------------------

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize("region", ["000000", "990101", "440000", "100101"])
def test_an_area_code_no_division_has_is_a_warning(region):
    number = make_id_number(region=region, birth=date(1990, 1, 1))
    assert is_valid_id_number(number, today=TODAY)  # still accepted
    [warning] = id_number_warnings(number, today=TODAY)
    assert f"行政区划代码{region}不存在" in warning


def test_a_known_area_and_an_adult_give_no_warning():
    assert id_number_warnings(make_id_number(region="440304", birth=date(1990, 1, 1)), today=TODAY) == []
    assert id_number_warnings(SPECIMEN, today=TODAY) == []


def test_under_16_on_the_day_they_knew_is_a_warning():
    number = make_id_number(birth=date(2010, 6, 1))  # 16 on 2026-06-01
    assert id_number_warnings(number, on=date(2026, 5, 31), today=TODAY) == [
        "按号码计算本人于2026-05-31时15周岁，未满16周岁（劳动法第15条禁止招用），请核对号码或按童工线索处理"
    ]
    assert id_number_warnings(number, on=date(2026, 6, 1), today=TODAY) == []
    # Without a date: today's age.
    [born_2015] = id_number_warnings(make_id_number(birth=date(2015, 3, 1)), today=TODAY)
    assert "现年11周岁" in born_2015


def test_both_warnings_and_none_for_an_invalid_number():
    number = make_id_number(region="000000", birth=date(2015, 3, 1))
    assert len(id_number_warnings(number, today=TODAY)) == 2
    assert id_number_warnings(number[:17] + ("0" if number[17] != "0" else "1"), today=TODAY) == []
    assert id_number_warnings("123", today=TODAY) == []


# --- mobile numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "8613800138000",
        "008613800138000",
        full_width("13800138000"),
    ],
)
def test_mobile_formats_accepted(raw):
    assert validate_mobile(raw) == "13800138000"
    assert mask_mobile(raw) == "138****8000"


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "138001380000", "0755-88888888", "1380013800A", ""])
def test_mobile_rejections(raw):
    with pytest.raises(InvalidIdentifier) as err:
        validate_mobile(raw)
    assert err.value.code == "mobile.format"
    assert "手机号码" in err.value.message_zh
    assert not is_valid_mobile(raw)


@PROPERTY
@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_mainland_mobile_shape_validates_with_or_without_prefix(second, rest):
    number = "1" + second + rest
    assert validate_mobile(number) == number
    assert validate_mobile("+86" + number) == number
    assert validate_mobile("86" + number) == number
    assert mask_mobile(number) == number[:3] + "****" + number[7:]
    assert normalize_mobile(normalize_mobile("+86 " + number)) == number
