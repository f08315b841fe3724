"""Many sites (issue 13): `check` and `report` across several registries.

A company runs many sites (管理处), each with its own registry: its own policy
(clocks, callback quotas, calendar) and roster. Reading across them, every
record is judged under its own registry's policy, exactly as a check of that
registry alone would judge it; only the output is joined: a site column, and
a company total of the callback quotas.

The sites come from `--registry A --registry B …` or from a sites file:

    sites:
      - name: 东区
        registry: east          # relative to the sites file
      - registry: /srv/west     # name: the folder's name, `west`

A site that cannot be opened (missing, not a registry, a broken policy or
roster) stops the run before anything is printed: a company total without one
of its sites would be wrong without saying so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from cmplt import store
from cmplt.errors import CmpltError, InvalidFile, NotFound, UsageError
from cmplt.findings import Finding
from cmplt.i18n import N_, _, label

if TYPE_CHECKING:
    # the sites file's model alone (`cmplt schema sites`) needs none of these
    from cmplt.check import CheckResult
    from cmplt.snapshot import Snapshot

# a site's name: shown in every table, so one line of printable text
SiteName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
MAX_SITES = 200


class SiteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: SiteName | None = None
    registry: Annotated[str, Field(min_length=1, max_length=4096)]


class SitesFile(BaseModel):
    """The sites file: `sites:`, a list of `{name, registry}`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sites: Annotated[list[SiteEntry], Field(min_length=1, max_length=MAX_SITES)]


@dataclass(frozen=True)
class Site:
    name: str
    root: Path  # the registry folder, as the sites file or the option names it
    line: int | None = None  # its entry's line in the sites file


def named_sites(folders: Sequence[str]) -> list[Site]:
    """The sites of `--registry A --registry B …`: each named by its folder's name;
    two folders of one name are named by the paths as typed."""
    names = [Path(os.path.abspath(folder)).name or folder for folder in folders]
    sites = []
    for folder, name in zip(folders, names, strict=True):
        shown = folder if names.count(name) > 1 else name
        sites.append(Site(shown, Path(folder)))
    return _distinct(sites, None)


def read_sites_file(path: Path) -> list[Site]:
    """The sites a sites file lists, registries relative to the file; a file that is
    missing is NotFound (3), one that is malformed a UsageError (2) naming file:line."""
    label = str(path)
    try:
        loaded = store.load(path, label)
        entries = store.validate_loaded(SitesFile, loaded)
    except InvalidFile as exc:
        raise UsageError(exc.message) from exc
    base = path.parent
    sites = []
    for n, entry in enumerate(entries.sites):
        folder = Path(entry.registry).expanduser()
        root = folder if folder.is_absolute() else base / folder
        name = entry.name.strip() if entry.name else Path(os.path.abspath(root)).name
        line, _column = loaded.position(("sites", n))
        sites.append(Site(name or entry.registry, root, line))
    return _distinct(sites, label)


def _distinct(sites: list[Site], label: str | None) -> list[Site]:
    """Each name and each registry once: two sites of one name cannot be told apart in
    a table, and one registry twice would be counted twice in the company total."""
    names: dict[str, Site] = {}
    roots: dict[Path, Site] = {}
    for site in sites:
        where = f"{label}:{site.line}: " if label and site.line else ""
        if site.name in names:
            raise UsageError(where + _("site {name!r} is named twice").format(name=site.name))
        resolved = Path(os.path.realpath(site.root))
        if resolved in roots:
            raise UsageError(
                where
                + _("sites {first!r} and {second!r} are the same registry").format(
                    first=roots[resolved].name, second=site.name
                )
            )
        names[site.name] = roots[resolved] = site
    return sites


def open_sites(
    sites: Sequence[Site], notify: Callable[[str], None] | None = None
) -> list[tuple[Site, Snapshot]]:
    """Every site's registry opened for reading (its policy and roster read), or one
    error naming the site that cannot be: nothing is reported half-way."""
    from cmplt.snapshot import Snapshot

    opened = []
    for site in sites:
        try:
            if not (site.root / store.POLICY_FILE).is_file():
                raise NotFound(
                    _("no {file} there").format(file=store.POLICY_FILE)
                    if site.root.is_dir()
                    else _("no such folder")
                )
            snapshot = Snapshot(site.root, notify=notify)
            snapshot.policies  # noqa: B018 - the policy's history, read now (a broken one fails here)
        except CmpltError as exc:
            raise SiteUnreadable(
                _("site {name} ({folder}): {problem}").format(
                    name=site.name, folder=site.root, problem=exc.message
                )
            ) from exc
        opened.append((site, snapshot))
    return opened


