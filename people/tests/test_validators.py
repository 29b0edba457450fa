import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from people.validators import (
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_postcode,
    postcode_district,
    validate_nhs_number,
    validate_postcode,
)


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_it_accepts_valid_nhs_numbers(number):
    assert is_valid_nhs_number(number)
    validate_nhs_number(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("9434765918", "nhs_checksum"),
        ("943476591", "nhs_length"),
        ("94347659190", "nhs_length"),
        ("94347659A9", "nhs_length"),
    ],
)
def test_it_refuses_invalid_nhs_numbers(number, code):
    with pytest.raises(ValidationError) as info:
        validate_nhs_number(number)
    assert info.value.code == code


def test_it_treats_a_blank_nhs_number_as_absent():
    validate_nhs_number("")


def test_a_check_digit_of_ten_means_no_valid_number_exists():
    # 1,0,0,0,0,0,0,0,1 weighs 10 + 2 = 12; 12 % 11 = 1; 11 - 1 = 10: no valid last digit.
    assert nhs_check_digit("100000001") is None


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_number_built_with_its_check_digit_is_valid(first_nine):
    check = nhs_check_digit(first_nine)
    if check is None:
        assert not any(is_valid_nhs_number(first_nine + str(d)) for d in range(10))
    else:
        assert is_valid_nhs_number(first_nine + str(check))
        others = [d for d in range(10) if d != check]
        assert not any(is_valid_nhs_number(first_nine + str(d)) for d in others)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_number_breaks_it(number, position, delta):
    check = nhs_check_digit(number[:9])
    if check is None:
        return
    valid = number[:9] + str(check)
    digits = list(valid)
    digits[position] = str((int(digits[position]) + delta) % 10)
    # Modulus 11 with distinct weights catches every single-digit error.
    assert not is_valid_nhs_number("".join(digits))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ls14ap", "LS1 4AP"), (" sw1a 1aa ", "SW1A 1AA"), ("M1 1AE", "M1 1AE"), ("b338th", "B33 8TH")],
)
def test_it_normalises_postcodes(raw, expected):
    validate_postcode(raw)
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["LS1", "12345", "LS1 4A", "not a postcode"])
def test_it_refuses_partial_or_junk_postcodes(raw):
    with pytest.raises(ValidationError):
        validate_postcode(raw)


def test_it_gives_the_postcode_district():
    assert postcode_district("ls1 4ap") == "LS1"
    assert postcode_district("") == ""
