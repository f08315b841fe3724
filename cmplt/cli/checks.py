"""`cmplt check`: what is overdue, for a person in the morning and cron every hour."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cmplt.cli.context import Context, format_option, output_option, pass_context, warn_history
from cmplt.cli.options import PathType, Term
from cmplt.i18n import _
from cmplt.rules import ALL_RULES, QUOTA_RULE

EXIT_COULD_NOT_RUN = 2


@click.command("check")
@click.option(
    "--as-of",
    "as_of_text",
    metavar="TIME",
    help="Evaluate the registry as it stood then (events recorded later are "
    "ignored; a date alone: its start, 00:00). Default: now.",
)
@click.option(
    "--period",
    metavar="YYYY-MM",
    help="The month whose callback quotas are counted (YYYY-MM, this or last). Default: the "
    "as-of month, and in its first days (policy callback.previous_month_days) also the "
    "month before.",
)
@click.option(
    "--warn-within",
    metavar="DURATION",
    help="Also report clocks that run out within this time (e.g. 2h) as warnings.",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    type=Term("rule", ALL_RULES),
    help="Only these rules (repeatable).",
)
@format_option("table", "json", "xlsx")
@output_option
@click.option(
    "--new",
    "only_new",
    is_flag=True,
    help="Only findings the previous --new run did not report (for cron mail).",
)
@click.option(
    "--quiet",
    is_flag=True,
    help="Print nothing when there is nothing to report; a running month's quota shortfall "
    "(a warning) is not reported.",
)
@click.option(
    "--notify",
    "notify_target",
    envvar="CMPLT_NOTIFY",
    metavar="URL|@FILE",
    help="Post the new findings (those --new reports) to a WeCom, DingTalk or Feishu group "
    "robot: its address, wecom+URL / dingtalk+URL / feishu+URL, or @FILE with url= and "
    "secret= lines, kept outside the registry. Env: CMPLT_NOTIFY, and CMPLT_NOTIFY_SECRET "
    "for a robot that signs its requests.",
)
@click.option(
    "--sites",
    "sites_file",
    metavar="FILE",
    type=PathType(dir_okay=False, path_type=Path),
    help="Check every site a sites file lists (under sites:, each a registry: folder, "
    "relative to the file, and an optional name:), each under its own policy; or give "
    "--registry several times.",
)
@pass_context
def check(
    obj: Context,
    as_of_text: str | None,
    period: str | None,
    warn_within: str | None,
    rules: tuple[str, ...],
    fmt: str,
    output: Path | None,
    only_new: bool,
    quiet: bool,
    notify_target: str | None,
    sites_file: Path | None,
) -> None:
    """Report overdue clocks and callback-quota shortfalls.

    A month's callback quota short while the month runs is a warning; once the month
    has ended it is overdue. Exit 0: nothing overdue (warnings alone are fine); 1:
    something overdue, a month's quota short or a record unreadable; 2: the check
    could not run.
    """
    from cmplt import render, statefiles
    from cmplt.check import finding_json, run_check
    from cmplt.check import only_new as keep_new
    from cmplt.errors import CmpltError, CouldNotRun, UsageError
    from cmplt.times import parse_duration

    if sites_file is not None or len(obj.registry_options) > 1:
        _check_sites(
            obj,
            sites_file,
            as_of_text,
            period,
            warn_within,
            rules,
            fmt,
            output,
            only_new,
            quiet,
            notify_target,
        )
        return
    try:
        registry = obj.snapshot
    except CmpltError as exc:
        # exit 2, not the usual code: cron must tell "could not run" from "overdue" (1)
        raise CouldNotRun(exc.message) from exc
    from cmplt.periods import parse_period, refuse_future

    robot = _robot(notify_target, registry.root) if notify_target else None

    now = obj.now()
    as_of: datetime = obj.time(as_of_text, "--as-of") or now
    # the same reading of --period and --as-of as `report`'s
    refuse_future(as_of, now, registry.policy.tz)
    within = None
    if warn_within:
        try:
            within = parse_duration(warn_within)
        except ValueError as exc:
            raise UsageError(f"--warn-within: {exc}") from exc

    if period is not None:
        period = parse_period(period, as_of, registry.policy.tz).label
    result = run_check(registry, as_of, period, within, rules)
    warn_history(registry)
    findings = result.findings
    tz = registry.policy.tz
    if only_new or robot is not None:
        state_file = registry.state_file(statefiles.CHECK_SEEN)
        before = _read(state_file)
        fresh, remembered = keep_new(findings, state_file)
        if state_file is not None and not remembered:
            # the one line a reader of a read-only checkout sees: --new cannot work there
            warning = _("warning: cannot write {file}; the next --new run will report these again")
            click.echo("cmplt: " + warning.format(file=state_file), err=True)
        if only_new:
            findings = fresh
        # the chat hears what a mail would say: not a running month's quota warning
        posted = [f for f in fresh if not (f.rule == QUOTA_RULE and f.level == "warning")]
        if robot is not None and posted:
            from cmplt import notify

            try:
                notify.post(robot, posted, tz)
            except CmpltError:
                # not said after all: the next run tries them again
                if state_file is not None and before is not None:
                    statefiles.write(state_file, before)
                elif state_file is not None:
                    state_file.unlink(missing_ok=True)
                raise
    if fmt == "xlsx":
        if output is None:
            raise UsageError(_("--format xlsx writes a workbook: give -o FILE"))
        from cmplt import xlsx

        render.write_output_bytes(output, xlsx.workbook(render.findings_sheets(findings), tz))
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)
    elif fmt == "json":
        data = {
            "as_of": as_of.astimezone(tz).replace(microsecond=0).isoformat(),
            "period": result.period,
            "findings": [finding_json(f, tz) for f in findings],
        }
        click.echo(render.json_text(data), nl=False)
    elif not quiet:
        click.echo(render.findings_table(findings, tz, as_of, result.period, only_new), nl=False)
    else:
        # cron mail: a running month's quota shortfall can still be made up, not worth a mail
        mailed = [f for f in findings if not (f.rule == QUOTA_RULE and f.level == "warning")]
        if mailed:
            click.echo(render.findings_table(mailed, tz, as_of, result.period, only_new), nl=False)
    if any(f.level in {"overdue", "error"} for f in result.findings if f in findings):
        raise click.exceptions.Exit(1)


def _check_sites(
    obj: Context,
    sites_file: Path | None,
    as_of_text: str | None,
    period: str | None,
    warn_within: str | None,
    rules: tuple[str, ...],
    fmt: str,
    output: Path | None,
    only_new: bool,
    quiet: bool,
    notify_target: str | None,
) -> None:
    """`check` across many sites: each site's registry under its own policy, one table
    with a site column, each site's quotas and the company total (README, Many sites)."""
    from cmplt import render, sites, statefiles
    from cmplt.check import finding_json, run_check, sort_findings
    from cmplt.check import only_new as keep_new
    from cmplt.errors import CmpltError, UsageError
    from cmplt.periods import parse_period, refuse_future
    from cmplt.times import parse_duration, parse_time

    if fmt == "xlsx" and output is None:
        raise UsageError(_("--format xlsx writes a workbook: give -o FILE"))
    opened = obj.sites(sites_file)
    # the first site's timezone reads a typed time and shows the times (the same
    # instants wherever the sites are)
    tz = opened[0][1].policy.tz
    now = obj.now()
    as_of = now
    if as_of_text is not None:
        try:
            as_of = parse_time(as_of_text, tz, now=now)
        except UsageError as exc:
            raise UsageError(f"--as-of: {exc.message}") from exc
    refuse_future(as_of, now, tz)
    within = None
    if warn_within:
        try:
            within = parse_duration(warn_within)
        except ValueError as exc:
            raise UsageError(f"--warn-within: {exc}") from exc
    robot = None
    if notify_target:
        for _site, snapshot in opened:  # the robot's file lies outside every registry
            robot = _robot(notify_target, snapshot.root)

    results = []
    for site, snapshot in opened:
        label = parse_period(period, as_of, snapshot.policy.tz).label if period else None
        result = run_check(snapshot, as_of, label, within, rules)
        warn_history(snapshot, site.name if len(opened) > 1 else None)
        results.append((site, snapshot, result))

    every: list[Any] = []
    fresh_all: list[Any] = []
    kept: list[tuple[Path | None, bytes | None]] = []
    for site, snapshot, result in results:
        found = sites.with_site(result.findings, site.name)
        every += found
        if only_new or robot is not None:
            # each registry keeps its own state: a site checked alone tomorrow agrees
            state_file = snapshot.state_file(statefiles.CHECK_SEEN)
            kept.append((state_file, _read(state_file)))
            fresh, remembered = keep_new(found, state_file)
            if state_file is not None and not remembered:
                warning = _(
                    "warning: cannot write {file}; the next --new run will report these again"
                )
                click.echo("cmplt: " + warning.format(file=state_file), err=True)
            fresh_all += fresh
    findings = sort_findings(fresh_all if only_new else every)
    # a sites file of one site reads as that site alone: no site column, no company
    several = len(results) > 1
    site_of = sites.site_of if several else None
    posted = [
        f for f in sort_findings(fresh_all) if not (f.rule == QUOTA_RULE and f.level == "warning")
    ]
    if robot is not None and posted:
        from cmplt import notify

        try:
            notify.post(robot, posted, tz)
        except CmpltError:
            # not said after all: the next run tries them again, at every site
            for state_file, before in kept:
                if state_file is not None and before is not None:
                    statefiles.write(state_file, before)
                elif state_file is not None:
                    state_file.unlink(missing_ok=True)
            raise

    quotas: list[sites.QuotaRow] = []
    if not rules or QUOTA_RULE in rules:
        for site, snapshot, result in results:
            quotas += sites.quota_rows(site.name, result, snapshot.policies.current.callback.quotas)
        handled = sites.handled_by_period([result for _s, _n, result in results])
        quotas += sites.company_quotas(quotas, handled)
    first_period = results[0][2].period
    if fmt == "xlsx":
        assert output is not None
        from cmplt import xlsx

        sheets = render.findings_sheets(findings, site_of)
        if several:
            sheets.append(sites.quota_sheet(quotas))
        render.write_output_bytes(output, xlsx.workbook(sheets, tz))
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)
    elif fmt == "json":
        data = {
            "as_of": as_of.astimezone(tz).replace(microsecond=0).isoformat(),
            "period": first_period,
            "findings": [finding_json(f, tz) for f in findings],
            "sites": [
                {"name": site.name, "registry": str(snapshot.root), "period": result.period}
                for site, snapshot, result in results
            ],
            "quotas": [sites.quota_json(row) for row in quotas if row.site is not None],
            "quota_totals": [sites.quota_json(row) for row in quotas if row.site is None],
        }
        click.echo(render.json_text(data), nl=False)
    elif not quiet:
        text = render.findings_table(findings, tz, as_of, first_period, only_new, site_of)
        if several and quotas and not only_new:
            text += sites.quota_table(quotas)
        click.echo(text, nl=False)
    else:
        mailed = [f for f in findings if not (f.rule == QUOTA_RULE and f.level == "warning")]
        if mailed:
            click.echo(
                render.findings_table(mailed, tz, as_of, first_period, only_new, site_of),
                nl=False,
            )
    if any(f.level in {"overdue", "error"} for f in findings):
        raise click.exceptions.Exit(1)


def _robot(target: str, registry_root: Path) -> Any:
    """--notify's robot, read before anything is remembered or posted."""
    import os

    from cmplt import notify

    if target.startswith("@"):
        return notify.robot_from_file(Path(target[1:]), registry_root)
    return notify.robot(target, os.environ.get("CMPLT_NOTIFY_SECRET"))


def _read(path: Path | None) -> bytes | None:
    try:
        return path.read_bytes() if path is not None else None
    except OSError:
        return None


COMMANDS = [check]
