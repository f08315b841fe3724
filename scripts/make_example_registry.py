#!/usr/bin/env python3
"""Build the example registry (examples/registry/) through the real cmplt CLI.

Every record is made by `python -m cmplt …` subprocesses, exactly as a clerk
would type the steps, never by writing record files here. The registry is
built in a temporary folder (`cmplt init` makes its own git repository
there, so nothing is committed into this project's history), then its
files (cmplt.yaml, staff.yaml, README.md, complaints/**; not .git) replace
the contents of --out.

The build is deterministic: CMPLT_SEED fixes the IDs, CMPLT_NOW is set per
command to the moment the entry was typed (entries typed late, like the
night shift's, use --at for the earlier moment it happened), and git runs
with a fixed identity and no user or system configuration. Running it twice
gives byte-identical files.

    python scripts/make_example_registry.py            # rebuild examples/registry
    python scripts/make_example_registry.py --check    # exit 1 if it is stale (CI)

After building, the script reads the records back and prints four
Markdown tables for examples/README.md: counts, what is overdue at AS_OF
(2026-11-28 09:00 +08:00) by the policy's clocks, the clocks missed before
and not overdue then (a waived callback, an approval given after the
deadline: the report counts them missed), and what each record shows. It
fails (exit 2) if a record other than those built to be overdue ever missed
a clock (but the misses a case is built for, `missed`), or if those are not
overdue on the rule they were built for; --check also fails when the README
no longer holds the tables verbatim.

The clocks are re-implemented here, from the policy file and the records
alone (never cmplt's own rules), as an independent oracle. A step recorded as
a request (`requested: true`: a clerk's work order for a valid complaint, an
extension by someone who may not approve it) takes effect at the `approve`
that grants it, as if taken then, and lapses at a reopen or close.

Overdue rules (the deadline in the table is the one missed). A round of
handling starts at receipt, and again at each reopen or escalation after the
result; the first three clocks run from the start of each round:
  first-reply        no respond/plan/resolve/reject within clocks.first_reply
  initial-plan       valid-1/valid-2: no plan or resolve within clocks.initial_plan
  major-answer       major: no definite answer within clocks.major_answer (with
                     definite_answer: respond/plan --definite or the result; else any plan)
  resolve            still open/dispatched/in_progress after the resolve clock (minor: or the
                     customer's deadline, first round only, in place of the 2 days under
                     clocks.resolve.customer_deadline: replaces, when earlier under
                     `earlier`); an extension in effect moves it (in effect after the deadline:
                     missed all the same); reopen, or escalate after the result, restarts it
  callback           resolved and no callback within callback.window
  dual-callback      valid (or economic loss): the window after the last result passed without
                     callbacks by every callback.dual role (director and manager); a close
                     --waive after the result ends the finding, the clock stays missed
  dissatisfied       the latest callback is dissatisfied and nothing reopened or escalated it
                     (or a close --waive after it); the deadline shown is that callback's time
  division-decision  decisions.division severities (important, major): no `decide` within
                     its time of receipt
  tracker            decisions.tracker severities (important): nobody named (`track`, or a
                     `dispatch --person` in effect) within its time of receipt
  promise            a `promise --call-by` of the current round not followed by a respond or
                     callback; the deadline is the time promised
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "examples" / "registry"
TZ = timezone(timedelta(hours=8))  # Asia/Shanghai has no DST
AS_OF = datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
SETUP_AT = "09-30 17:00"  # when the registry and its roster were set up
SEED = "example"

STATUSES = ("open", "dispatched", "in_progress", "resolved", "called_back", "rejected", "closed")
NATURES = ("valid-1", "valid-2", "invalid", "request")
SEVERITIES = ("minor", "important", "major")
CHANNELS = ("phone", "visit", "letter", "fax", "email", "online")
SUBJECTS = ("facilities", "quality", "attitude", "abnormal")
RULES = (
    "first-reply",
    "initial-plan",
    "major-answer",
    "resolve",
    "callback",
    "dual-callback",
    "dissatisfied",
    "division-decision",
    "tracker",
    "promise",
)


def t(text: str) -> str:
    """'10-03 02:15' -> '2026-10-03T02:15:00+08:00' (every time in the script is 2026, +08:00)."""
    return f"2026-{text[:5]}T{text[6:]}:00+08:00"


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return value


# --- the estate: 翠湖花园 and its management office ----------------------------

# name, role, department, email; the first person added needs no --by
ROSTER: tuple[tuple[str, str, str | None, str], ...] = (
    ("钱文华", "director", None, "qianwenhua"),
    ("张晓丽", "clerk", "客服中心", "zhangxiaoli"),
    ("刘芳", "clerk", "客服中心", "liufang"),
    ("陈静", "cs_supervisor", "客服中心", "chenjing"),
    ("王建国", "supervisor", None, "wangjianguo"),
    ("赵志强", "manager", None, "zhaozhiqiang"),
    ("周海涛", "division_manager", None, "zhouhaitao"),
    ("孙立新", "company_manager", None, "sunlixin"),
    ("李明", "staff", "工程部", "liming"),
    ("郑勇", "staff", "保安部", "zhengyong"),
    ("何涛", "staff", "保安部", "hetao"),
    ("黄秀英", "staff", "保洁部", "huangxiuying"),
    ("林志明", "staff", "绿化部", "linzhiming"),
)
EMAIL_DOMAIN = "cuihu-wy.example"


@dataclass(frozen=True)
class Step:
    at: str  # when it happened, 'MM-DD HH:MM'
    by: str
    action: str
    args: tuple[str, ...]
    recorded: str | None = None  # when it was typed, if later (night shift)

    @property
    def now(self) -> str:
        return self.recorded or self.at


def _step(when_who: str, action: str, *args: str | None, rec: str | None = None) -> Step:
    """`when_who` is a duty-log line head: 'MM-DD HH:MM 姓名'."""
    at, _, by = when_who.rpartition(" ")
    return Step(at, by, action, tuple(a for a in args if a is not None), rec)


def _opt(flag: str, value: str | None) -> tuple[str | None, str | None]:
    return (flag, value) if value is not None else (None, None)


def respond(w: str, note: str, rec: str | None = None, *, definite: bool = False) -> Step:
    return _step(w, "respond", "--note", note, "--definite" if definite else None, rec=rec)


def dispatch(
    w: str, department: str, note: str | None = None, *, person: str | None = None
) -> Step:
    return _step(
        w, "dispatch", "--to", department, *_opt("--note", note), *_opt("--person", person)
    )


def accept(w: str) -> Step:
    return _step(w, "accept")


def plan(w: str, note: str, *, definite: bool = False) -> Step:
    return _step(w, "plan", "--note", note, "--definite" if definite else None)


def extend(w: str, until: str, note: str) -> Step:
    """By an approver (extension_approvers, or ranked above) it takes effect at once;
    by anyone else it is a request that `approve` grants."""
    return _step(w, "extend", "--until", until, "--note", note)


def approve(w: str, note: str | None = None) -> Step:
    return _step(w, "approve", *_opt("--note", note))


def decide(w: str, note: str) -> Step:
    return _step(w, "decide", "--note", note)


def track(w: str, person: str, note: str | None = None) -> Step:
    return _step(w, "track", "--person", person, *_opt("--note", note))


def promise(w: str, call_by: str, note: str) -> Step:
    return _step(w, "promise", "--call-by", call_by, "--note", note)


def review(w: str, outcome: str) -> Step:
    return _step(w, "review", "--outcome", outcome)


def escalate(w: str, to: str, reason: str) -> Step:
    return _step(w, "escalate", "--to", to, "--reason", reason)


def resolve(w: str, result: str) -> Step:
    return _step(w, "resolve", "--result", result)


def callback(w: str, satisfaction: str, note: str | None = None) -> Step:
    return _step(w, "callback", "--satisfaction", satisfaction, *_opt("--note", note))


def reopen(w: str, reason: str) -> Step:
    return _step(w, "reopen", "--reason", reason)


def reject(w: str, reason: str) -> Step:
    return _step(w, "reject", "--reason", reason)


def close(w: str, note: str | None = None, *, waive: str | None = None) -> Step:
    return _step(w, "close", *_opt("--note", note), *_opt("--waive", waive))


def note(w: str, text: str) -> Step:
    return _step(w, "note", "--text", text)


def reclassify(w: str, *options: str) -> Step:
    return _step(w, "reclassify", *options)


def correct(w: str, reason: str, *options: str) -> Step:
    return _step(w, "correct", *options, "--reason", reason)


def void_last(w: str, reason: str) -> Step:
    """Void the record's latest event (a step typed against the wrong record)."""
    return _step(w, "void", LAST_EVENT, "--reason", reason)


def urge(w: str, channel: str, note_text: str) -> Step:
    return _step(w, "urge", "--channel", channel, "--note", note_text)


def attach(w: str, file: str, kind: str, note_text: str) -> Step:
    return _step(w, "attach", f"{{file:{file}}}", "--kind", kind, "--note", note_text)


def reject_duplicate(w: str, key: str, reason: str) -> Step:
    return _step(w, "reject", "--duplicate-of", f"{{id:{key}}}", "--reason", reason)


# placeholders in a step's arguments or an intake value, filled in at build time:
# another case's complaint ID, the record's latest event ID, a file made by the script
LAST_EVENT = "{last-event}"


@dataclass(frozen=True)
class Case:
    key: str
    shows: str  # what this record is in the example for
    at: str
    by: str
    intake: Mapping[str, str | bool]
    steps: tuple[Step, ...] = ()
    recorded: str | None = None
    overdue: str | None = None  # the rule it is built to be overdue on at AS_OF
    # the rules it is built to have missed in the past, though not overdue at AS_OF (a
    # waived callback, an approval given after the deadline): the report counts them
    missed: tuple[str, ...] = ()

    @property
    def now(self) -> str:
        return self.recorded or self.at


def case(
    key: str,
    shows: str,
    received: str,
    intake: Mapping[str, str | bool],
    *steps: Step,
    rec: str | None = None,
    overdue: str | None = None,
    missed: tuple[str, ...] = (),
) -> Case:
    """`received` is 'MM-DD HH:MM 姓名': when the complaint came in and who took it."""
    at, _, by = received.rpartition(" ")
    return Case(key, shows, at, by, intake, tuple(steps), rec, overdue, missed)


def intake(
    *,
    channel: str,
    customer: str,
    unit: str,
    phone: str,
    kind: str,
    summary: str,
    **more: str | bool,
) -> dict[str, str | bool]:
    """`kind` is 'nature severity subject category'; `more` are the other `new` options."""
    nature, severity, subject, category = kind.split()
    return {
        "channel": channel,
        "customer": customer,
        "unit": unit,
        "phone": phone,
        "nature": nature,
        "severity": severity,
        "subject": subject,
        "category": category,
        "summary": summary,
        **{k.replace("_", "-"): v for k, v in more.items()},
    }


