"""The ``loket`` command: serve, db upgrade/backup, config check/export/import, user add/passwd."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queue_server.services.access import Role
from queue_server.services.demo import DEMO_PASSWORD, DEMO_USERS
from queue_server.settings import Settings, SettingsError
from queue_server.site import DEMO_SITE, Site, SiteFileInvalid, load_site
from queue_server.store.db import DatabaseUrlError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    files = _site_files(args)
    return Settings.from_env(database_url=getattr(args, "database_url", None),
                             site_file=files[0] if files else None,
                             more_site_files=tuple(files[1:]) or None, **extra)


def _site_files(args: argparse.Namespace) -> list[Path]:
    """``--config`` (once, or repeated by ``serve``) then every ``*.toml`` in ``--sites DIR``
    in name order; the first is the default site."""
    config = getattr(args, "config", None)
    files = list(config) if isinstance(config, list) else [config] if config else []
    folder = getattr(args, "sites", None)
    if folder is not None:
        if not folder.is_dir():
            raise SettingsError(f"folder situs tidak ditemukan: {folder}")
        files += [f for f in sorted(folder.glob("*.toml")) if f not in files]
    return files


#: Seconds an idle keep-alive connection stays open on the server.
KEEP_ALIVE_S = 30


def _quiet_garbage_collector() -> None:
    """Collect cycles far less often than Python's defaults do. With thousands of WebSocket
    clients connected, a full collection walked every one of their objects and stopped the
    event loop for ~0.6 s about every two seconds (measured with ``gc.callbacks`` at 5,000
    clients), and those pauses were the slowest calls' fan-out. Almost everything a request
    makes is freed by reference counting anyway; the objects made while starting up
    (modules, the site, compiled statements) live for good, so they are left out of every
    collection."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from queue_server.store.migrate import upgrade
    from queue_server.web.app import create_app

    real_time = args.clock == "now"
    settings = _settings(args, demo=args.demo, clock_start=None if real_time else args.clock,
                         virtual_printer=args.demo, public_url=args.public_url,
                         root_path=args.root_path)
    # The site file is checked first, with the very check of `loket config check`: an invalid
    # file stops here with the whole list (main prints it), before the database is touched.
    site = load_site(settings.site_file)
    for more_file in (settings.site_file, *settings.more_site_files)[1:]:
        for warning in load_site(more_file).warnings:
            print(f"loket: peringatan ({more_file.name}): {warning}", file=sys.stderr)
    for warning in site.warnings:
        print(f"loket: peringatan: {warning}", file=sys.stderr)
    print(f"Loket: memeriksa basis data ({_describe(settings.database_url)}) ...", flush=True)
    upgrade(settings.database_url)
    if not settings.demo:
        left = asyncio.run(_demo_passwords_left(settings))
        if left:
            print(f"\nLoket tidak dijalankan: akun {', '.join(left)} masih memakai kata sandi "
                  "demo, yang tercetak di README dan diketahui semua orang.", file=sys.stderr)
            for name in left:
                print(f"  Ganti dengan: loket user passwd {name}", file=sys.stderr)
            print("  (Untuk mencoba-coba saja, pakai loket serve --demo.)", file=sys.stderr)
            return 1
    if args.host not in LOOPBACK and not settings.public_url:
        print(f"\nPeringatan: server melayani di {args.host} tanpa --public-url. Kode QR pada "
              "tiket akan menunjuk alamat yang dipakai kiosk, yang mungkin tidak bisa dibuka "
              "ponsel pengunjung. Pakai mis. --public-url https://antrean.mpp.example.go.id",
              file=sys.stderr, flush=True)
    if settings.demo and settings.clock_start is None and not real_time:
        settings = _demo_clock(settings, site)
    app = create_app(settings)
    host_shown = "localhost" if args.host in {"0.0.0.0", "127.0.0.1", "::"} else args.host
    base = f"http://{host_shown}:{args.port}"
    print(f"\nLoket siap — {site.name}", flush=True)
    print(f"  Kiosk (ambil nomor):   {base}/kiosk")
    print(f"  Layar TV (display):    {base}/display")
    print(f"  Loket petugas:         {base}/counter")
    print(f"  Supervisor:            {base}/supervisor")
    print(f"  API:                   {base}/api/v1/services  (OpenAPI: {base}/openapi.json)")
    for more_file in settings.more_site_files:
        more = load_site(more_file)
        print(f"  {more.name}: {base}/s/{more.code}/kiosk … {base}/s/{more.code}/supervisor")
    if settings.more_site_files:
        print(f"  Dasbor wilayah (Monev): {base}/region")
    if settings.root_path:
        # The pages then point everything under the prefix, which only the proxy strips.
        print(f"  Di balik proxy pada {settings.root_path}/: buka layar lewat proxy, mis. "
              f"https://HOST{settings.root_path}/kiosk")
    if settings.demo:
        print(f"\n  Akun demo (kata sandi untuk semua: {DEMO_PASSWORD}):")
        print("    petugas1 … petugas5 (petugas loket), supervisor, admin")
        print(f"  Printer: virtual (tiket tampil di layar dan di log ini; salinan ESC/POS di "
              f"{settings.slips_dir}/)")
    print("\nTekan Ctrl+C untuk berhenti.\n", flush=True)
    if settings.virtual_printer:
        _show_slips(settings.slips_dir)
    from queue_server.web.ws import MAX_MESSAGE

    # ws_max_size: a client's frame bigger than this is refused before it is buffered.
    # timeout_keep_alive: longer than clients keep idle connections (httpx and browsers 5 s or
    # less), so the server never closes one the client is just reusing (a ReadError).
    # ws_per_message_deflate off: events are a few hundred bytes on a LAN, and compressing
    # each one separately for every client cost CPU per client and a zlib state in memory
    # per connection (docs/benchmarks.md, "Live events").
    _quiet_garbage_collector()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                root_path=settings.root_path,
                access_log=args.log_level == "debug", ws_max_size=4 * MAX_MESSAGE,
                timeout_keep_alive=KEEP_ALIVE_S, backlog=4096,
                ws_per_message_deflate=False)
    return 0


