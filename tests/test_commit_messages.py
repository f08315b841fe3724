"""Commit messages and their trailers (`gitlog.commit_message`, `gitlog.parse_trailers`):
the subject on one line of at most 100 characters, trailers that read back as given."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from cmplt import gitlog
from tests.conftest import FAST

TRAILER_KEY = st.from_regex(r"[A-Z][A-Za-z-]{0,20}", fullmatch=True)
# A value as a person would give it: any printable text (it is folded onto one line).
TRAILER_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
    | st.sampled_from("\n\t "),
    min_size=1,
    max_size=40,
).filter(lambda v: v.split() != [])


@FAST
@given(
    subject=st.text(min_size=1, max_size=150).filter(lambda s: s.split() != []),
    body=st.sampled_from(["", "多行\n说明", "  padded body  "]),
    trailers=st.dictionaries(TRAILER_KEY, TRAILER_VALUE, min_size=1, max_size=5),
)
@example(
    subject="261128-7KQ4MZ: note 业主：已联系",
    body="",
    trailers={"Complaint-Id": "261128-7KQ4MZ", "Action": "note", "Actor": "张三"},
)
@example(subject="x", body="Key: looks like a trailer", trailers={"Actor": "a: b: c"})
def test_commit_message_trailers_round_trip(
    subject: str, body: str, trailers: dict[str, str]
) -> None:
    message = gitlog.commit_message(subject, body, trailers)
    assert message.endswith("\n")
    first_line = message.splitlines()[0]
    assert first_line == first_line.strip()
    assert len(first_line) <= 100
    assert gitlog.parse_trailers(message) == {k: " ".join(v.split()) for k, v in trailers.items()}


def test_commit_message_layout() -> None:
    message = gitlog.commit_message(
        "  a   subject\nover lines ", "the body\n", {"Action": "note", "Actor": "张三"}
    )
    assert message == "a subject over lines\n\nthe body\n\nAction: note\nActor: 张三\n"


def test_commit_message_shortens_a_long_subject() -> None:
    message = gitlog.commit_message("长" * 300, trailers={"Action": "note"})
    subject = message.splitlines()[0]
    assert len(subject) == 100
    assert subject.endswith("…")
    assert gitlog.parse_trailers(message) == {"Action": "note"}


def test_parse_trailers_ignores_a_last_paragraph_that_is_prose() -> None:
    assert gitlog.parse_trailers("subject\n\nsome words here\nAction: note\n") == {}
    assert gitlog.parse_trailers("subject\n\nNot A Key: value\n") == {}