CASES: tuple[Case, ...] = (
    # --- October: handled, called back and archived ---------------------------
    case(
        "lift-holiday",
        "important complaint, full path: work order approved by the 客服主管 with a follow-up "
        "person (dispatch --person), the division manager's decision (decide), plan, result, "
        "three callbacks",
        "10-01 09:20 张晓丽",
        intake(
            channel="phone",
            customer="王立军",
            unit="3-1502",
            phone="13862157720",
            kind="valid-1 important facilities repair",
            summary="国庆假期3号楼2单元电梯停运，老人上下楼困难",
            request="尽快恢复电梯运行",
            location="3号楼2单元",
            about="工程部、电梯维保单位",
            happened_at=t("10-01 07:50"),
        ),
        respond("10-01 09:35 张晓丽", "已致歉，告知工程部30分钟内到场检查"),
        dispatch("10-01 09:40 张晓丽", "工程部", "3号楼2单元电梯停运，请立即检查", person="王建国"),
        approve("10-01 09:45 陈静"),
        accept("10-01 10:05 李明"),
        plan(
            "10-01 11:30 李明",
            "控制主板故障，已报电梯维保单位，配件10月2日到货当天更换；其间请使用1单元电梯",
        ),
        decide(
            "10-01 14:00 周海涛", "维保单位加急更换控制主板，费用按维保合同执行；节后全面检查电梯"
        ),
        resolve("10-02 16:00 李明", "维保单位更换控制主板，试运行正常并通过安全检测"),
        callback("10-03 10:00 王建国", "satisfied", "电梯运行正常，业主满意"),
        callback("10-03 15:00 钱文华", "satisfied"),
        callback("10-04 10:30 赵志强", "satisfied", "业主建议节假日前加强电梯巡检，已转工程部"),
        close("10-05 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "neighbour-furniture",
        "neighbour dispute (valid-2) received online in the evening",
        "10-02 20:30 刘芳",
        intake(
            channel="online",
            customer="李秀兰",
            unit="7-0803",
            phone="13951820463",
            kind="valid-2 minor abnormal neighbour",
            summary="楼上7-0903夜间拖动家具、小孩跑跳，噪音影响休息",
            request="请物业协调楼上住户注意",
            about="7-0903住户",
        ),
        respond("10-02 20:50 刘芳", "已记录，明日由客服主管上门协调"),
        plan("10-03 10:00 陈静", "今天下午上门与7-0903住户沟通"),
        resolve("10-03 15:30 陈静", "已与7-0903住户沟通，对方同意22点后不拖动家具并加装家具脚垫"),
        callback("10-05 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-05 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-06 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "night-leak",
        "night-shift entry recorded at the 08:30 handover; urgent, water stopped first; the "
        "客服主管 names herself to follow it (track)",
        "10-03 02:15 刘芳",
        intake(
            channel="phone",
            customer="陈志华",
            unit="5-0602",
            phone="13705186629",
            kind="valid-2 important abnormal repair",
            summary="楼上5-0702卫生间渗水，5-0602卫生间天花板滴水",
            request="尽快止水并查明原因",
            location="5-0602卫生间",
            about="5-0702住户",
            happened_at=t("10-03 01:50"),
            urgent=True,
            urgent_note="02:20值班员通知保安何涛上门，协助5-0702住户关闭进户总阀，滴水已止住",
            responsible="owner",
        ),
        respond(
            "10-03 02:20 刘芳",
            "电话告知已安排保安上门关阀止水，天亮后工程部查看",
            rec="10-03 08:30",
        ),
        dispatch("10-03 08:40 张晓丽", "工程部"),
        approve("10-03 08:45 陈静"),
        track("10-03 08:50 陈静", "陈静", "客服主管跟踪至回访结束"),
        accept("10-03 09:10 李明"),
        plan(
            "10-03 10:30 李明",
            "漏点为5-0702卫生间地面防水层破损，属业主自用部分；已协调楼上业主请人维修，工程部跟进",
        ),
        decide("10-03 11:00 周海涛", "由5-0702业主负责维修，物业协调并监督闭水试验"),
        resolve(
            "10-05 17:00 李明", "5-0702业主已完成防水修复，闭水试验24小时无渗漏；5-0602天花板已晾干"
        ),
        callback("10-06 10:00 钱文华", "satisfied"),
        callback("10-06 11:00 赵志强", "satisfied"),
        close("10-07 09:00 陈静", "回访完毕，归档"),
        rec="10-03 08:30",
    ),
    case(
        "guard-attitude",
        "attitude complaint naming a guard (--staff-involved), verified (--staff-verified yes) "
        "by the 客服主管; the manager's reward-and-penalty outcome (review) after the archive",
        "10-04 10:00 张晓丽",
        intake(
            channel="visit",
            customer="赵雅琴",
            unit="9-1101",
            phone="13675123390",
            kind="valid-1 minor attitude security",
            summary="东门岗亭访客登记时保安何涛语气生硬，与业主发生争执",
            request="保安道歉并加强培训",
            location="东门岗亭",
            about="保安部 何涛",
            happened_at=t("10-04 08:40"),
            staff_involved="何涛",
        ),
        respond("10-04 10:15 张晓丽", "当面向业主致歉，告知调查核实后答复"),
        plan("10-04 16:00 郑勇", "调取岗亭监控核实经过，核实后按奖惩制度处理并答复业主"),
        reclassify(
            "10-05 11:00 陈静", "--staff-verified", "yes", "--reason", "监控录像核实投诉属实"
        ),
        resolve("10-05 14:00 郑勇", "何涛当面向业主道歉；按奖惩制度处理，保安部开展服务礼仪培训"),
        callback("10-06 09:30 钱文华", "satisfied"),
        callback("10-06 10:00 赵志强", "satisfied"),
        close("10-08 09:00 陈静", "回访完毕，归档"),
        review("10-09 10:00 赵志强", "何涛书面检讨，扣当月服务考核分；保安部全员参加服务礼仪培训"),
    ),
    case(
        "fee-double-charge",
        "fees complaint by email; a time to phone back agreed (promise) and kept",
        "10-06 14:00 张晓丽",
        intake(
            channel="email",
            customer="孙明",
            unit="2-0401",
            phone="18913657702",
            kind="valid-1 minor quality fees",
            summary="9月物业费账单重复计收停车管理费120元",
            request="退还多收的费用",
        ),
        respond("10-06 14:30 张晓丽", "邮件回复：已转财务核对，明天答复"),
        promise("10-06 14:35 张晓丽", t("10-07 12:00"), "与业主约定明天中午12点前电话答复核对结果"),
        respond("10-07 11:00 张晓丽", "电话答复：财务核实为重复计费，今天冲减"),
        resolve("10-07 11:10 张晓丽", "财务核实为系统重复计费，已冲减120元并重新出具账单"),
        callback("10-08 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-08 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-09 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "hedge-extension",
        "minor greening complaint; overtime asked for by 绿化部 (extend), granted by the "
        "manager (approve)",
        "10-08 09:00 张晓丽",
        intake(
            channel="phone",
            customer="周建华",
            unit="10-0201",
            phone="13382019584",
            kind="valid-1 minor quality greening",
            summary="楼前绿化带灌木过高，遮挡二楼采光",
            request="修剪灌木",
            location="10号楼南侧绿化带",
        ),
        respond("10-08 09:30 张晓丽", "告知已转绿化部安排修剪"),
        dispatch("10-08 09:40 张晓丽", "绿化部"),
        approve("10-08 09:45 陈静"),
        accept("10-08 10:30 林志明"),
        plan("10-08 14:00 林志明", "本周内安排修剪"),
        extend(
            "10-09 16:00 林志明", t("10-12 18:00"), "绿篱修剪机送修，需延至10月12日，报赵志强审批"
        ),
        approve("10-09 17:00 赵志强", "同意延至10月12日"),
        resolve("10-11 15:00 林志明", "灌木修剪至1.5米以下，枝叶已清运"),
        callback("10-12 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-12 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-13 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "gate-letter",
        "complaint by letter; first reply by phone within 2 hours",
        "10-09 11:00 张晓丽",
        intake(
            channel="letter",
            customer="吴国强",
            unit="1-0101",
            phone="13814267735",
            kind="valid-1 minor facilities parking",
            summary="东门车辆道闸识别慢，早高峰车辆排队",
            location="东门车行道闸",
        ),
        respond("10-09 11:40 张晓丽", "电话联系业主，告知已收到来信，已约道闸厂家明天升级"),
        resolve("10-10 10:30 张晓丽", "厂家远程升级车牌识别程序，早高峰通行恢复正常"),
        callback("10-12 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-12 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-13 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "paid-drain",
        "request: paid repair in the owner's flat (private part, owner responsible)",
        "10-10 15:00 张晓丽",
        intake(
            channel="phone",
            customer="郑丽",
            unit="6-1203",
            phone="13770652218",
            kind="request minor facilities repair",
            summary="有偿服务：厨房下水道堵塞，请工程部上门疏通",
            responsible="owner",
        ),
        dispatch("10-10 15:15 张晓丽", "工程部", "有偿服务，已告知业主收费标准"),
        accept("10-10 15:40 李明"),
        resolve("10-10 16:30 李明", "已疏通厨房下水管，收取服务费50元"),
        callback("10-11 10:00 王建国", "satisfied"),
        close("10-12 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "street-vendors",
        "invalid complaint declined politely with the reason and another route (reject)",
        "10-11 10:30 张晓丽",
        intake(
            channel="phone",
            customer="黄伟",
            unit="4-0305",
            phone="13605163381",
            kind="invalid minor abnormal noise",
            summary="南门外马路夜市摊贩噪音、占道",
            location="小区南门外市政道路",
        ),
        reject(
            "10-11 11:00 陈静",
            "摊贩位于小区外市政道路，不属于物业管理区域；已致歉并告知可拨打12345市民热线或向街道城管中队反映，物业可协助提供情况",
        ),
        close("10-11 11:10 陈静", "已告知其他途径，归档"),
    ),
    case(
        "wet-lobby",
        "cleaning complaint handled by 保洁部 the same morning",
        "10-12 09:10 张晓丽",
        intake(
            channel="visit",
            customer="马玉兰",
            unit="8-0502",
            phone="15951736604",
            kind="valid-1 minor quality cleaning",
            summary="8号楼大堂拖地后未放警示牌，老人险些滑倒",
            location="8号楼大堂",
            about="保洁部",
        ),
        respond("10-12 09:20 张晓丽", "当面致歉，立即通知保洁部处理"),
        resolve("10-12 10:30 黄秀英", "地面已拖干并放置防滑警示牌，大堂拖地时间调整到早高峰之后"),
        callback("10-13 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-13 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-14 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "branch-car",
        "economic loss (--economic-loss): the manager named to follow it (track), 绿化部 "
        "writes the result of its work order; director and manager both call back",
        "10-14 07:40 张晓丽",
        intake(
            channel="phone",
            customer="徐海峰",
            unit="11-0101",
            phone="13585171190",
            kind="valid-1 important abnormal greening",
            summary="小区内枯树枝断落，砸坏停放车辆的前挡风玻璃",
            request="赔偿维修费用",
            location="11号楼旁地面停车位",
            happened_at=t("10-14 06:30"),
            economic_loss=True,
            responsible="property",
        ),
        respond("10-14 08:00 张晓丽", "已致歉，保安到场拍照取证"),
        dispatch("10-14 08:10 张晓丽", "绿化部", "清理断枝，排查周边树木"),
        approve("10-14 08:15 陈静"),
        accept("10-14 08:30 林志明"),
        track("10-14 08:40 陈静", "赵志强", "涉及赔偿，物业部经理跟踪"),
        decide("10-14 14:00 周海涛", "树木管理疏漏，由物业承担维修费用并报保险公司定损"),
        plan("10-14 15:00 赵志强", "确认为小区树木管理疏漏，由物业承担维修费用，已报保险公司定损"),
        resolve("10-16 16:00 林志明", "全面修剪小区高大乔木枯枝；物业公司已赔付维修费3200元"),
        callback("10-17 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-17 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-18 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "shop-fax",
        "complaint by fax from a ground-floor shop",
        "10-16 10:20 张晓丽",
        intake(
            channel="fax",
            customer="翠湖便利店 林老板",
            unit="底商A-102",
            phone="025-84326617",
            kind="valid-1 minor quality cleaning",
            summary="底商门前公共区域堆放装修垃圾，影响营业",
            location="底商A-102门前",
        ),
        respond("10-16 10:50 张晓丽", "电话回复商户，当天清运"),
        resolve("10-16 15:30 黄秀英", "装修垃圾已清运，并通知装修户按规定时间清运"),
        callback("10-17 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-17 10:30 赵志强", "satisfied", "业主表示满意"),
        close("10-18 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "wall-seep-reopen",
        "developer's leftover (valid-2); leaked again after the callback, reopened and fixed",
        "10-18 09:00 张晓丽",
        intake(
            channel="phone",
            customer="何丽娟",
            unit="12-0101",
            phone="13770231184",
            kind="valid-2 important facilities repair",
            summary="一楼外墙雨后渗水到客厅，墙面起皮",
            location="12-0101客厅",
            responsible="developer",
        ),
        respond("10-18 09:30 张晓丽", "告知工程部今天上门查看"),
        dispatch("10-18 09:40 张晓丽", "工程部", person="陈静"),
        approve("10-18 09:45 陈静"),
        accept("10-18 10:20 李明"),
        decide("10-18 15:00 周海涛", "外墙属开发商保修范围，发函开发商限期修补；工程部先临时封堵"),
        plan("10-18 16:00 李明", "外墙裂缝属开发商保修范围，已发函开发商，工程部先做临时封堵"),
        resolve("10-20 17:00 李明", "开发商维保单位完成外墙裂缝注胶修补，室内墙面已晾干"),
        callback("10-21 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-21 10:30 赵志强", "satisfied", "业主表示满意"),
        reopen("10-23 09:00 陈静", "10月22日夜间降雨后客厅墙角再次渗水"),
        respond("10-23 09:20 陈静", "致电业主致歉，告知工程部今天再次上门查找漏点"),
        plan("10-23 15:00 李明", "查明为窗台下方另一处裂缝，开发商维保单位明天修补"),
        resolve("10-25 16:00 李明", "窗台下方裂缝修补完成，淋水试验无渗漏"),
        callback("10-26 10:00 钱文华", "satisfied", "两次降雨后无渗漏，业主满意"),
        callback("10-26 10:30 赵志强", "satisfied", "两次降雨后无渗漏，业主满意"),
        close("10-28 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "renovation-noise",
        "dissatisfied callback, escalated to the manager, handled again",
        "10-20 21:00 刘芳",
        intake(
            channel="phone",
            customer="杨帆",
            unit="3-0602",
            phone="13813920047",
            kind="valid-1 minor quality noise",
            summary="隔壁3-0601装修，周末早上7点就开始电钻作业",
            request="按规定时间施工",
            about="3-0601装修户",
        ),
        respond("10-20 21:10 刘芳", "已记录，明早通知装修户并加强巡查"),
        plan("10-21 09:00 陈静", "向3-0601装修户送达装修时间告知书，保安周末加强巡查"),
        resolve("10-21 11:00 陈静", "已约谈装修负责人，签署装修时间承诺书"),
        callback("10-22 10:00 王建国", "dissatisfied", "10月22日早7点又有电钻声，业主不满意"),
        escalate("10-22 10:30 王建国", "赵志强", "回访不满意，升级物业部经理处理"),
        respond("10-22 11:00 赵志强", "物业部经理致电业主致歉，告知今天下午给出处理方案"),
        plan("10-22 15:00 赵志强", "暂停该户装修出入证3天，保安部周末7-9点专人值守"),
        resolve("10-23 17:00 赵志强", "装修户整改并缴纳违约保证金，周末专人值守已落实"),
        callback("10-24 10:00 赵志强", "satisfied"),
        callback("10-24 11:00 钱文华", "satisfied"),
        close("10-26 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "charger-question",
        "request (consultation) answered online; callback by the 客服主管",
        "10-24 10:00 张晓丽",
        intake(
            channel="online",
            customer="谢婷",
            unit="6-0901",
            phone="18651827736",
            kind="request minor quality parking",
            summary="咨询：如何办理新能源车充电桩安装报装",
        ),
        resolve(
            "10-24 10:40 张晓丽",
            "已在线答复报装流程及所需材料（车位产权证明、供电申请表），并预约现场勘察",
        ),
        callback("10-25 10:00 陈静", "satisfied"),
        close("10-25 10:10 陈静"),
    ),
    case(
        "water-pump",
        "major complaint: a definite answer within hours (plan --definite), escalated to the "
        "division manager, who decides (decide); 10-day clock",
        "10-25 18:10 刘芳",
        intake(
            channel="phone",
            customer="陆文斌",
            unit="9-0101",
            phone="13921057786",
            kind="valid-1 major facilities repair",
            summary="9号楼二次供水泵故障，整栋楼停水",
            request="尽快恢复供水",
            location="9号楼地下泵房",
            happened_at=t("10-25 17:30"),
        ),
        respond("10-25 18:20 刘芳", "已通知工程部值班人员赶往泵房，临时安排送桶装水"),
        dispatch("10-25 18:25 刘芳", "工程部"),
        approve("10-25 18:30 赵志强", "电话批准派单"),
        accept("10-25 18:40 李明"),
        plan(
            "10-25 22:00 李明",
            "水泵电机烧毁，已启用备用泵临时供水；主泵更换预计5天内完成",
            definite=True,
        ),
        escalate("10-26 09:00 陈静", "周海涛", "重大投诉，报分管经理决定处理方案"),
        decide("10-26 10:00 周海涛", "批准采购新水泵，费用从维修资金列支并公示"),
        resolve("10-30 16:00 李明", "新水泵安装调试完成，恢复双泵运行；停水期间已逐户送水"),
        callback("10-31 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("10-31 10:30 赵志强", "satisfied", "业主表示满意"),
        close("11-02 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "playground-shade",
        "request (suggestion) by email, answered by the manager",
        "10-27 14:00 张晓丽",
        intake(
            channel="email",
            customer="蒋丽华",
            unit="4-1002",
            phone="13615182290",
            kind="request minor facilities other",
            summary="建议：儿童游乐区增加遮阳棚",
            location="中心花园儿童游乐区",
        ),
        respond("10-27 15:00 张晓丽", "邮件回复：感谢建议，已提交物业部评估"),
        resolve("10-28 16:00 赵志强", "已评估，计划11月在游乐区加装遮阳棚，费用列入年度维修计划"),
        callback("10-29 10:00 赵志强", "satisfied"),
        close("10-30 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "door-customer-deadline",
        "customer asked for a deadline earlier than the policy's 2 days (--deadline)",
        "10-29 08:30 张晓丽",
        intake(
            channel="phone",
            customer="沈国栋",
            unit="7-1501",
            phone="13382047718",
            kind="valid-1 minor facilities security",
            summary="7号楼单元门禁刷卡失灵，老人进不了门",
            request="今天下午5点前修好",
            deadline=t("10-29 17:00"),
            location="7号楼单元门",
        ),
        respond("10-29 08:45 张晓丽", "告知上午安排维修"),
        dispatch("10-29 08:50 张晓丽", "工程部"),
        approve("10-29 08:55 陈静"),
        accept("10-29 09:10 李明"),
        resolve("10-29 11:30 李明", "更换门禁读卡模块，测试正常"),
        callback("10-29 15:00 钱文华", "satisfied"),
        callback("10-30 10:00 赵志强", "satisfied"),
        close("10-31 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "front-desk-attitude",
        "attitude complaint about a clerk, not verified (--staff-verified no); neutral callback",
        "10-30 16:30 陈静",
        intake(
            channel="visit",
            customer="韩梅",
            unit="10-1103",
            phone="15850627718",
            kind="valid-1 minor attitude other",
            summary="前台办理门禁卡时要求重复提交材料，业主认为被刁难",
            about="客服中心 张晓丽",
            staff_involved="张晓丽",
        ),
        respond("10-30 16:45 陈静", "客服主管当面接待致歉，告知将核实"),
        plan("10-31 10:00 陈静", "核查办理流程与前台录音，今天答复"),
        reclassify(
            "10-31 15:00 陈静",
            "--staff-verified",
            "no",
            "--reason",
            "录音显示员工按规定流程办理，无不当言语，但解释不够耐心",
        ),
        resolve(
            "10-31 16:00 陈静",
            "向业主说明门禁卡须核验产权证明的规定并当场补办；前台加强沟通话术培训",
        ),
        callback("11-01 10:00 钱文华", "satisfied"),
        callback("11-01 11:00 赵志强", "neutral", "业主表示理解，但认为流程繁琐"),
        close("11-02 09:00 陈静", "回访完毕，归档"),
    ),
    # --- November ----------------------------------------------------------------
    case(
        "moving-lift",
        "request: book the lift for a move",
        "11-03 13:30 张晓丽",
        intake(
            channel="online",
            customer="任雪",
            unit="2-0602",
            phone="13805179926",
            kind="request minor quality other",
            summary="申请：周末搬家，需预约货梯并开放东门货车通道",
        ),
        resolve("11-03 14:00 张晓丽", "已预约11月7日上午货梯，通知东门岗放行搬家车辆"),
        callback("11-05 10:00 王建国", "satisfied"),
        close("11-05 10:30 陈静"),
    ),
    case(
        "lift-noise-extension",
        "important complaint; overtime asked for by 工程部, granted by the company manager "
        "孙立新 (approve)",
        "11-05 09:00 张晓丽",
        intake(
            channel="phone",
            customer="曹建军",
            unit="8-1702",
            phone="13951022468",
            kind="valid-1 important facilities repair",
            summary="8号楼电梯运行异响、轿厢晃动",
            location="8号楼1单元电梯",
        ),
        respond("11-05 09:20 张晓丽", "告知已报电梯维保单位检查"),
        dispatch("11-05 09:30 张晓丽", "工程部", person="王建国"),
        approve("11-05 09:35 陈静"),
        accept("11-05 10:00 李明"),
        decide("11-05 14:00 周海涛", "同意更换导靴，其间限速运行、每日巡检"),
        plan("11-05 15:00 李明", "导靴磨损需更换，配件向厂家订购；其间限速运行"),
        extend("11-07 17:00 李明", t("11-12 18:00"), "厂家配件到货需5个工作日，报孙立新审批"),
        approve("11-07 18:00 孙立新", "同意延至11月12日"),
        resolve("11-11 16:00 李明", "更换导靴并润滑导轨，运行平稳，经检验单位复检合格"),
        callback("11-12 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("11-12 10:30 赵志强", "satisfied", "业主表示满意"),
        close("11-13 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "garbage-truck-dawn",
        "night-shift entry (05:20 call) recorded at the 08:30 handover",
        "11-08 05:20 刘芳",
        intake(
            channel="phone",
            customer="彭玉梅",
            unit="3-0101",
            phone="13852067713",
            kind="valid-1 minor quality cleaning",
            summary="垃圾清运车清晨5点在3号楼旁作业，噪音扰民",
            about="保洁部、环卫清运公司",
        ),
        respond("11-08 05:25 刘芳", "已致歉，上班后与清运公司协调作业时间", rec="11-08 08:30"),
        plan("11-08 10:00 黄秀英", "与环卫清运公司协商调整作业时间"),
        resolve("11-09 16:00 黄秀英", "清运时间调整到早7点以后，清运点加装降噪垫"),
        callback("11-10 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("11-10 10:30 赵志强", "satisfied", "业主表示满意"),
        close("11-11 09:00 陈静", "回访完毕，归档"),
        rec="11-08 08:30",
    ),
    case(
        "parking-space-taken",
        "private parking space taken by another car",
        "11-10 09:30 张晓丽",
        intake(
            channel="visit",
            customer="魏建华",
            unit="12-1502",
            phone="13776610037",
            kind="valid-1 minor quality parking",
            summary="地下车库B1-086私家车位被他人车辆长期占用",
            location="地下车库B1-086",
            about="保安部",
        ),
        respond("11-10 09:40 张晓丽", "告知保安部马上处理"),
        resolve("11-10 15:00 郑勇", "联系占位车主移车，车位加装地锁，巡逻加强车位核查"),
        callback("11-11 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("11-11 10:30 赵志强", "satisfied", "业主表示满意"),
        close("11-12 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "ebike-charging",
        "request (suggestion) answered by the manager",
        "11-16 10:00 张晓丽",
        intake(
            channel="visit",
            customer="邹海燕",
            unit="6-0102",
            phone="13813378806",
            kind="request minor facilities security",
            summary="建议：增设电动自行车集中充电桩，杜绝楼道飞线充电",
        ),
        respond("11-16 10:10 张晓丽", "感谢建议，已转物业部评估"),
        resolve("11-17 16:00 赵志强", "确定在5号楼和10号楼旁建设两处充电车棚，预计12月底完工"),
        callback("11-18 10:00 王建国", "satisfied"),
        close("11-19 09:00 陈静", "回访完毕，归档"),
    ),
    case(
        "pond-leaves",
        "late approval: overtime asked for in time, granted by the manager after the deadline "
        "had passed; check is clean afterwards, the report counts the resolve clock missed",
        "11-11 09:00 张晓丽",
        intake(
            channel="visit",
            customer="董慧",
            unit="4-0101",
            phone="13813507726",
            kind="valid-1 minor quality cleaning",
            summary="中心花园水景池漂满落叶，池水发绿有异味",
            request="清理水池并换水",
            location="中心花园水景池",
        ),
        respond("11-11 09:10 张晓丽", "当面致歉，告知保洁部今天打捞落叶"),
        dispatch("11-11 09:20 张晓丽", "保洁部"),
        approve("11-11 09:25 陈静"),
        accept("11-11 10:00 黄秀英"),
        plan("11-11 14:00 黄秀英", "今天打捞落叶；换水需工程部水泵配合"),
        extend(
            "11-12 17:00 黄秀英",
            t("11-15 18:00"),
            "工程部水泵排期到11月15日，需延期换水，报赵志强审批",
        ),
        approve("11-13 11:00 赵志强", "出差返回后补批，同意延至11月15日"),
        resolve("11-15 16:00 黄秀英", "水池清洗换水完成，加装落叶拦网，每日打捞"),
        callback("11-16 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("11-16 10:30 赵志强", "satisfied", "业主表示满意"),
        close("11-17 09:00 陈静", "回访完毕，归档"),
        missed=("resolve",),
    ),
    case(
        "water-hammer",
        "work order dispatched by the 客服主管 herself (approved at once); the manager called "
        "back, the customer declined a second call: archived with the director's callback "
        "waived (close --waive)",
        "11-12 10:00 张晓丽",
        intake(
            channel="phone",
            customer="秦玉珍",
            unit="12-0801",
            phone="13951703349",
            kind="valid-1 minor facilities repair",
            summary="12号楼水管夜间用水时砰砰作响，影响睡眠",
            location="12号楼8层管道井",
        ),
        respond("11-12 10:10 张晓丽", "告知工程部今天上门检查"),
        dispatch("11-12 10:20 陈静", "工程部"),
        accept("11-12 10:40 李明"),
        resolve("11-12 16:00 李明", "减压阀失灵引起水锤，已更换减压阀并加装水锤消除器"),
        callback("11-13 10:00 赵志强", "satisfied", "业主表示满意；下周出国，请不要再来电"),
        close(
            "11-14 09:00 赵志强",
            "归档",
            waive="业主明确表示不再接受回访，中心主任回访免除",
        ),
        missed=("dual-callback",),
    ),
    # --- still on the books at AS_OF ----------------------------------------------
    case(
        "drying-rack",
        "customer asked for a deadline later than the policy's 2 days (--deadline replaces "
        "them): past 2 days at AS_OF, not overdue",
        "11-25 11:00 张晓丽",
        intake(
            channel="phone",
            customer="潘志军",
            unit="4-1201",
            phone="13770915528",
            kind="valid-1 minor facilities repair",
            summary="阳台升降晾衣架钢丝断裂，无法升降",
            request="业主出差，11月30日回来后再上门维修",
            deadline=t("11-30 18:00"),
            location="4-1201阳台",
        ),
        respond("11-25 11:10 张晓丽", "已与业主约定11月30日下午上门"),
        plan("11-25 11:15 张晓丽", "11月30日下午工程部上门更换晾衣架钢丝"),
    ),
    case(
        "deposit-refund",
        "OVERDUE promise: the desk promised to phone back by 11-27 11:00 and did not",
        "11-26 14:00 张晓丽",
        intake(
            channel="phone",
            customer="严小燕",
            unit="6-1502",
            phone="13805160473",
            kind="request minor quality fees",
            summary="咨询：装修完工一个月，装修押金何时退还",
        ),
        respond("11-26 14:10 张晓丽", "已记录，财务核实验收情况后回电"),
        promise("11-26 14:15 张晓丽", t("11-27 11:00"), "约定11月27日上午11点前电话告知退还时间"),
        overdue="promise",
    ),
    case(
        "parcel-locker-fee",
        "received as valid, reclassified invalid (third party) by the 客服主管 and approved by "
        "the manager (it lifts the valid clocks), declined; stays rejected",
        "11-20 10:00 张晓丽",
        intake(
            channel="phone",
            customer="田志远",
            unit="10-0702",
            phone="13951688802",
            kind="valid-1 minor quality other",
            summary="快递柜超时收费，认为物业应免除",
            about="快递柜运营公司",
        ),
        reclassify(
            "11-20 10:30 陈静",
            "--nature",
            "invalid",
            "--reason",
            "快递柜由第三方公司运营并收费，不属于物业服务范围",
        ),
        approve("11-20 10:35 赵志强"),
        reject(
            "11-20 10:40 陈静",
            "快递柜收费由运营公司制定，物业无权减免；已提供运营公司客服渠道和12315消费者投诉途径，物业将转达业主意见",
        ),
    ),
    case(
        "stair-lights",
        "called back by director and manager, waiting to be archived",
        "11-22 09:00 张晓丽",
        intake(
            channel="phone",
            customer="龚丽",
            unit="5-0303",
            phone="13862019957",
            kind="valid-1 minor facilities repair",
            summary="5号楼楼道声控灯不灵敏，晚上经常不亮",
        ),
        respond("11-22 09:10 张晓丽", "告知今天更换"),
        resolve("11-22 14:00 李明", "更换3至5层声控开关4个"),
        callback("11-23 10:00 钱文华", "satisfied", "业主表示满意"),
        callback("11-23 10:30 赵志强", "satisfied", "业主表示满意"),
    ),
    case(
        "parking-card",
        "request answered online, called back, waiting to be archived",
        "11-25 15:00 张晓丽",
        intake(
            channel="online",
            customer="贺军",
            unit="7-0401",
            phone="18913025534",
            kind="request minor quality parking",
            summary="咨询：停车月卡如何续费",
        ),
        resolve("11-25 15:20 张晓丽", "已答复：可在业主App或物业前台续费，月卡300元/月"),
        callback("11-26 10:00 王建国", "satisfied"),
    ),
    case(
        "fire-lane-ebikes",
        "valid complaint with one of the two dual callbacks, window still open at AS_OF",
        "11-25 10:00 张晓丽",
        intake(
            channel="phone",
            customer="孟凡强",
            unit="2-1101",
            phone="13770819924",
            kind="valid-1 minor quality security",
            summary="2号楼消防通道被电动车堵塞",
            location="2号楼一楼消防通道",
        ),
        respond("11-25 10:10 张晓丽", "告知保安部马上清理"),
        dispatch("11-25 10:20 张晓丽", "保安部"),
        approve("11-25 10:25 陈静"),
        accept("11-25 10:40 郑勇"),
        resolve("11-25 16:00 郑勇", "清理电动车12辆，张贴禁停告示，纳入每日巡查"),
        callback("11-26 10:00 钱文华", "satisfied"),
    ),
    case(
        "battery-theft",
        "OVERDUE dual-callback: director called back, the manager never did",
        "11-17 09:30 张晓丽",
        intake(
            channel="visit",
            customer="秦伟",
            unit="11-0802",
            phone="13813052261",
            kind="valid-1 important quality security",
            summary="车棚电动车电瓶被盗，质疑保安夜间巡逻不到位",
            request="调取监控并加强巡逻",
            location="11号楼车棚",
            happened_at=t("11-17 03:00"),
        ),
        respond("11-17 09:40 张晓丽", "当面致歉，告知保安部立即调取监控"),
        dispatch("11-17 09:50 张晓丽", "保安部", person="王建国"),
        approve("11-17 09:55 陈静"),
        accept("11-17 10:10 郑勇"),
        decide("11-17 14:00 周海涛", "报警处理；车棚加装监控，夜间巡逻加密"),
        plan("11-17 15:00 郑勇", "已调取监控并报警；车棚加装监控探头，夜间巡逻改为每2小时一次"),
        resolve("11-19 17:00 郑勇", "派出所已立案；车棚新增监控探头已启用，巡逻记录张贴公示"),
        callback("11-20 10:00 王建国", "satisfied"),
        callback("11-20 15:00 钱文华", "satisfied"),
        overdue="dual-callback",
    ),
    case(
        "shared-power-bill",
        "OVERDUE dissatisfied: dissatisfied callback, not yet escalated or reopened",
        "11-24 10:30 张晓丽",
        intake(
            channel="email",
            customer="姚建明",
            unit="9-1502",
            phone="13952071136",
            kind="request minor quality fees",
            summary="对10月公共区域水电分摊费用有疑问，要求公示明细",
        ),
        respond("11-24 11:00 张晓丽", "邮件回复：财务整理明细后发送"),
        resolve("11-25 11:00 张晓丽", "已邮件发送10月公摊水电明细及计算方法，并在公告栏公示"),
        callback(
            "11-26 10:00 王建国",
            "dissatisfied",
            "业主认为电梯用电分摊比例不合理，要求召开业主说明会",
        ),
        overdue="dissatisfied",
    ),
    case(
        "paid-tap",
        "OVERDUE callback: paid repair done, nobody called back within 3 days",
        "11-23 15:00 张晓丽",
        intake(
            channel="phone",
            customer="陶红",
            unit="3-2101",
            phone="13584012278",
            kind="request minor facilities repair",
            summary="有偿服务：卫生间水龙头漏水，请求更换",
            responsible="owner",
        ),
        respond("11-23 15:10 张晓丽", "告知明天上午上门，材料费另计"),
        dispatch("11-23 15:15 张晓丽", "工程部"),
        accept("11-23 15:30 李明"),
        resolve("11-24 10:00 李明", "更换水龙头及角阀，收取材料费120元"),
        overdue="callback",
    ),
    case(
        "street-lamp",
        "resolved, callback window still open at AS_OF",
        "11-26 09:00 张晓丽",
        intake(
            channel="phone",
            customer="吕文",
            unit="8-0303",
            phone="13601582276",
            kind="valid-1 minor facilities repair",
            summary="8号楼门口路灯不亮",
            location="8号楼单元门外",
        ),
        respond("11-26 09:10 张晓丽", "告知今天维修"),
        dispatch("11-26 09:15 张晓丽", "工程部"),
        approve("11-26 09:20 陈静"),
        accept("11-26 09:30 李明"),
        resolve("11-26 16:00 李明", "更换路灯镇流器，已恢复照明"),
    ),
    case(
        "flyers",
        "resolved the same day, callback window still open at AS_OF",
        "11-27 09:00 张晓丽",
        intake(
            channel="online",
            customer="施晓梅",
            unit="1-0603",
            phone="15189017723",
            kind="valid-1 minor quality cleaning",
            summary="1号楼楼道、电梯厅小广告多，长期无人清理",
        ),
        respond("11-27 09:20 张晓丽", "告知今天安排清理"),
        resolve("11-27 15:00 黄秀英", "清理1号楼1至18层小广告，张贴禁贴提示"),
    ),
    case(
        "paving-fax",
        "developer's leftover reported by fax; resolved, waiting for callbacks",
        "11-25 14:00 张晓丽",
        intake(
            channel="fax",
            customer="翠湖幼儿园 高园长",
            unit="底商B-01",
            phone="025-84321190",
            kind="valid-2 minor facilities repair",
            summary="幼儿园门前小区路面砖松动翘起，有绊倒儿童的危险",
            location="底商B-01门前人行道",
            responsible="developer",
        ),
        respond("11-25 14:30 张晓丽", "电话回复：今天设置围挡"),
        dispatch("11-25 14:40 张晓丽", "工程部"),
        approve("11-25 14:45 陈静"),
        accept("11-25 15:00 李明"),
        plan("11-25 17:00 李明", "已设置围挡，通知开发商维保单位明天重铺"),
        resolve("11-26 17:00 李明", "开发商维保单位完成路面砖重铺"),
    ),
    case(
        "garage-lights",
        "OVERDUE initial-plan: valid complaint, no plan or result within 24 hours",
        "11-27 08:05 张晓丽",
        intake(
            channel="phone",
            customer="范志勇",
            unit="12-0903",
            phone="13770628841",
            kind="valid-1 minor facilities repair",
            summary="地下车库B2区多处照明灯不亮，晚上停车看不清",
            location="地下车库B2区",
        ),
        respond("11-27 08:20 张晓丽", "告知今天安排工程部检查"),
        dispatch("11-27 08:30 张晓丽", "工程部"),
        approve("11-27 08:40 陈静"),
        accept("11-27 09:30 李明"),
        note("11-27 16:00 李明", "已检查：B2区12盏灯不亮，镇流器需采购（尚未答复业主）"),
        overdue="initial-plan",
    ),
    case(
        "basement-rubbish",
        "OVERDUE resolve (minor, 2 days)",
        "11-24 10:15 张晓丽",
        intake(
            channel="phone",
            customer="钟丽萍",
            unit="5-0101",
            phone="13912058833",
            kind="valid-1 minor quality cleaning",
            summary="5号楼地下室楼道堆积装修垃圾，有异味",
            location="5号楼地下室",
        ),
        respond("11-24 10:30 张晓丽", "告知保洁部今天查看"),
        dispatch("11-24 10:40 张晓丽", "保洁部"),
        approve("11-24 10:45 陈静"),
        accept("11-24 11:00 黄秀英"),
        plan("11-24 14:00 黄秀英", "联系清运车辆，两天内清运完毕"),
        note("11-26 09:00 黄秀英", "清运车辆排期紧张，尚未清运"),
        overdue="resolve",
    ),
    case(
        "top-floor-seep",
        "OVERDUE resolve (important, 3 days): developer has not come",
        "11-21 14:00 张晓丽",
        intake(
            channel="phone",
            customer="蔡建业",
            unit="12-2301",
            phone="13805189914",
            kind="valid-2 important facilities repair",
            summary="顶楼卧室外墙渗水，墙面发霉",
            location="12-2301主卧",
            responsible="developer",
        ),
        respond("11-21 14:20 张晓丽", "告知工程部今天上门查看"),
        dispatch("11-21 14:30 张晓丽", "工程部"),
        approve("11-21 14:35 陈静"),
        accept("11-21 15:00 李明"),
        track("11-21 16:00 陈静", "王建国"),
        decide("11-21 17:00 周海涛", "属开发商保修范围，发函开发商限期维修，物业部督办"),
        plan("11-22 10:00 李明", "外墙渗水属开发商保修范围，已发函要求3日内派人维修"),
        note("11-24 16:00 李明", "开发商维保单位未到场，已再次催告"),
        overdue="resolve",
    ),
    case(
        "lift-stops-extended",
        "important complaint extended by the company manager 孙立新 himself (extend, in "
        "effect at once); in progress, not overdue",
        "11-23 10:00 张晓丽",
        intake(
            channel="phone",
            customer="汪洋",
            unit="6-0601",
            phone="13951629937",
            kind="valid-1 important facilities repair",
            summary="6号楼2单元电梯频繁停梯",
            location="6号楼2单元电梯",
        ),
        respond("11-23 10:15 张晓丽", "告知已报维保单位"),
        dispatch("11-23 10:20 张晓丽", "工程部", person="王建国"),
        approve("11-23 10:25 陈静"),
        accept("11-23 10:40 李明"),
        decide("11-23 15:00 周海涛", "更换变频器，配件到货前专人值守"),
        plan("11-23 16:00 李明", "变频器故障，已向厂家订购配件，其间安排专人值守"),
        extend("11-25 17:00 孙立新", t("12-01 18:00"), "厂家配件12月1日前到货"),
    ),
    case(
        "roof-major",
        "major complaint by a joint letter; tentative plan, the division manager's decision, "
        "then the definite answer within 2 days (respond --definite); in progress",
        "11-20 09:00 张晓丽",
        intake(
            channel="letter",
            customer="龙海（顶层业主代表）",
            unit="10-0101",
            phone="13776623305",
            kind="valid-2 major facilities repair",
            summary="10号楼屋面防水层老化，顶层6户渗漏",
            request="整体翻修屋面防水",
            location="10号楼屋面",
            responsible="other",
        ),
        respond("11-20 09:40 张晓丽", "电话联系业主代表，告知今天上门查看"),
        dispatch("11-20 10:00 张晓丽", "工程部"),
        approve("11-20 10:05 陈静"),
        accept("11-20 10:30 李明"),
        escalate("11-20 11:00 陈静", "周海涛", "重大投诉，报分管经理决策"),
        plan("11-20 17:00 李明", "先做临时防水处理；整体翻修需申请维修资金，已报分管经理"),
        decide("11-20 18:00 周海涛", "申请动用维修资金整体翻修屋面，提交业委会审议；其间临时防水"),
        respond(
            "11-21 16:00 陈静",
            "明确答复业主代表：屋面整体翻修，维修资金经业委会同意后施工单位进场，工期10天",
            definite=True,
        ),
        note("11-24 10:00 周海涛", "业委会同意动用维修资金翻修屋面，施工单位11月26日进场"),
    ),
    case(
        "branch-balcony",
        "work order sent to 绿化部 with a plan; not yet signed for",
        "11-27 14:00 张晓丽",
        intake(
            channel="phone",
            customer="唐丽",
            unit="4-0802",
            phone="13813961102",
            kind="valid-1 minor quality greening",
            summary="中心花园香樟树枝伸进4-0802阳台，影响采光且有安全隐患",
        ),
        respond("11-27 14:10 张晓丽", "告知绿化部明天上门"),
        dispatch("11-27 14:15 张晓丽", "绿化部"),
        approve("11-27 14:20 陈静"),
        plan("11-27 14:25 张晓丽", "11月28日上午修剪"),
    ),
    case(
        "door-closer",
        "dispatched to 工程部 in the evening",
        "11-27 17:30 张晓丽",
        intake(
            channel="visit",
            customer="薛凯",
            unit="3-0301",
            phone="15805174419",
            kind="valid-1 minor facilities security",
            summary="3号楼大堂单元门闭门器损坏，门关不上",
            location="3号楼大堂",
        ),
        respond("11-27 17:40 张晓丽", "告知明早更换闭门器"),
        plan("11-27 17:50 张晓丽", "工程部明早更换闭门器，今晚保安加强巡查"),
        dispatch("11-27 17:55 张晓丽", "工程部"),
        approve("11-27 18:00 陈静"),
    ),
    case(
        "broken-window",
        "evening online report; night clerk replied; the work order typed at the morning "
        "handover waits for the 客服主管's approval (requested, status still open)",
        "11-27 20:10 刘芳",
        intake(
            channel="online",
            customer="罗敏",
            unit="11-1201",
            phone="18652011378",
            kind="valid-1 minor facilities repair",
            summary="11号楼12层电梯厅窗户玻璃破裂",
            location="11号楼12层电梯厅",
        ),
        respond("11-27 20:20 刘芳", "已安排保安拉警戒线，明早更换"),
        plan("11-27 20:25 刘芳", "11月28日上午工程部更换玻璃"),
        dispatch("11-28 08:35 张晓丽", "工程部"),
    ),
    case(
        "renovation-rubbish-app",
        "OVERDUE first-reply: App message at 23:10, recorded at the 08:30 handover, no reply",
        "11-27 23:10 刘芳",
        intake(
            channel="online",
            customer="江涛",
            unit="2-0303",
            phone="13815026647",
            kind="request minor quality cleaning",
            summary="申请：周末清运装修垃圾，并开放地下室垃圾间",
        ),
        rec="11-28 08:30",
        overdue="first-reply",
    ),
    case(
        "site-noise-major",
        "OVERDUE major-answer: the division manager decided, but no definite answer within "
        "2 days (invalid, outside the estate)",
        "11-25 19:30 刘芳",
        intake(
            channel="visit",
            customer="卢建国（业主代表）",
            unit="8-2201",
            phone="13952088817",
            kind="invalid major abnormal noise",
            summary="小区东侧工地夜间施工噪音，多栋楼业主无法休息",
            location="小区东侧围墙外在建工地",
            about="工地施工单位",
        ),
        respond("11-25 19:50 刘芳", "接待业主代表，告知已记录并报分管经理"),
        escalate("11-26 09:00 陈静", "周海涛", "涉及多栋楼业主的重大投诉，报分管经理决定"),
        decide(
            "11-26 15:00 周海涛",
            "施工单位称需夜间浇筑混凝土；由物业出面与项目部协商施工时间，同时向城管部门反映",
        ),
        overdue="major-answer",
    ),
    case(
        "ac-drip",
        "neighbour's air conditioner drips; plan given, open",
        "11-27 16:30 张晓丽",
        intake(
            channel="phone",
            customer="许文静",
            unit="10-1502",
            phone="13770518826",
            kind="valid-2 minor abnormal neighbour",
            summary="楼上10-1602空调外机冷凝水滴到阳台",
            about="10-1602住户",
        ),
        respond("11-27 16:40 张晓丽", "告知将联系楼上住户"),
        plan("11-27 18:00 陈静", "已电话联系10-1602住户，对方同意周末加装冷凝水管"),
    ),
    case(
        "fee-question",
        "request taken this morning, first reply given",
        "11-28 08:20 张晓丽",
        intake(
            channel="phone",
            customer="胡晓东",
            unit="9-0302",
            phone="13601591102",
            kind="request minor quality fees",
            summary="咨询：12月物业费缴费方式及预缴优惠",
        ),
        respond("11-28 08:30 张晓丽", "告知缴费方式，优惠政策由财务上班后回电说明"),
    ),
    # --- the desk's ordinary accidents (issue 12) ---------------------------------
    case(
        "wrong-phone-corrected",
        "phone number mistyped at intake, put right with `correct` (old and new kept)",
        "11-26 10:00 张晓丽",
        intake(
            channel="visit",
            customer="邵红梅",
            unit="6-0901",
            phone="1390518826",
            kind="request minor quality fees",
            summary="咨询：车位租赁合同到期如何续签",
        ),
        respond("11-26 10:10 张晓丽", "告知带合同到前台办理，财务回电确认时间"),
        correct(
            "11-26 10:30 张晓丽", "登记时电话少录一位，财务回电打不通", "--phone", "13905188260"
        ),
    ),
    case(
        "mistaken-reply-voided",
        "a reply typed against this record by mistake, then voided (`void`); stays in the file",
        "11-26 14:00 刘芳",
        intake(
            channel="phone",
            customer="宋宇",
            unit="12-0602",
            phone="13813027745",
            kind="request minor quality parking",
            summary="咨询：访客车辆临时停车如何登记",
        ),
        respond("11-26 14:10 刘芳", "告知访客车辆在岗亭登记，2小时内免费"),
        respond("11-26 14:30 刘芳", "已安排工程部明天上午更换"),
        void_last("11-26 14:35 刘芳", "这条答复是另一张单的，录错了单号"),
    ),
    case(
        "late-reply",
        "reply given at 09:40, typed in at 11:20 after a note of 11:10: put in its place",
        "11-27 09:00 张晓丽",
        intake(
            channel="phone",
            customer="彭丽华",
            unit="1-1903",
            phone="13952173306",
            kind="request minor quality cleaning",
            summary="申请：周六上午清洗1号楼19层楼道地毯",
        ),
        note("11-27 11:10 张晓丽", "业主又来电，问周六几点开始"),
        respond(
            "11-27 09:40 张晓丽",
            "电话答复：已安排保洁部周六上午9点清洗",
            rec="11-27 11:20",
        ),
    ),
    case(
        "door-closer-again",
        "the customer calls again about the lobby door: a repeat (`new --repeat-of`)",
        "11-28 08:40 张晓丽",
        intake(
            channel="phone",
            customer="薛凯",
            unit="3-0301",
            phone="15805174419",
            kind="valid-1 minor facilities security",
            summary="再次来电：3号楼大堂单元门仍关不上，夜里有陌生人进出",
            location="3号楼大堂",
            repeat_of="{id:door-closer}",
        ),
        respond("11-28 08:45 张晓丽", "致歉，告知工程部9点前到场更换闭门器"),
    ),
    case(
        "fee-question-twice",
        "the same call typed in twice: closed as a duplicate (`reject --duplicate-of`), "
        "out of the report's figures",
        "11-28 08:20 刘芳",
        intake(
            channel="phone",
            customer="胡晓东",
            unit="9-0302",
            phone="13601591102",
            kind="request minor quality fees",
            summary="咨询12月物业费缴费方式",
        ),
        reject_duplicate("11-28 08:35 陈静", "fee-question", "与张晓丽同时接听、同一来电录了两次"),
    ),
    case(
        "door-card-urged",
        "the customer chased (`urge`, 催单) and was answered within 2 h; a photo attached "
        "(`attach`, its GPS removed)",
        "11-26 10:00 张晓丽",
        intake(
            channel="phone",
            customer="丁雪",
            unit="4-1201",
            phone="18962157730",
            kind="request minor quality security",
            summary="申请：门禁卡损坏，补办一张",
        ),
        respond("11-26 10:10 张晓丽", "已登记，明天下午可到前台领取"),
        attach("11-26 10:20 张晓丽", "door-card.png", "photo", "业主发来的门禁卡损坏照片"),
        urge("11-27 16:00 张晓丽", "phone", "业主来电催问新卡是否做好"),
        respond("11-27 16:30 张晓丽", "告知新卡已做好，今晚8点前可到前台领取"),
    ),
)


# --- running the CLI ---------------------------------------------------------------


class BuildError(Exception):
    pass


def cli_env() -> dict[str, str]:
    """The process environment for every cmplt call: fixed seed, identity, no user config."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CMPLT_", "GIT_")) and k not in {"TZ", "EMAIL"}
    }
    env.update(
        {
            "CMPLT_SEED": SEED,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_COMMITTER_NAME": "cmplt example builder",
            "GIT_COMMITTER_EMAIL": "examples@cmplt.invalid",
            # init and the first `staff add` commit with no --author (nobody on the roster
            # yet), so git needs an author identity too
            "GIT_AUTHOR_NAME": "cmplt example builder",
            "GIT_AUTHOR_EMAIL": "examples@cmplt.invalid",
            "PYTHONUTF8": "1",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    return env


def typist(name: str) -> dict[str, str]:
    """The git committer identity of a person on the roster (their own clone's)."""
    email = next(e for n, _role, _dept, e in ROSTER if n == name)
    return {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": f"{email}@{EMAIL_DOMAIN}"}


class Cli:
    def __init__(self, registry: Path) -> None:
        self.registry = registry
        self.env = cli_env()
        self.calls = 0

    def run(self, args: Sequence[str], now: str, *, registry: bool = True) -> str:
        command = [sys.executable, "-m", "cmplt"]
        if registry:
            command += ["--registry", str(self.registry)]
        command += list(args)
        env = {**self.env, "CMPLT_NOW": t(now)}
        if "--by" in args:
            # each person types their own steps, in their own clone (README, "Identities"):
            # git's identity is the actor's, so no step records someone else's `entered_by`
            env.update(typist(args[list(args).index("--by") + 1]))
        done = subprocess.run(
            command,
            cwd=self.registry.parent,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        self.calls += 1
        if done.returncode != 0:
            shown = " ".join(args)
            raise BuildError(
                f"cmplt {shown} (CMPLT_NOW {now}) failed with exit code {done.returncode}:\n"
                f"{done.stderr.strip()}"
            )
        return done.stdout


def intake_args(values: Mapping[str, str | bool]) -> list[str]:
    args: list[str] = []
    for key, value in values.items():
        if value is True:
            args.append(f"--{key}")
        elif value is not False:
            args += [f"--{key}", str(value)]
    return args


@dataclass(frozen=True)
class Measure:
    """An improvement measure (改进措施) the team took after the complaints above."""

    now: str
    by: str
    args: tuple[str, ...]
    done: tuple[str, str, str] | None = None  # (when, by, note)


MEASURES = (
    Measure(
        "10-08 10:00",
        "赵志强",
        (
            "--title",
            "节假日前全面检查电梯并备好常用配件",
            "--category",
            "repair",
            "--subject",
            "facilities",
            "--owner",
            "王建国",
            "--due",
            "2026-10-31",
        ),
        ("10-20 16:00", "王建国", "各栋电梯已检查，控制主板、按钮面板各备两套"),
    ),
    Measure(
        "11-25 11:00",
        "赵志强",
        (
            "--title",
            "保洁增加午间一班，垃圾房每日消杀",
            "--category",
            "cleaning",
            "--owner",
            "王建国",
            "--due",
            "2026-12-15",
        ),
    ),
)


def check_cases(cases: Sequence[Case]) -> None:
    """Catch a mistake in the data before spending a minute on subprocesses."""
    names = {name for name, *_ in ROSTER}
    keys: set[str] = set()
    for c in cases:
        if c.key in keys:
            raise BuildError(f"case {c.key}: the key is used twice")
        keys.add(c.key)
        moments = [(c.at, c.now, c.by)] + [(st.at, st.now, st.by) for st in c.steps]
        last = ""
        for at, now, by in moments:
            if by not in names:
                raise BuildError(f"case {c.key}: {by} is not on the roster")
            if parse_time(t(at)) > parse_time(t(now)) or parse_time(t(now)) > AS_OF:
                raise BuildError(f"case {c.key}: {at} typed at {now} is out of order")
            # a step typed in late (at < now) may go before the ones typed before it:
            # cmplt puts it in its place in the history
            if at < last and at == now:
                raise BuildError(f"case {c.key}: step at {at} comes before {last}")
            last = max(last, at)
        for rule in (c.overdue, *c.missed):
            if rule is not None and rule not in RULES:
                raise BuildError(f"case {c.key}: unknown rule {rule}")
        if any(st.action == "reclassify" and "--severity" in st.args for st in c.steps):
            # examine() reads the record's severity as it was received
            raise BuildError(f"case {c.key}: the oracle does not follow a change of severity")


def depends(c: Case) -> bool:
    """Whether the case names another case's complaint (built after all the others)."""
    texts = [str(v) for v in c.intake.values()] + [a for st in c.steps for a in st.args]
    return any("{id:" in text for text in texts)


def fill(text: str, ids: Mapping[str, str], files: Path, latest: str | None) -> str:
    """A placeholder replaced: {id:KEY}, {file:NAME}, {last-event}."""
    if text == LAST_EVENT:
        if latest is None:
            raise BuildError("{last-event} before any event")
        return latest
    if text.startswith("{id:") and text.endswith("}"):
        return ids[text[4:-1]]
    if text.startswith("{file:") and text.endswith("}"):
        return str(files / text[6:-1])
    return text


def latest_event(cli: Cli, complaint_id: str, now: str) -> str:
    import json

    shown = json.loads(cli.run(["show", complaint_id, "--format", "json"], now))
    return str(shown["events"][-1]["id"])


def build_case(cli: Cli, c: Case, ids: Mapping[str, str] | None = None) -> str:
    ids = ids or {}
    files = cli.registry.parent / "files"
    values = {
        k: (fill(v, ids, files, None) if isinstance(v, str) else v) for k, v in c.intake.items()
    }
    args = ["new", "--by", c.by, *intake_args(values)]
    if c.recorded:
        args += ["--at", t(c.at)]
    out = cli.run(args, c.now)
    complaint_id = out.splitlines()[0].strip()
    for st in c.steps:
        latest = latest_event(cli, complaint_id, st.now) if LAST_EVENT in st.args else None
        filled = [fill(a, ids, files, latest) for a in st.args]
        step_args = [st.action, complaint_id, "--by", st.by, *filled]
        if st.recorded:
            step_args += ["--at", t(st.at)]
        cli.run(step_args, st.now)
    return complaint_id


def make_files(folder: Path) -> None:
    """The files the cases attach: a small photo carrying a GPS position (which cmplt
    removes as it stores it)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (48, 32), (180, 180, 190))
    for x in range(8, 40):
        image.putpixel((x, 16), (90, 60, 40))  # the crack
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 30.0), 3: "E", 4: (120.0, 35.0, 10.0)}
    image.save(folder / "door-card.png", "PNG", exif=exif.tobytes())


def build(root: Path, jobs: int) -> tuple[Path, dict[str, str], int]:
    """Make the registry in root/registry through the CLI; return it, key -> ID, call count."""
    check_cases(CASES)
    registry = root / "registry"
    cli = Cli(registry)
    cli.run(["init", str(registry)], SETUP_AT, registry=False)
    for index, (name, role, department, email) in enumerate(ROSTER):
        args = ["staff", "add", name, "--role", role, "--email", f"{email}@{EMAIL_DOMAIN}"]
        if department:
            args += ["--department", department]
        if index:
            args += ["--by", ROSTER[0][0]]
        cli.run(args, SETUP_AT)
    # Records are independent files: different complaints may be typed in parallel
    # (cmplt's lock serialises the commits); each complaint's steps stay in order.
    # The files do not depend on the commit order, only the (uncopied) git history does.
    make_files(root / "files")
    first = [c for c in CASES if not depends(c)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        made = pool.map(lambda c: build_case(cli, c), first)
        built = dict(zip((c.key for c in first), made, strict=True))
    # then, one by one, the cases that name another case (a repeat, a duplicate)
    for c in CASES:
        if depends(c):
            built[c.key] = build_case(cli, c, built)
    ids = [built[c.key] for c in CASES]
    if len(set(ids)) != len(ids):
        raise BuildError("two cases got the same complaint ID")
    for measure in MEASURES:
        out = cli.run(["improve", "add", "--by", measure.by, *measure.args], measure.now)
        if measure.done is not None:
            done_now, done_by, done_note = measure.done
            cli.run(
                ["improve", "done", out.split()[0], "--by", done_by, "--note", done_note], done_now
            )
    dirty = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=registry,
        env=cli.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if dirty.strip():
        raise BuildError(f"the built registry has uncommitted files:\n{dirty}")
    return registry, {c.key: i for c, i in zip(CASES, ids, strict=True)}, cli.calls


def registry_files(registry: Path) -> list[str]:
    """What git tracks in the built registry: cmplt.yaml, staff.yaml, README.md, complaints/**."""
    out = subprocess.run(
        ["git", "ls-files", "-z"],
        cwd=registry,
        env=cli_env(),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return sorted(p for p in out.split("\0") if p)


def files_under(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def install(registry: Path, out: Path) -> None:
    """Replace the contents of `out` with the built registry's tracked files."""
    if out.exists():
        looks_ok = (out / "cmplt.yaml").is_file() or not any(out.iterdir())
        if not out.is_dir() or not looks_ok:
            raise BuildError(f"--out {out}: exists and is not a registry; not replacing it")
        shutil.rmtree(out)
    for rel in registry_files(registry):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(registry / rel, target)


def differences(registry: Path, out: Path) -> list[str]:
    built = registry_files(registry)
    present = files_under(out)
    problems = [f"missing: {rel}" for rel in sorted(set(built) - set(present))]
    problems += [f"extra: {rel}" for rel in sorted(set(present) - set(built))]
    problems += [
        f"differs: {rel}"
        for rel in sorted(set(built) & set(present))
        if (registry / rel).read_bytes() != (out / rel).read_bytes()
    ]
    return problems


# --- reading the records back: what is overdue at AS_OF ---------------------------


@dataclass(frozen=True)
class Finding:
    complaint_id: str
    status: str
    rule: str
    deadline: datetime
    why: str


@dataclass
class Policy:
    first_reply: timedelta
    initial_plan: timedelta
    major_answer: timedelta
    resolve: dict[str, timedelta]
    window: timedelta
    dual_roles: list[str]
    dual_natures: list[str]
    dual_economic_loss: bool
    customer_deadline: str  # "replaces" (the customer's deadline is the clock) or "earlier"
    definite_answer: bool  # major-answer met only by a definite answer (or the result)
    division: tuple[list[str], timedelta] | None  # (severities, within): decide
    tracker: tuple[list[str], timedelta] | None  # (severities, within): track/dispatch --person


_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


def duration(text: object) -> timedelta:
    match = _DURATION.match(str(text))
    if not match or not any(match.groups()):
        raise BuildError(f"cmplt.yaml: cannot read duration {text!r}")
    d, h, m = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m)


def load_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML  # cmplt's own dependency, so it is where cmplt is

    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def load_policy(registry: Path) -> Policy:
    doc = load_yaml(registry / "cmplt.yaml")
    clocks, callback = doc["clocks"], doc["callback"]
    resolve_clocks = dict(clocks["resolve"])
    customer_deadline = str(resolve_clocks.pop("customer_deadline", "earlier"))
    decisions = doc.get("decisions") or {}

    def duty(name: str) -> tuple[list[str], timedelta] | None:
        found = decisions.get(name)
        return (list(found["severities"]), duration(found["within"])) if found else None

    return Policy(
        first_reply=duration(clocks["first_reply"]),
        initial_plan=duration(clocks["initial_plan"]),
        major_answer=duration(clocks["major_answer"]),
        resolve={k: duration(v) for k, v in resolve_clocks.items()},
        window=duration(callback["window"]),
        dual_roles=list(callback["dual"]["roles"]),
        dual_natures=list(callback["dual"]["natures"]),
        dual_economic_loss=bool(callback["dual"]["economic_loss"]),
        customer_deadline=customer_deadline,
        definite_answer=bool(doc.get("definite_answer", False)),
        division=duty("division"),
        tracker=duty("tracker"),
    )


def load_records(registry: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((registry / "complaints").rglob("*.yaml")):
        doc = load_yaml(path)
        for event in doc["events"]:
            event["at"] = parse_time(event["at"])
        records.append(doc)
    return records


NEXT_STATUS = {
    "dispatch": "dispatched",
    "accept": "in_progress",
    "resolve": "resolved",
    "callback": "called_back",
    "reject": "rejected",
    "close": "closed",
}


def first_event(events: Iterable[dict[str, Any]], actions: set[str]) -> dict[str, Any] | None:
    return next((e for e in events if e["action"] in actions), None)


def in_effect(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps as they took effect. A step recorded as a request (`requested: true`)
    counts from the `approve` that granted it, at the approval's time, as if taken
    then; one not granted before a reopen or close lapses; approvals drop out."""
    waiting: dict[str, dict[str, Any]] = {}
    steps: list[dict[str, Any]] = []
    for event in events:
        if event.get("requested"):
            waiting[event["id"]] = event
        elif event["action"] == "approve":
            asked = waiting.pop(event["approves"], None)
            if asked is not None:
                steps.append({**asked, "at": event["at"], "granted_by": event["by"]})
        else:
            if event["action"] in {"reopen", "close"}:
                waiting.clear()
            steps.append(event)
    return steps


def examine(rec: dict[str, Any], p: Policy, as_of: datetime) -> tuple[list[Finding], list[Finding]]:
    """(overdue at as_of, clocks missed in the past) for one record, by the policy's rules."""
    cid, status = rec["id"], rec["status"]
    events = in_effect([e for e in rec["events"] if e["at"] <= as_of])
    received: datetime = events[0]["at"]
    severity = rec["severity"]
    overdue: list[Finding] = []
    late: list[Finding] = []

    def clock(
        rule: str,
        deadline: datetime,
        done: dict[str, Any] | None,
        what: str,
        ended: datetime | None = None,
    ) -> None:
        """`ended`: when the round the clock belongs to was closed by the next one."""
        if done is None:
            if ended is not None:
                if ended > deadline:
                    late.append(Finding(cid, status, rule, deadline, f"no {what} in its round"))
            elif deadline < as_of:
                overdue.append(Finding(cid, status, rule, deadline, f"no {what}"))
        elif done["at"] > deadline:
            why = f"{what} only at {fmt_time(done['at'])}"
            late.append(Finding(cid, status, rule, deadline, why))

    # rounds of handling: receipt, then each reopen, or escalation after the result;
    # the reply, plan and answer clocks run again from each round's start
    starts, state = [0], "open"
    for index, event in enumerate(events[1:], start=1):
        action = event["action"]
        if action == "reopen" or (action == "escalate" and state in {"resolved", "called_back"}):
            starts.append(index)
            state = "open"
        else:
            state = NEXT_STATUS.get(action, state)

    def definite(e: dict[str, Any]) -> bool:
        # with definite_answer a tentative plan is no answer: one marked definite, or
        # the result
        if not p.definite_answer:
            return e["action"] in {"plan", "resolve"}
        return e["action"] == "resolve" or (
            e["action"] in {"respond", "plan"} and bool(e.get("definite"))
        )

    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(events)
        ended = events[end]["at"] if end < len(events) else None
        start_at, in_round = events[begin]["at"], events[begin + 1 : end]
        # first reply within 2 h: any reply, plan, result or polite refusal counts
        answers = {"respond", "plan", "resolve", "reject"}
        reply = first_event(in_round, answers)
        clock("first-reply", start_at + p.first_reply, reply, "reply", ended)
        if rec["nature"] in {"valid-1", "valid-2"}:
            first = first_event(in_round, {"plan", "resolve"})
            clock("initial-plan", start_at + p.initial_plan, first, "plan or result", ended)
        if severity == "major":
            answer = next((e for e in in_round if definite(e)), None)
            clock("major-answer", start_at + p.major_answer, answer, "definite answer", ended)

    # important and major: the division manager decides, and (important) someone is
    # named to follow it, each within its time of receipt (the example never changes a
    # severity: check_cases refuses it)
    if p.division is not None and severity in p.division[0]:
        decision = first_event(events, {"decide"})
        clock("division-decision", received + p.division[1], decision, "decision")
    if p.tracker is not None and severity in p.tracker[0]:
        named = next(
            (
                e
                for e in events
                if e["action"] == "track" or (e["action"] == "dispatch" and e.get("person"))
            ),
            None,
        )
        clock("tracker", received + p.tracker[1], named, "person named to follow it")

    # handling: minor 2d (or the customer's deadline, first round only: in place of the
    # 2 days under `replaces`, when earlier under `earlier`), important 3d, major 10d; an
    # extension in effect moves it; reopen or an escalation after the result starts a
    # new round
    requested = rec.get("requested_deadline")
    start, extended, state, round_index = received, None, "open", 0
    rounds: list[tuple[dict[str, Any], int]] = []  # (resolve event, index)

    def due() -> datetime:
        if extended is not None:
            return extended
        deadline = start + p.resolve[severity]
        if severity == "minor" and requested and start == received:
            asked = parse_time(requested)
            deadline = asked if p.customer_deadline == "replaces" else min(deadline, asked)
        return deadline

    for index, event in enumerate(events[1:], start=1):
        action = event["action"]
        if action == "reopen" or (action == "escalate" and state in {"resolved", "called_back"}):
            start, extended, state, round_index = event["at"], None, "open", index
            continue
        if action == "extend":
            # in effect when extended by an approver, or when approved: either after the
            # deadline leaves the clock missed
            if event["at"] > due():
                late.append(
                    Finding(
                        cid,
                        status,
                        "resolve",
                        due(),
                        f"extension in effect only at {fmt_time(event['at'])}",
                    )
                )
            extended = parse_time(event["until"])
        elif action in {"resolve", "reject"}:
            if event["at"] > due():
                late.append(
                    Finding(cid, status, "resolve", due(), f"{action} at {fmt_time(event['at'])}")
                )
            if action == "resolve":
                rounds.append((event, index))
        state = NEXT_STATUS.get(action, state)
    if state in {"open", "dispatched", "in_progress"} and due() < as_of:
        overdue.append(Finding(cid, status, "resolve", due(), "no result"))

    # a time promised to the customer for a phone reply (this round's promises): met by
    # a reply or a callback after the promise, by that time
    for index, event in enumerate(events[round_index:], start=round_index):
        if event["action"] == "promise":
            call = first_event(events[index + 1 :], {"respond", "callback"})
            clock("promise", parse_time(event["call_by"]), call, "call by the time promised")

    def waiver(after: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
        """The archive that waived a missing callback (close --waive), if any."""
        return next((e for e in after if e["action"] == "close" and e.get("waived")), None)

    # callback within the window of each result; the last result also needs both
    # dual roles when the record is a valid complaint or caused an economic loss
    dual = rec["nature"] in p.dual_natures or (p.dual_economic_loss and rec.get("economic_loss"))
    for n, (result, index) in enumerate(rounds):
        window_end = result["at"] + p.window
        after = events[index + 1 :]
        restart = first_event(after, {"reopen", "escalate"})
        in_round = [e for e in after if restart is None or e["at"] < restart["at"]]
        calls = [e for e in in_round if e["action"] == "callback"]
        if restart is not None and (not calls or calls[0]["at"] > restart["at"]):
            if restart["at"] > window_end and not calls:
                late.append(Finding(cid, status, "callback", window_end, "no callback"))
            continue
        clock("callback", window_end, calls[0] if calls else None, "callback")
        if not (dual and n == len(rounds) - 1 and restart is None):
            continue
        roles = {e["role"] for e in calls}
        in_time = {e["role"] for e in calls if e["at"] <= window_end}
        missing = [r for r in p.dual_roles if r not in roles]
        waived = waiver(in_round)
        if missing and waived is not None:
            # archived with the callback waived: no finding any more, but never met
            why = f"no callback by {' or '.join(missing)}; waived by {waived['by']}"
            late.append(Finding(cid, status, "dual-callback", window_end, why))
        elif missing and window_end < as_of:
            why = f"no callback by {' or '.join(missing)}"
            overdue.append(Finding(cid, status, "dual-callback", window_end, why))
        elif window_end < as_of and any(r not in in_time for r in p.dual_roles):
            late.append(Finding(cid, status, "dual-callback", window_end, "late callback"))

    # a dissatisfied customer goes back for handling or up a level (or the follow-up
    # is waived at the archive)
    calls = [e for e in events if e["action"] == "callback"]
    if calls and calls[-1]["satisfaction"] == "dissatisfied":
        latest = calls[-1]
        if not any(
            e["action"] in {"reopen", "escalate"} and e["at"] >= latest["at"] for e in events
        ):
            why = f"callback by {latest['by']} dissatisfied; not reopened or escalated"
            waived = waiver([e for e in events if e["at"] >= latest["at"]])
            if waived is not None:
                late.append(Finding(cid, status, "dissatisfied", latest["at"], f"{why}; waived"))
            else:
                overdue.append(Finding(cid, status, "dissatisfied", latest["at"], why))
    return overdue, late


def fmt_time(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def overdue_table(findings: Sequence[Finding], last: str = "What is missing") -> str:
    lines = [
        f"| ID | Status | Rule | Deadline missed (+08:00) | {last} |",
        "|---|---|---|---|---|",
    ]
    for f in sorted(findings, key=lambda f: (f.deadline, f.complaint_id)):
        lines.append(
            f"| {f.complaint_id} | {f.status} | {f.rule} | {fmt_time(f.deadline)} | {f.why} |"
        )
    return "\n".join(lines) + "\n"


def counts_table(records: Sequence[dict[str, Any]]) -> str:
    lines = ["| Field | Count |", "|---|---|", f"| complaints | {len(records)} |"]
    for name, order in (
        ("status", STATUSES),
        ("nature", NATURES),
        ("severity", SEVERITIES),
        ("channel", CHANNELS),
        ("subject", SUBJECTS),
    ):
        tally = Counter(r[name] for r in records)
        lines.append(f"| {name} | " + ", ".join(f"{k} {tally[k]}" for k in order) + " |")
    tally = Counter(r["category"] for r in records)
    lines.append("| category | " + ", ".join(f"{k} {n}" for k, n in sorted(tally.items())) + " |")
    roles = Counter(e["role"] for r in records for e in r["events"] if e["action"] == "callback")
    by_role = ", ".join(f"{k} {n}" for k, n in sorted(roles.items()))
    lines.append(f"| callbacks by role | {by_role} |")
    return "\n".join(lines) + "\n"


def case_index(ids: Mapping[str, str]) -> str:
    lines = ["| ID | Case | What it shows |", "|---|---|---|"]
    lines += [
        f"| {ids[c.key]} | {c.key} | {c.shows} |" for c in sorted(CASES, key=lambda c: ids[c.key])
    ]
    return "\n".join(lines) + "\n"


def report(registry: Path, ids: Mapping[str, str]) -> dict[str, str]:
    """The README's tables, from the records as written; fails if the data is not what
    the cases promise (a clock missed in the past that no case was built to miss, a
    miss a case was built for not there, or the wrong records overdue)."""
    policy = load_policy(registry)
    records = load_records(registry)
    overdue: list[Finding] = []
    late: list[Finding] = []
    for rec in records:
        found, missed = examine(rec, policy, AS_OF)
        overdue += found
        late += missed
    meant = {(ids[c.key], rule) for c in CASES for rule in c.missed}
    problems = [
        f"{f.complaint_id}: {f.rule} missed ({f.why})"
        for f in late
        if (f.complaint_id, f.rule) not in meant
    ]
    problems += [
        f"{cid}: expected a missed {rule} clock, there is none"
        for cid, rule in sorted(meant - {(f.complaint_id, f.rule) for f in late})
    ]
    wanted = {(ids[c.key], c.overdue) for c in CASES if c.overdue}
    got = {(f.complaint_id, f.rule) for f in overdue}
    problems += [f"{cid}: expected overdue on {rule}, it is not" for cid, rule in wanted - got]
    problems += [f"{cid}: overdue on {rule}, not meant to be" for cid, rule in got - wanted]
    if problems:
        raise BuildError("the example data breaks its own promises:\n  " + "\n  ".join(problems))
    return {
        "Counts": counts_table(records),
        f"Overdue as of {fmt_time(AS_OF)} (+08:00)": overdue_table(overdue),
        "Missed before, not overdue now": overdue_table(late, "What happened"),
        "The records and what each shows": case_index(ids),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where the registry goes (default: examples/registry in this repository)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="build into a temporary folder and compare with --out (and the tables in the "
        "README.md next to it); exit 1 listing what differs",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=max(2, os.cpu_count() or 2),
        help="complaints typed in parallel (the result does not depend on it)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cmplt-example-") as tmp:
        try:
            registry, ids, calls = build(Path(tmp), args.jobs)
            tables = report(registry, ids)
        except BuildError as exc:
            print(f"make_example_registry: {exc}", file=sys.stderr)
            return 2
        for title, table in tables.items():
            print(f"## {title}\n\n{table}")
        elapsed = time.monotonic() - started
        if args.check:
            problems = differences(registry, out)
            readme = out.parent / "README.md"
            if readme.is_file():
                text = readme.read_text(encoding="utf-8")
                problems += [
                    f"stale table in {readme}: {title} (paste it from the output above)"
                    for title, table in tables.items()
                    if table not in text
                ]
            if problems:
                print(f"{out} is not what the current code writes:", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
                print("rebuild with: python scripts/make_example_registry.py", file=sys.stderr)
                return 1
            print(f"{out}: up to date ({calls} cmplt calls, {elapsed:.1f} s)")
            return 0
        install(registry, out)
    print(f"wrote {out} ({calls} cmplt calls, {elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