class SiteUnreadable(UsageError):
    """A site that cannot be read: the run could not be done (exit 2, as `check`'s
    "could not run")."""


# --- check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    """A role's callback rate in a period at one site, or (site None) the company's."""

    site: str | None
    period: str
    role: str
    called_back: int
    handled: int
    required: float | None  # the site's quota; the company's when every site agrees
    level: str | None  # the site's shortfall: "warning" or "overdue"; None when met

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.called_back / self.handled, 1) if self.handled else None


def with_site(findings: Sequence[Finding], site: str) -> list[Finding]:
    """The findings of one site, each knowing its site (JSON's `site`)."""
    return [replace(f, extra={**f.extra, "site": site}) for f in findings]


def site_of(finding: Finding) -> str:
    return str(finding.extra.get("site", ""))


def quota_rows(site: str, result: CheckResult, quotas: Mapping[str, float]) -> list[QuotaRow]:
    """Every quota role of the site's policy, in each period the check counted."""
    short = {
        (f.extra["period"], f.extra["role"]): f.level
        for f in result.findings
        if f.rule == "callback-quota"
    }
    rows = []
    for period, counted in result.counted:
        for role, required in quotas.items():
            called = sum(1 for roles in counted.values() if role in roles)
            rows.append(
                QuotaRow(
                    site, period, role, called, len(counted), required, short.get((period, role))
                )
            )
    return rows


def company_quotas(rows: Sequence[QuotaRow], handled: Mapping[str, int]) -> list[QuotaRow]:
    """The company total of each (period, role): every site's callbacks by that role
    over every site's handled records (`handled`: the company's, by period); the quota
    shown when every site that sets one for the role sets the same."""
    found: dict[tuple[str, str], list[QuotaRow]] = {}
    for row in rows:
        found.setdefault((row.period, row.role), []).append(row)
    totals = []
    for (period, role), group in found.items():
        required = {row.required for row in group}
        totals.append(
            QuotaRow(
                None,
                period,
                role,
                sum(row.called_back for row in group),
                handled.get(period, 0),
                required.pop() if len(required) == 1 else None,
                None,
            )
        )
    return totals


def handled_by_period(results: Sequence[CheckResult]) -> dict[str, int]:
    """The records counted for the quotas, by period, over every site."""
    total: dict[str, int] = {}
    for result in results:
        for period, counted in result.counted:
            total[period] = total.get(period, 0) + len(counted)
    return total


def company_label() -> str:
    """What the company total's row says in the site column."""
    return _("company total")


def quota_json(row: QuotaRow) -> dict[str, object]:
    return {
        "site": row.site,
        "period": row.period,
        "role": row.role,
        "rate": row.rate,
        "required": row.required,
        "called_back": row.called_back,
        "handled": row.handled,
        "level": row.level,
    }


def _quota_cells(row: QuotaRow) -> list[object]:

    return [
        row.site if row.site is not None else company_label(),
        row.period,
        label("role", row.role),
        f"{row.rate:.1f}%" if row.rate is not None else "",
        f"{row.required:g}%" if row.required is not None else "",
        row.called_back,
        row.handled,
        label("level", row.level) if row.level else "",
    ]


QUOTA_HEADERS = (
    N_("site"),
    N_("period"),
    N_("role"),
    N_("rate"),
    N_("required rate"),
    N_("called back"),
    N_("handled"),
    N_("level"),
)


def quota_table(rows: Sequence[QuotaRow]) -> str:
    """The callback quotas of every site, each period and role, and the company total."""
    from tabulate import tabulate

    from cmplt.plaintext import escaped

    out = ["", "== " + _("callback quotas by site")]
    body = [[escaped(c) if isinstance(c, str) else c for c in _quota_cells(row)] for row in rows]
    titles = [_(header) for header in QUOTA_HEADERS]
    out.append(tabulate(body, headers=titles, tablefmt="simple", disable_numparse=True))
    return "\n".join(out) + "\n"


def quota_sheet(rows: Sequence[QuotaRow]) -> object:
    from cmplt.xlsx import Sheet

    sheet = Sheet(
        _("callback quotas by site"),
        [_(header) for header in QUOTA_HEADERS],
        formats={3: "0.0", 4: "0"},
    )
    for row in rows:
        sheet.rows.append(
            [
                row.site if row.site is not None else company_label(),
                row.period,
                label("role", row.role),
                row.rate,
                row.required,
                row.called_back,
                row.handled,
                label("level", row.level) if row.level else None,
            ]
        )
    return sheet
