"""Consistent copies of a running database.

SQLite: the online backup API in a single step. Under WAL that step reads one snapshot while
the server keeps writing, so the copy holds every transaction committed before it began and
nothing half-written; copying in small steps would restart whenever the server writes.
PostgreSQL has its own tool for this; we say how to call it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from queue_server.store.db import async_url


class BackupError(Exception):
    """The backup could not be written; the message says why in plain words."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    tickets: int


def sqlite_path(url: str | None) -> Path | None:
    """The file behind an SQLite URL, or ``None`` for another database."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def pg_dump_command(url: str, target: Path) -> str:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
    return f"pg_dump --format=custom --file '{target}' '{plain}'"


def backup_sqlite(source: Path, target: Path) -> BackupResult:
    """Copy ``source`` to ``target`` (which must not exist yet) and check the copy."""
    if not source.is_file():
        raise BackupError(f"basis data tidak ditemukan: {source}")
    if target.exists():
        raise BackupError(f"{target} sudah ada; pilih nama lain agar cadangan lama tidak tertimpa")
    partial = target.with_name(f".{target.name}.partial")
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"salinan rusak menurut SQLite: {check}")
            tickets = int(dst.execute("SELECT count(*) FROM tickets").fetchone()[0])
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"cadangan gagal: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, tickets)
