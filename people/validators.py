"""Validation and normalisation of NHS numbers and UK postcodes."""

import re

from django.core.exceptions import ValidationError

_NON_DIGITS = re.compile(r"[\s-]")
# Outward code (area, district) then inward code (sector, unit). Accepts any case and spacing.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def normalise_nhs_number(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    digits = normalise_nhs_number(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def validate_nhs_number(value: str) -> None:
    digits = normalise_nhs_number(value)
    if not digits:
        return
    if len(digits) != 10 or not digits.isdigit():
        raise ValidationError("An NHS number has 10 digits, like 943 476 5919.", code="nhs_length")
    if not is_valid_nhs_number(digits):
        raise ValidationError(
            "This is not a valid NHS number: its last digit does not match. Check it for typing errors.",
            code="nhs_checksum",
        )


def normalise_postcode(value: str) -> str:
    text = (value or "").strip().upper()
    match = _POSTCODE.match(text)
    if not match:
        return text
    return f"{match.group(1)} {match.group(2)}"


def validate_postcode(value: str) -> None:
    if value and not _POSTCODE.match(value.strip().upper()):
        raise ValidationError("Enter a full UK postcode, like LS1 4AP.", code="postcode")


def postcode_district(value: str) -> str:
    """The outward code ("LS1" of "LS1 4AP"), used by eligibility rules and aggregate reports."""
    return normalise_postcode(value).split(" ")[0] if value else ""
