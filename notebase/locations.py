"""Where notebase keeps its data: --home, else $NOTEBASE_HOME, else the per-user data dir."""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "notebase.db"


def data_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """The data directory, created on first use so every command can rely on it."""
    if home:
        path = Path(home)
    elif os.environ.get("NOTEBASE_HOME"):
        path = Path(os.environ["NOTEBASE_HOME"])
    else:
        import platformdirs  # small, but only needed when no home was given

        path = Path(platformdirs.user_data_dir("notebase", appauthor=False))
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path(home: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(home) / DB_NAME
