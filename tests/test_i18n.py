"""Simplified Chinese and English: complete catalogs, the choice of language, and
files that do not change with it."""

from __future__ import annotations

import gettext
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cmplt import i18n
from cmplt.catalogs import Entry, compile_mo, header_fields, parse_po
from cmplt.errors import UsageError
from tests.conftest import Reg, run_cli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import catalogs as catalog_script  # noqa: E402

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def entries_of(folder: str) -> list[Entry]:
    path = catalog_script.catalog_path(folder)
    return parse_po(path.read_text(encoding="utf-8"), str(path))


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


# --- the catalogs -------------------------------------------------------------------


@pytest.mark.parametrize("folder", sorted(catalog_script.LANGUAGES))
def test_every_catalog_is_complete(folder: str) -> None:
    messages, problems = catalog_script.extract()
    assert problems == []
    entries = {e.key: e for e in entries_of(folder)}
    nplurals = int(header_fields(list(entries.values()))["Plural-Forms"].split("=")[1][0])
    missing = [key for key in messages if key not in entries]
    assert missing == [], f"not in {folder}/cmplt.po: run scripts/catalogs.py"
    for key, message in messages.items():
        entry = entries[key]
        assert not entry.fuzzy, key
        assert entry.translated, f"{folder}: no translation of {key}"
        assert entry.msgid_plural == message.msgid_plural, key
        wanted = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        if entry.msgid_plural is None:
            assert placeholders(entry.msgstr[0]) == wanted, (folder, key, entry.msgstr[0])
        else:
            assert len(entry.msgstr) == nplurals, key
            # each form says what its number needs (click's own plurals differ in their
            # placeholders: "… but 1 was given" / "… but {len} were given"); the last form
            # serves the plural
            for text in entry.msgstr:
                assert placeholders(text) <= wanted, (folder, key, text)
            last = placeholders(entry.msgstr[-1])
            assert placeholders(entry.msgid_plural) <= last, (folder, key, entry.msgstr[-1])


def test_the_catalogs_are_up_to_date_with_the_code() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "catalogs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("folder", sorted(catalog_script.LANGUAGES))
def test_the_catalogs_compile_for_gettext(folder: str) -> None:
    translations = gettext.GNUTranslations(io.BytesIO(compile_mo(entries_of(folder))))
    zh = folder == "zh_CN"
    assert translations.gettext("no reply to the customer") == (
        "未答复客户" if zh else "no reply to the customer"
    )
    assert translations.pgettext("status", "in_progress") == ("处理中" if zh else "in progress")
    # a value a team added to its policy has no translation: it is shown as stored
    assert translations.pgettext("category", "elevator") == "elevator"
    plural = translations.ngettext(
        "{id!r} matches {count} complaint: {shown}", "{id!r} matches {count} complaints: {shown}", 2
    )
    assert "{count}" in plural and (("条投诉" in plural) if zh else ("complaints" in plural))


@pytest.mark.parametrize(("folder", "language"), [("zh_CN", "zh-CN"), ("en", "en")])
def test_the_shipped_mo_is_its_po_compiled_and_what_cmplt_reads(folder: str, language: str) -> None:
    # issue 14: start-up reads the compiled catalog (about 1 ms) instead of parsing the .po
    mo = catalog_script.compiled_path(folder)
    assert mo.read_bytes() == compile_mo(entries_of(folder)), "run scripts/catalogs.py"
    i18n._compiled.pop(language, None)
    assert i18n.catalog_bytes(language) == mo.read_bytes()
    pairs = i18n.read_mo(mo.read_bytes())
    labelled = {(e.msgctxt, e.msgid): e.msgstr[0] for e in entries_of(folder) if e.msgctxt}
    assert {
        (k.split("\x04")[0], k.split("\x04")[1]): v for k, v in pairs.items() if "\x04" in k
    } == labelled
    assert i18n.labels_of(language) and ("severity", "important") in {
        (kind, value) for kind, value, _shown in i18n.labels_of(language)
    }


