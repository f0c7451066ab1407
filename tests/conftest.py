"""Shared fixtures: a fresh data home per test, the CLI runner, and the user's example files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

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


@pytest.fixture(scope="session")
def _http_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # threaded: concurrency tests need it
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_http_server: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 serving what the test registers; cleared after each test."""
    yield _http_server
    _http_server.clear()


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
