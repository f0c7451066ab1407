"""The core never imports the TUI: Textual loads only for `notebase tui`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "notebase"


def test_no_core_module_imports_textual() -> None:
    offenders = []
    for path in PACKAGE.glob("*.py"):  # the core: everything outside notebase/tui/
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_cli_and_the_tui_package_load_without_textual() -> None:
    code = "import sys, notebase.cli, notebase.tui; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_tui_services_need_no_textual() -> None:
    """The TUI's data layer (services, text) is plain Python over the library."""
    code = "import sys, notebase.tui.services, notebase.tui.text; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