def _show_slips(folder: Path) -> None:
    """The virtual printer's slips go to this terminal whatever the server's log level."""
    import logging

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    slips = logging.getLogger("loket.slips")
    slips.setLevel(logging.INFO)
    slips.addHandler(handler)
    slips.propagate = False


def _demo_clock(settings: Settings, site: Site) -> Settings:
    """Outside opening hours the demo would only show "closed": say so plainly and run on a
    demo clock set to the next working morning, where the real rules still apply."""
    import dataclasses
    from datetime import UTC, datetime, timedelta

    from queue_server.domain.schedule import (
        closed_message,
        format_next_open,
        issuing_status,
        schedule_from_config,
    )

    schedule = schedule_from_config(site.hours, site.timezone)
    status = issuing_status(schedule, datetime.now(UTC))
    if status.open or status.next_open is None:
        return settings
    start = status.next_open + timedelta(hours=1)  # 09.00 on a morning opening at 08.00
    print(f"\n  {site.name} sedang tutup sekarang: {closed_message(status, 'id')}.")
    print(f"  Agar demo bisa dicoba, jam demo dimulai {format_next_open(start, 'id')}; "
          "aturan jam layanan tetap berlaku.")
    print("  Jam sebenarnya: --clock now. Waktu lain: --clock 2025-11-24T09:00+07:00", flush=True)
    return dataclasses.replace(settings, clock_start=start)


