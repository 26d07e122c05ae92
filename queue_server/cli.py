"""The ``loket`` command: serve, db upgrade, config check, user add."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from queue_server.settings import Settings, SettingsError
from queue_server.site import DEMO_SITE, Site, SiteFileInvalid, load_site

#: Demo accounts, printed by ``loket serve --demo``; never created outside the demo.
DEMO_PASSWORD = "loket-demo"


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    return Settings.from_env(database_url=getattr(args, "database_url", None),
                             site_file=getattr(args, "config", None), **extra)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from queue_server.store.migrate import upgrade
    from queue_server.web.app import create_app

    real_time = args.clock == "now"
    settings = _settings(args, demo=args.demo, clock_start=None if real_time else args.clock,
                         virtual_printer=args.demo, public_url=args.public_url)
    print(f"Loket: memeriksa basis data ({_describe(settings.database_url)}) ...", flush=True)
    upgrade(settings.database_url)
    site = load_site(settings.site_file)
    if settings.demo:
        asyncio.run(_ensure_demo_users(settings))
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
    if settings.demo:
        print(f"\n  Akun demo (kata sandi untuk semua: {DEMO_PASSWORD}):")
        print("    petugas1 … petugas5 (petugas loket), supervisor, admin")
        print("  Printer: virtual (tiket tampil di layar dan di log)")
    print("\nTekan Ctrl+C untuk berhenti.\n", flush=True)
    from queue_server.web.ws import MAX_MESSAGE

    # ws_max_size: a client's frame bigger than this is refused before it is buffered.
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                access_log=args.log_level == "debug", ws_max_size=4 * MAX_MESSAGE)
    return 0


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


async def _ensure_demo_users(settings: Settings) -> None:
    from sqlalchemy import select

    from queue_server.clock import SystemClock
    from queue_server.services.staff import add_user
    from queue_server.store import tables as t
    from queue_server.store.db import create_engine
    from queue_server.store.sync import sync_site

    site = load_site(settings.site_file)
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            ids = await sync_site(conn, site)
            names = [*(f"petugas{i}" for i in range(1, 6)), "supervisor", "admin"]
            existing = set((await conn.execute(select(t.users.c.username).where(
                t.users.c.site_id == ids.site))).scalars())
            for name in names:
                if name in existing:
                    continue
                role = "officer" if name.startswith("petugas") else name
                await add_user(conn, ids.site, name, DEMO_PASSWORD, role, SystemClock().now(),
                               full_name=name.replace("petugas", "Petugas ").title())
    finally:
        await engine.dispose()


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


def cmd_config_check(args: argparse.Namespace) -> int:
    try:
        site = load_site(args.file)
    except SiteFileInvalid as exc:
        print(exc, file=sys.stderr)
        return 1
    services = len(site.services)
    print(f"OK: {site.name} — {len(site.agencies)} instansi, {services} layanan, "
          f"{len(site.counters)} loket, {len(site.printers)} printer.")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != password:
            print("Kata sandi tidak sama.", file=sys.stderr)
            return 1
    settings = _settings(args)
    from queue_server.store.migrate import upgrade

    upgrade(settings.database_url)
    return asyncio.run(_add_user(settings, args.name, password, args.role, args.full_name))


async def _add_user(settings: Settings, name: str, password: str, role: str,
                    full_name: str) -> int:
    from queue_server.clock import SystemClock
    from queue_server.domain.errors import DomainError
    from queue_server.messages import message
    from queue_server.services.staff import add_user
    from queue_server.store.db import create_engine
    from queue_server.store.sync import sync_site

    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            ids = await sync_site(conn, load_site(settings.site_file))
            await add_user(conn, ids.site, name, password, role, SystemClock().now(),
                           full_name=full_name)
    except DomainError as exc:
        print(message(exc.code, "id", exc.params), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(f"Pengguna {name} ({role}) dibuat.")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loket", description="Loket — antrean Mal Pelayanan Publik")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--database-url", help="sqlite:///… atau postgresql://… "
                        "(default: LOKET_DATABASE_URL, lalu loket-data/loket.db)")
        sp.add_argument("--config", type=Path,
                        help=f"berkas situs TOML (default: {DEMO_SITE.name})")

    serve = sub.add_parser("serve", help="jalankan server")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true",
                       help="situs demo MPP Kota Probolinggo, akun demo, printer virtual")
    serve.add_argument("--clock", help="mulai jam pada waktu ini, mis. "
                       "2025-11-24T09:00+07:00; 'now' = jam sebenarnya (demo di luar jam "
                       "layanan memakai jam demo)")
    serve.add_argument("--public-url", default=None, help="alamat publik untuk kode QR")
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="basis data").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="terapkan migrasi")
    up.add_argument("--database-url")
    up.set_defaults(func=cmd_db_upgrade)

    config = sub.add_parser("config", help="berkas situs").add_subparsers(dest="config_command",
                                                                          required=True)
    check = config.add_parser("check", help="periksa berkas situs")
    check.add_argument("file", type=Path)
    check.set_defaults(func=cmd_config_check)

    user = sub.add_parser("user", help="akun petugas").add_subparsers(dest="user_command",
                                                                     required=True)
    add = user.add_parser("add", help="buat akun")
    common(add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["officer", "supervisor", "admin"])
    add.add_argument("--full-name", default="")
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(func=cmd_user_add)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except (SettingsError, SiteFileInvalid) as exc:
        print(f"loket: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
