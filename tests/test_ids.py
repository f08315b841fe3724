"""Complaint and event IDs (`cmplt.ids`): the documented form, Crockford base 32
without confusable letters, reproducible with a seed, typed input read as meant."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmplt import ids
from tests.conftest import FAST


@FAST
@given(
    when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    seed=st.text(min_size=1, max_size=10),
    context=st.text(max_size=20),
)
def test_complaint_ids_have_the_documented_form(when: datetime, seed: str, context: str) -> None:
    random_part = ids.random_chars(ids.ID_RANDOM_CHARS, seed, context)
    complaint = ids.complaint_id(when, random_part)
    assert ids.COMPLAINT_ID.match(complaint), complaint
    assert complaint[:6] == when.strftime("%y%m%d")
    assert complaint[6] == "-"
    assert set(complaint[7:]) <= set(ids.CROCKFORD)
    # reproducible with a seed
    assert ids.random_chars(ids.ID_RANDOM_CHARS, seed, context) == random_part
    assert ids.shard_of(complaint) == (when.strftime("%Y"), when.strftime("%m"))


def test_crockford_alphabet_has_no_confusable_letters() -> None:
    assert len(ids.CROCKFORD) == 32
    assert len(set(ids.CROCKFORD)) == 32
    assert not set("ILOU") & set(ids.CROCKFORD)
    assert set(ids.CROCKFORD) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_random_chars_without_a_seed_use_the_alphabet_and_vary() -> None:
    drawn = {ids.random_chars(ids.EVENT_ID_CHARS, None, "ctx") for _ in range(50)}
    assert len(drawn) > 45  # 32**8 possibilities: repeats would mean no randomness
    for value in drawn:
        assert len(value) == ids.EVENT_ID_CHARS
        assert set(value) <= set(ids.CROCKFORD)


def test_seeded_ids_differ_by_seed_and_context() -> None:
    a = ids.random_chars(12, "seed", "261128:0")
    assert a == ids.random_chars(12, "seed", "261128:0")
    assert a != ids.random_chars(12, "seed", "261128:1")
    assert a != ids.random_chars(12, "other", "261128:0")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("261128-7kq4mz", "261128-7KQ4MZ"),
        ("  261128-7KQ4MZ \n", "261128-7KQ4MZ"),
        ("261128-7kq4mo", "261128-7KQ4M0"),
        ("261128-iI1lLx", "261128-11111X"),
        ("o0O", "000"),
        ("261128-abcdef", "261128-ABCDEF"),
    ],
)
def test_normalise_id_input_reads_what_was_meant(typed: str, stored: str) -> None:
    assert ids.normalise_id_input(typed) == stored


@FAST
@given(st.text(alphabet=st.sampled_from(ids.CROCKFORD.lower() + "oOiIlL"), max_size=10))
def test_normalised_input_is_always_in_the_alphabet(typed: str) -> None:
    assert set(ids.normalise_id_input(typed)) <= set(ids.CROCKFORD)


def test_shard_of_prefixes() -> None:
    assert ids.shard_of("261128-7KQ4MZ") == ("2026", "11")
    assert ids.shard_of("2611") == ("2026", "11")
    assert ids.shard_of("261") is None
    assert ids.shard_of("ABCD") is None
