"""When a complaint must be handled (`workflow.resolve_deadline`, 原则及流程 五), on whole
records: by severity, the customer's earlier deadline, extensions, and a clock that
runs again after a reopening or an escalation after the result."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from cmplt.model import Complaint
from cmplt.policy import Policy
from cmplt.workflow import resolve_deadline

CST = timezone(timedelta(hours=8))


RECEIVED = datetime(2026, 11, 28, 9, 0, tzinfo=CST)


def _event(action: str, at: datetime, n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"EVENT00{n}",
        "action": action,
        "at": at.isoformat(),
        "recorded_at": at.isoformat(),
        "by": "张三",
        **fields,
    }


def _complaint(severity: str, *steps: dict[str, Any], requested: datetime | None = None) -> Any:
    received = _event(
        "received",
        RECEIVED,
        0,
        nature="valid-1",
        severity=severity,
        subject="facilities",
        category="repair",
    )
    data: dict[str, Any] = {
        "id": "261128-7KQ4MZ",
        "status": "open",
        "owner": "张三",
        "received_at": RECEIVED.isoformat(),
        "channel": "phone",
        "customer": "王先生",
        "unit": "3-1502",
        "phone": "13800138000",
        "summary": "电梯按钮失灵",
        "nature": "valid-1",
        "severity": severity,
        "subject": "facilities",
        "category": "repair",
        "events": [received, *steps],
    }
    if requested is not None:
        data["requested_deadline"] = requested.isoformat()
    return Complaint.model_validate(data)


POLICY = Policy()


def _hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_minor_complaint_has_two_days() -> None:
    assert resolve_deadline(_complaint("minor"), POLICY) == RECEIVED + timedelta(days=2)


def test_minor_complaint_with_an_earlier_customer_deadline() -> None:
    asked = RECEIVED + _hours(20)
    assert resolve_deadline(_complaint("minor", requested=asked), POLICY) == asked


def test_customer_deadline_later_than_the_policy_does_not_extend_it() -> None:
    asked = RECEIVED + timedelta(days=5)
    assert resolve_deadline(_complaint("minor", requested=asked), POLICY) == RECEIVED + timedelta(
        days=2
    )


def test_important_complaint_has_three_days() -> None:
    assert resolve_deadline(_complaint("important"), POLICY) == RECEIVED + timedelta(days=3)
    # the customer's deadline binds minor complaints only
    asked = RECEIVED + _hours(5)
    assert resolve_deadline(
        _complaint("important", requested=asked), POLICY
    ) == RECEIVED + timedelta(days=3)


def test_major_complaint_has_ten_days() -> None:
    assert resolve_deadline(_complaint("major"), POLICY) == RECEIVED + timedelta(days=10)


def test_policy_clocks_come_from_the_policy() -> None:
    policy = Policy.model_validate({"clocks": {"resolve": {"minor": "1d12h"}}})
    assert resolve_deadline(_complaint("minor"), policy) == RECEIVED + _hours(36)


def test_extension_moves_the_deadline() -> None:
    until = RECEIVED + timedelta(days=4)
    extended = _complaint(
        "minor",
        _event(
            "extend",
            RECEIVED + _hours(1),
            1,
            until=until.isoformat(),
            approved_by="赵经理",
            approver_role="manager",
        ),
    )
    assert resolve_deadline(extended, POLICY) == until


def test_reopen_restarts_the_clock_from_the_reopening() -> None:
    asked = RECEIVED + _hours(20)
    reopened_at = RECEIVED + timedelta(days=6)
    complaint = _complaint(
        "minor",
        _event(
            "extend",
            RECEIVED + _hours(1),
            1,
            until=(RECEIVED + timedelta(days=4)).isoformat(),
            approved_by="赵经理",
            approver_role="manager",
        ),
        _event("resolve", RECEIVED + timedelta(days=3), 2, result="更换按钮"),
        _event("reopen", reopened_at, 3, reason="又坏了"),
        requested=asked,
    )
    # neither the old extension nor the customer's first deadline applies any more
    assert resolve_deadline(complaint, POLICY) == reopened_at + timedelta(days=2)


def test_extension_after_a_reopening_counts() -> None:
    reopened_at = RECEIVED + timedelta(days=6)
    until = reopened_at + timedelta(days=5)
    complaint = _complaint(
        "important",
        _event("resolve", RECEIVED + timedelta(days=1), 1, result="更换按钮"),
        _event("reopen", reopened_at, 2, reason="又坏了"),
        _event(
            "extend",
            reopened_at + _hours(1),
            3,
            until=until.isoformat(),
            approved_by="孙总",
            approver_role="company_manager",
        ),
    )
    assert resolve_deadline(complaint, POLICY) == until


def test_escalation_after_the_result_restarts_the_clock() -> None:
    escalated_at = RECEIVED + timedelta(days=1)
    complaint = _complaint(
        "major",
        _event("resolve", RECEIVED + _hours(3), 1, result="更换按钮"),
        _event("escalate", escalated_at, 2, to="王主管", reason="客户不满意"),
    )
    assert resolve_deadline(complaint, POLICY) == escalated_at + timedelta(days=10)


def test_escalation_while_open_keeps_the_clock() -> None:
    complaint = _complaint(
        "minor", _event("escalate", RECEIVED + _hours(3), 1, to="王主管", reason="需要主管")
    )
    assert resolve_deadline(complaint, POLICY) == RECEIVED + timedelta(days=2)
