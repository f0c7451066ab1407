"""Listing, stats and keyword search never load torch or sentence-transformers (they cost seconds)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from search_helpers import write_transcript

HEAVY = ("torch", "sentence_transformers", "transformers", "numpy")

SCRIPT = """
import json, sys
from notebase.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print("\\n@@" + json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_by(*args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return json.loads(out.rsplit("@@", 1)[1])


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    path = write_transcript(home / "t.txt", [("1/15/26 8:20 AM", "architecture review https://example.com/a")])
    subprocess.run(
        [sys.executable, "-m", "notebase.cli", "--home", str(home), "import", str(path), "--tz", "UTC", "--no-embed"],
        check=True,
        capture_output=True,
    )
    return str(home)


@pytest.mark.parametrize(
    "command", [["--help"], ["notes"], ["links"], ["stats"], ["tags"], ["search", "--mode", "keyword", "architecture"]]
)
def test_light_commands_do_not_load_the_model(home, command):
    from notebase.cli import main

    if command[0] not in main.commands and command[0] != "--help":
        pytest.skip(f"`notebase {command[0]}` is not there yet")
    assert loaded_by("--home", home, *command) == []


def test_the_check_itself_sees_a_model_load(home):
    assert "torch" in loaded_by("--home", home, "index", "--model", "all-MiniLM-L6-v2")
