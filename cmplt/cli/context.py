"""What every command shares: the registry (opened on first use) and the clock."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmplt.errors import UsageError
from cmplt.times import parse_stored_time, parse_time, utc_now

if TYPE_CHECKING:
    from cmplt.registry import Registry


class Context:
    def __init__(self, registry: str | None) -> None:
        self.registry_option = registry
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        from cmplt import store
        from cmplt.registry import Registry

        if self._registry is None:
            start = Path(self.registry_option) if self.registry_option else Path.cwd()
            if self.registry_option and not (start / store.POLICY_FILE).is_file():
                raise UsageError(f"--registry {self.registry_option}: no {store.POLICY_FILE} there")
            root = start if self.registry_option else store.find_registry(start)
            self._registry = Registry(root)
        return self._registry

    def now(self) -> datetime:
        """The clock. CMPLT_NOW freezes it (tests, replaying a day's paper log)."""
        frozen = os.environ.get("CMPLT_NOW")
        if frozen:
            try:
                return parse_stored_time(frozen)
            except ValueError as exc:
                raise UsageError(f"CMPLT_NOW: {exc}") from exc
        return utc_now()

    def seed(self) -> str | None:
        """CMPLT_SEED makes new IDs reproducible (the example registry's script)."""
        return os.environ.get("CMPLT_SEED") or None

    def time(self, text: str | None, option: str) -> datetime | None:
        if text is None:
            return None
        try:
            return parse_time(text, self.registry.policy.tz)
        except UsageError as exc:
            raise UsageError(f"{option}: {exc.message}") from exc


pass_context = click.make_pass_decorator(Context)
