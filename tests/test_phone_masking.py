"""Phone numbers shown masked (`render.mask_phone`): enough to confirm with the caller,
not enough to copy."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cmplt import render
from tests.conftest import FAST


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        (" 13800138000 ", "138****8000"),
        ("010-88881234", "010*****1234"),
        ("+8613800138000", "+86*******8000"),
        ("1234", "****"),
        ("123", "***"),
        ("12345", "*2345"),
        ("123456", "**3456"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert render.mask_phone(phone) == masked


@FAST
@given(st.from_regex(r"\+?[0-9][0-9 ()-]{3,24}", fullmatch=True))
@example("5551234")  # a seven-digit local number
@example("88881234")
def test_mask_phone_always_hides_something_and_keeps_the_last_four(phone: str) -> None:
    masked = render.mask_phone(phone)
    digits = phone.strip()
    assert len(masked) == len(digits)
    assert "*" in masked, f"{phone!r} is shown unmasked"
    if len(digits) > 4:
        assert masked.endswith(digits[-4:])
        # "enough to confirm with the caller, not enough to copy": at least half hidden
        # from the digits that are not the last four
        assert masked.count("*") * 2 >= len(digits) - 4