def _env_port() -> int:
    raw = os.environ.get("LOKET_PORT", "8000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"LOKET_PORT harus nomor port 1–65535, bukan {raw!r}")
    return int(raw)


async def _demo_passwords_left(settings: Settings) -> list[str]:
    """The demo accounts that still have the demo password. Only those names are checked:
    every other way to set a password refuses the demo one (it is on the common list)."""
    from sqlalchemy import select

    from queue_server.services.staff import accounts_with_password
    from queue_server.store import tables as t
    from queue_server.store.db import create_engine

    engine = create_engine(settings.database_url)
    left: list[str] = []
    try:
        async with engine.connect() as conn:
            # every site this server is to serve: a demo password at any of them stops it
            for site_file in (settings.site_file, *settings.more_site_files):
                site_id = (await conn.execute(select(t.sites.c.id).where(
                    t.sites.c.code == load_site(site_file).code))).scalar()
                if site_id is None:
                    continue  # a new site has no accounts yet
                left += await accounts_with_password(conn, site_id, DEMO_USERS, DEMO_PASSWORD)
    finally:
        await engine.dispose()
    return left


def _describe(url: str | None) -> str:
    from queue_server.store.db import DEFAULT_SQLITE

    if not url:
        return f"SQLite {DEFAULT_SQLITE}"
    return url.split("@")[-1] if "@" in url else url


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from queue_server.store.migrate import upgrade

    url = args.database_url or os.environ.get("LOKET_DATABASE_URL")
    print(f"Menerapkan migrasi ke {_describe(url)} ...", flush=True)
    upgrade(url)
    print("Selesai: skema basis data mutakhir.")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from queue_server.store.backup import BackupError, backup_sqlite, pg_dump_command, sqlite_path

    url = args.database_url or os.environ.get("LOKET_DATABASE_URL")
    source = sqlite_path(url)
    if source is None:
        assert url is not None
        print("Basis data PostgreSQL dicadangkan dengan alat PostgreSQL sendiri:")
        print(f"  {pg_dump_command(url, args.path)}")
        print("Pulihkan dengan pg_restore --dbname … (lihat docs/operating.md).")
        return 0
    print(f"Mencadangkan {source} ke {args.path} (server boleh tetap berjalan) ...", flush=True)
    try:
        result = backup_sqlite(source, args.path)
    except BackupError as exc:
        print(f"loket: {exc}", file=sys.stderr)
        return 1
    print(f"Selesai: {result.path} ({result.size_bytes / 1e6:.1f} MB, {result.tickets} tiket), "
          "salinan diperiksa dan utuh.")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    """Every finding at once: errors refuse the file, warnings are listed and allowed (unless
    ``--strict``, for an office's CI). Exit 0 = the server will start with this file."""
    from queue_server.sitecheck import errors, report

    lang = args.lang
    try:
        site = load_site(args.file)
    except SiteFileInvalid as exc:
        print(exc.describe(lang), file=sys.stderr)
        return 1
    refused = errors(site.warnings, strict=args.strict)
    if refused:
        print(f"{args.file}: " + ("peringatan dianggap kesalahan (--strict)" if lang == "id"
                                  else "warnings count as errors (--strict)"), file=sys.stderr)
        print(report(site.warnings, lang, strict=True), file=sys.stderr)
        return 1
    if site.warnings:
        print(report(site.warnings, lang))
    counts = (f"{len(site.agencies)} instansi, {len(site.services)} layanan, "
              f"{len(site.counters)} loket, {len(site.printers)} printer" if lang == "id" else
              f"{len(site.agencies)} agencies, {len(site.services)} services, "
              f"{len(site.counters)} counters, {len(site.printers)} printers")
    print(f"OK: {site.name} — {counts}.")
    return 0


def _live(args: argparse.Namespace,
          work: Callable[[Settings], Coroutine[Any, Any, int]]) -> int:
    from queue_server.store.migrate import upgrade

    settings = _settings(args)
    upgrade(settings.database_url)
    return asyncio.run(work(settings))


def cmd_config_export(args: argparse.Namespace) -> int:
    """The live configuration as a site file: what the admin pages made of the seed."""
    from queue_server import toml_out
    from queue_server.services.admin_config import export_document
    from queue_server.store.db import create_engine

    async def work(settings: Settings) -> int:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                document, version = await export_document(conn, load_site(settings.site_file))
        finally:
            await engine.dispose()
        header = (f"Loket: konfigurasi situs {document['site']['code']}, versi {version}.\n"
                  "Periksa dengan loket config check BERKAS, muat dengan "
                  "loket config import BERKAS.")
        text = toml_out.dump(document, header=header)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0

    return _live(args, work)


def cmd_config_import(args: argparse.Namespace) -> int:
    """Check a site file exactly as ``config check`` does, then make it the live
    configuration; running servers pick it up through the event feed, without a restart."""
    from queue_server.clock import SystemClock
    from queue_server.events.backends import this_process
    from queue_server.services.admin_config import import_site
    from queue_server.store.db import Database, create_engine

    try:
        site = load_site(args.file)
    except SiteFileInvalid as exc:
        print(exc.describe(args.lang), file=sys.stderr)
        return 1

    async def work(settings: Settings) -> int:
        db = Database(create_engine(settings.database_url))
        if db.notifies_across_processes:
            db.notify_commits(this_process())
        try:
            version = await import_site(db, site, SystemClock().now(), str(args.file))
        finally:
            await db.dispose()
        print(f"OK: {site.name} dimuat sebagai versi {version}." if args.lang == "id" else
              f"OK: {site.name} loaded as version {version}.")
        return 0

    return _live(args, work)


def _read_password(args: argparse.Namespace) -> str | None:
    """The new password from stdin or asked twice; ``None`` (after saying why) if they differ."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    print("Kata sandi: minimal 10 karakter, bukan nama pengguna, bukan yang umum dipakai.")
    password = getpass.getpass("Kata sandi: ")
    if getpass.getpass("Ulangi kata sandi: ") != password:
        print("Kata sandi tidak sama.", file=sys.stderr)
        return None
    return password


def cmd_user_add(args: argparse.Namespace) -> int:
    from queue_server.clock import SystemClock
    from queue_server.services.staff import add_user

    password = _read_password(args)
    if password is None:
        return 1

    async def change(conn: AsyncConnection, site_id: int) -> None:
        await add_user(conn, site_id, args.name, password, args.role, SystemClock().now(),
                       full_name=args.full_name)

    return _change_users(args, change, f"Pengguna {args.name} ({args.role}) dibuat.")


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from queue_server.services.staff import set_password

    password = _read_password(args)
    if password is None:
        return 1

    async def change(conn: AsyncConnection, site_id: int) -> None:
        await set_password(conn, site_id, args.name, password)

    return _change_users(args, change, f"Kata sandi {args.name} diganti; sesinya diakhiri.")


def _change_users(args: argparse.Namespace,
                  change: Callable[[AsyncConnection, int], Awaitable[None]], done: str) -> int:
    """Run ``change`` in one transaction on the site's database; errors in plain words."""
    from queue_server.clock import SystemClock
    from queue_server.domain.errors import DomainError
    from queue_server.messages import message
    from queue_server.services.admin_config import open_site
    from queue_server.store.db import create_engine
    from queue_server.store.migrate import upgrade

    settings = _settings(args)
    upgrade(settings.database_url)

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                # The stored configuration, not the file, decides the rows once it exists.
                _, ids, _ = await open_site(conn, load_site(settings.site_file),
                                            SystemClock().now())
                await change(conn, ids.site)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except DomainError as exc:
        print(message(exc.code, "id", exc.params), file=sys.stderr)
        return 1
    print(done)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loket", description="Loket — antrean Mal Pelayanan Publik")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, many: bool = False) -> None:
        sp.add_argument("--database-url", help="sqlite:///… atau postgresql://… "
                        "(default: LOKET_DATABASE_URL, lalu loket-data/loket.db)")
        sp.add_argument("--config", type=Path, action="append" if many else "store",
                        help=f"berkas situs TOML (default: {DEMO_SITE.name})"
                        + ("; ulangi untuk beberapa MPP, yang pertama situs utama" if many
                           else ""))

    serve = sub.add_parser("serve", help="jalankan server")
    common(serve, many=True)
    serve.add_argument("--sites", type=Path, metavar="DIR",
                       help="layani setiap berkas situs *.toml di folder ini (beberapa MPP)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=_env_port(),
                       help="default: LOKET_PORT, lalu 8000")
    serve.add_argument("--demo", action="store_true",
                       help="situs demo MPP Kota Probolinggo, akun demo, printer virtual")
    serve.add_argument("--clock", help="mulai jam pada waktu ini, mis. "
                       "2025-11-24T09:00+07:00; 'now' = jam sebenarnya (demo di luar jam "
                       "layanan memakai jam demo)")
    serve.add_argument("--public-url", default=None, help="alamat publik untuk kode QR")
    serve.add_argument("--root-path", default=None, metavar="PATH",
                       help="jalur di balik reverse proxy, mis. /antrean (default: "
                       "LOKET_ROOT_PATH, lalu tanpa jalur)")
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="basis data").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="terapkan migrasi")
    up.add_argument("--database-url")
    up.set_defaults(func=cmd_db_upgrade)
    backup = db.add_parser("backup", help="salinan utuh basis data yang sedang berjalan")
    backup.add_argument("path", type=Path, help="berkas cadangan baru, mis. cadangan/loket.db")
    backup.add_argument("--database-url")
    backup.set_defaults(func=cmd_db_backup)

    config = sub.add_parser("config", help="berkas situs").add_subparsers(dest="config_command",
                                                                          required=True)
    check = config.add_parser("check", help="periksa berkas situs")
    check.add_argument("file", type=Path)
    check.add_argument("--strict", action="store_true",
                       help="peringatan juga dianggap kesalahan (untuk CI)")
    check.add_argument("--lang", choices=["id", "en"], default="id",
                       help="bahasa pesan: id (default) atau en")
    check.set_defaults(func=cmd_config_check)
    export = config.add_parser("export", help="tulis konfigurasi yang berlaku sebagai berkas situs")
    common(export)
    export.add_argument("-o", "--output", type=Path, help="ke berkas ini (default: layar)")
    export.set_defaults(func=cmd_config_export)
    load = config.add_parser("import", help="periksa lalu muat berkas situs ke basis data")
    common(load)
    load.add_argument("file", type=Path)
    load.add_argument("--lang", choices=["id", "en"], default="id")
    load.set_defaults(func=cmd_config_import)

    user = sub.add_parser("user", help="akun petugas").add_subparsers(dest="user_command",
                                                                     required=True)
    add = user.add_parser("add", help="buat akun")
    common(add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--full-name", default="")
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(func=cmd_user_add)
    passwd = user.add_parser("passwd", help="ganti kata sandi (dan akhiri sesinya)")
    common(passwd)
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=cmd_user_passwd)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        result: int = args.func(args)
    except (SettingsError, SiteFileInvalid, DatabaseUrlError) as exc:
        print(f"loket: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