def test_a_checkout_without_its_mo_compiles_the_po(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = i18n._catalog_file
    monkeypatch.setattr(
        i18n,
        "_catalog_file",
        lambda language, suffix: (
            tmp_path / "missing.mo" if suffix == ".mo" else real(language, suffix)
        ),
    )
    monkeypatch.setattr(i18n, "_compiled", {})
    assert i18n.catalog_bytes("zh-CN") == compile_mo(entries_of("zh_CN"))


def test_starting_up_reads_no_catalog_and_a_path_is_named_in_the_language(reg: Reg) -> None:
    # a fresh process: every command module imported, `--version` run; click names a
    # path's kind when its type is built, which read a catalog on every run (issue 14)
    code = (
        "import importlib; from cmplt import i18n; from cmplt.cli import COMMANDS, main; "
        "[importlib.import_module('cmplt.cli.' + m) for m in {v[0] for v in COMMANDS.values()}]; "
        "main(['--version']); print(sorted(i18n._translations), sorted(i18n._compiled))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=reg.root
    )
    assert done.stdout.splitlines()[-1] == "[] []", done
    # every path type of the command line is one that names itself when shown
    cli_folder = ROOT / "cmplt" / "cli"
    assert [p.name for p in cli_folder.glob("*.py") if "click.Path(" in p.read_text()] == []
    # ... and the name is still said in the language of the run
    zh = reg.run("--lang", "zh-CN", "validate", "nothere.yaml")
    assert zh.code == 2 and "文件 'nothere.yaml' 不存在" in zh.err, zh
    en = reg.run("--lang", "en", "validate", "nothere.yaml")
    assert en.code == 2 and "File 'nothere.yaml' does not exist" in en.err, en
    # the help pages name them as the README does, in ASCII: the columns line up
    page = reg.run("--lang", "zh-CN", "--help").out
    assert "  --registry DIR  " in page, page
    assert "  -o, --output FILE  " in reg.run("--lang", "zh-CN", "list", "--help").out


def test_click_still_binds_gettext_where_cmplt_rebinds_it() -> None:
    # cli/words.py rebinds `_` and `ngettext` in click's modules: click has no public
    # hook for its words. A fresh interpreter shows what click itself binds; if a new
    # click stops binding gettext there, its words would silently stay English.
    from cmplt.cli import words

    code = (
        "import gettext, importlib, json; "
        f"names = {words.CLICK_MODULES!r}; "
        "mods = {n: importlib.import_module('click.' + n) for n in names}; "
        "print(json.dumps({n: [getattr(m, '_', None) is gettext.gettext, "
        "getattr(m, 'ngettext', gettext.ngettext) is gettext.ngettext] for n, m in mods.items()}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    bound = json.loads(done.stdout)
    # every module whose words cmplt extracts binds gettext's `_`; ngettext where used
    assert bound == {name: [True, True] for name in words.CLICK_MODULES}, bound
    # ... and in this process they are cmplt's
    words.install()
    for name in words.CLICK_MODULES:
        module = sys.modules[f"click.{name}"]
        assert getattr(module, "_", words._click_gettext) is words._click_gettext, name


def test_po_strings_with_escapes_and_continuations_parse() -> None:
    text = (
        'msgid ""\nmsgstr "Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        "#, fuzzy\n"
        'msgid "skipped"\nmsgstr "x"\n\n'
        'msgctxt "k"\nmsgid "a \\"b\\"\\n"\nmsgstr ""\n"c\\t"\n"d"\n'
    )
    entries = parse_po(text)
    assert [(e.msgctxt, e.msgid, e.msgstr) for e in entries[1:]] == [
        (None, "skipped", ["x"]),
        ("k", 'a "b"\n', ["c\td"]),
    ]
    translations = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
    assert translations.gettext("skipped") == "skipped"  # fuzzy entries are not used
    assert translations.pgettext("k", 'a "b"\n') == "c\td"


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("zh", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh_CN.UTF-8", "zh-CN"),
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("EN-gb", "en"),
    ],
)
def test_language_names_are_normalised(given: str, code: str) -> None:
    i18n.use(given)
    assert i18n.current() == code


def test_an_unknown_language_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="xx"):
        i18n.use("xx")


