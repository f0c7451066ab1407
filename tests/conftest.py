"""Shared fixtures: a fresh data home per test, the CLI runner, and the user's example files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from notebase.cli import main
from notebase.db import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared() -> Path:
    """../shared (the user's export, public samples); tests using it skip on machines without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present on this machine")
    return SHARED


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


class Cli:
    """Runs `notebase --home HOME …` in-process, the way a user would type it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(main, ["--home", str(self.home), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)

    @property
    def store(self) -> Store:
        return Store(self.home / "notebase.db")


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)