# --- choosing the language ------------------------------------------------------------


def _no_language_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CMPLT_LANG", raising=False)
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _policy_language(reg: Reg, language: str | None) -> None:
    policy = reg.root / "cmplt.yaml"
    text = re.sub(r"(?m)^language: .*\n", "", policy.read_text(encoding="utf-8"))
    if language is not None:
        text = text.replace("version: 1\n", f"version: 1\nlanguage: {language}\n")
    policy.write_text(text, encoding="utf-8")


def _language_of(reg: Reg, *options: str) -> str:
    """Which language an error message comes out in."""
    result = reg.run(*options, "show", "000000")
    assert result.code == 3, result
    if "没有投诉" in result.err:
        return "zh-CN"
    assert "no complaint '000000'" in result.err, result
    return "en"


def test_the_language_is_chosen_by_option_env_policy_locale_then_zh(
    reg: Reg, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_language_from_outside(monkeypatch)
    _policy_language(reg, None)
    assert _language_of(reg) == "zh-CN"  # the default
    monkeypatch.setenv("LC_ALL", "C")  # says nothing about the language
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert _language_of(reg) == "en"  # the locale
    monkeypatch.setenv("LANGUAGE", "zh_CN:en")
    assert _language_of(reg) == "zh-CN"  # LANGUAGE before LANG
    monkeypatch.delenv("LANGUAGE")
    _policy_language(reg, "zh-CN")
    assert _language_of(reg) == "zh-CN"  # the policy before the locale
    monkeypatch.setenv("CMPLT_LANG", "en")
    assert _language_of(reg) == "en"  # the environment before the policy
    assert _language_of(reg, "--lang", "zh-CN") == "zh-CN"  # the option before all
    monkeypatch.setenv("CMPLT_LANG", "zh")
    assert _language_of(reg, "--lang", "en_US.UTF-8") == "en"


def test_a_policy_in_english_speaks_english(reg: Reg, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_language_from_outside(monkeypatch)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _policy_language(reg, "en")
    assert _language_of(reg) == "en"


def test_an_unknown_lang_is_one_line_and_exit_2(reg: Reg) -> None:
    result = reg.run("--lang", "xx", "list")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and "'xx'" in result.err and "zh-CN, en" in result.err


def test_an_unknown_lang_in_the_environment_is_a_usage_error(
    reg: Reg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMPLT_LANG", "fr")
    result = reg.run("list")
    assert result.code == 2
    assert "'fr'" in result.err


def test_a_step_that_prints_no_message_reads_no_catalog(reg: Reg) -> None:
    i18n._translations.clear()
    i18n._catalog_labels.clear()
    cid = reg.new()  # prints the ID alone; its values typed as stored
    assert i18n._translations == {} and i18n._catalog_labels == {}
    # a step's line is for people: the one catalog of its language, nothing more
    reg.ok("respond", cid, "--by", "张三", "--note", "已登记")
    assert list(i18n._translations) == ["en"] and i18n._catalog_labels == {}


# --- what people read, in both languages -------------------------------------------------


def test_check_in_chinese_and_in_english(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-27T08:00:00+08:00")
    zh = reg.run("--lang", "zh-CN", "check", "--rule", "first-reply")
    en = reg.run("--lang", "en", "check", "--rule", "first-reply")
    assert zh.code == en.code == 1
    assert "首次答复 [first-reply] (1)" in zh.out
    assert zh.out.splitlines()[3].split()[:4] == ["编号", "级别", "期限", "超时"]
    assert "缺少什么" in zh.out and "未答复客户" in zh.out and "已超时" in zh.out
    assert "轻微" in zh.out and cid in zh.out
    assert "== first-reply (1)" in en.out
    assert en.out.splitlines()[3].split()[:4] == ["id", "level", "due", "overdue"]
    assert "what is missing" in en.out and "no reply to the customer" in en.out
    # JSON keeps its keys and machine values; only the message is for people
    data = reg.run("--lang", "zh-CN", "check", "--format", "json").out
    assert '"rule": "first-reply"' in data and '"level": "overdue"' in data
    assert '"severity": "minor"' in data and '"message": "未答复客户"' in data


def test_show_and_list_in_chinese(reg: Reg) -> None:
    cid = reg.new()
    shown = reg.ok("--lang", "zh-CN", "show", cid).out
    for text in ("状态", "已受理", "渠道", "电话", "性质", "有效投诉（一类）", "处理经过", "受理"):
        assert text in shown, text
    listed = reg.ok("--lang", "zh-CN", "list").out
    assert listed.splitlines()[0].split()[:3] == ["编号", "受理时间", "状态"]
    assert "已受理" in listed and "维修" in listed
    # CSV and JSON are for tools: keys and values as stored
    assert reg.ok("--lang", "zh-CN", "list", "--format", "csv").out.startswith("id,received_at,")
    assert '"status": "open"' in reg.ok("--lang", "zh-CN", "list", "--format", "json").out


def test_errors_in_chinese_and_in_english(reg: Reg) -> None:
    cid = reg.new()
    zh = reg.run("--lang", "zh-CN", "close", cid, "--by", "张三")
    en = reg.run("--lang", "en", "close", cid, "--by", "张三")
    assert zh.code == en.code == 4
    assert zh.err == f"cmplt: 不能归档 {cid}：尚未处理完毕\n"
    assert en.err == f"cmplt: cannot close {cid}: it is not resolved yet\n"
    zh = reg.run("--lang", "zh-CN", "show", "991231")
    assert zh.code == 3 and "'991231'" in zh.err and "没有投诉" in zh.err
    unknown = reg.run("--lang", "zh-CN", "respond", cid, "--by", "无名氏", "--note", "x")
    assert unknown.code == 2
    assert unknown.err == "cmplt: --by：'无名氏' 不在员工名册中（cmplt staff add）\n"


# --- files do not change with the language ---------------------------------------------


STEPS = [
    ("respond", "--by", "张三", "--note", "已登记，工程部今天上门"),
    ("dispatch", "--by", "张三", "--to", "工程部"),
    ("approve", "--by", "陈主管"),  # the work order of a valid complaint (规程 4.3.1)
    ("accept", "--by", "李工"),
    ("resolve", "--by", "李工", "--result", "更换按钮面板"),
    ("callback", "--by", "王主管", "--satisfaction", "satisfied", "--note", "客户满意"),
    ("callback", "--by", "钱主任", "--satisfaction", "neutral"),
    ("callback", "--by", "赵经理", "--satisfaction", "satisfied"),
    ("close", "--by", "张三"),
]


def _life(root: Path, language: str) -> tuple[Path, str]:
    env = {"CMPLT_SEED": "same-seed"}
    intake = [
        "new",
        "--by",
        "张三",
        "--channel",
        "phone",
        "--customer",
        "王先生",
        "--unit",
        "3-1502",
        "--phone",
        "13800138000",
        "--severity",
        "minor",
        "--nature",
        "valid-1",
        "--subject",
        "facilities",
        "--category",
        "repair",
        "--summary",
        "电梯按钮失灵",
        "--at",
        "2026-11-28T08:00:00+08:00",
    ]
    result = run_cli("--lang", language, *intake, cwd=root, env=env)
    assert result.code == 0, result
    cid = result.out.splitlines()[0]
    for action, *options in STEPS:
        result = run_cli("--lang", language, action, cid, *options, cwd=root, env=env)
        assert result.code == 0, result
    reg = Reg(root)
    return reg.record(cid), reg.git("log", "--format=%an%n%B", "--", ".")


def test_the_files_are_the_same_whatever_the_language(reg: Reg, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(reg.root, other, symlinks=True)
    en_record, en_log = _life(reg.root, "en")
    zh_record, zh_log = _life(other, "zh-CN")
    assert en_record.relative_to(reg.root) == zh_record.relative_to(other)
    assert en_record.read_bytes() == zh_record.read_bytes()
    assert en_log == zh_log  # commit messages and trailers too
    for name in ("cmplt.yaml", "staff.yaml"):
        assert (reg.root / name).read_bytes() == (other / name).read_bytes()
