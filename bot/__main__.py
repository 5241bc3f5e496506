"""Command line: `python -m bot [run | validate [DIR] | preview ... | sync [--guild ID] |
migrate-db --to URL | demo [--port N] [--db PATH] [--open] [--host HOST]]`.

This is the one place that builds Settings and owns resource lifetimes. Every configuration
mistake ends as one line on stderr and a non-zero exit (2), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, load_settings, misspelt_environment
from bot.core.errors import ConfigError, InvalidInput
from bot.core.loader import LoadResult
from bot.core.models import ReminderPrefs
from bot.core.timeparse import parse_date, parse_time, parse_weekday, parse_zone
from bot.pathway_files import load_directory

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pathway-bot",
        description="Deliver a career-change pathway on each learner's own calendar, on Discord.",
    )
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and run the bot (the default)")
    v = sub.add_parser("validate", help="check pathway files; one line per problem")
    v.add_argument(
        "dir", nargs="?", type=Path, help="directory of pathway files (default: PATHWAYS_DIR)"
    )
    pv = sub.add_parser("preview", help="print a learner's calendar for a pathway, without Discord")
    pv.add_argument("pathway_id")
    pv.add_argument("--start", required=True, help="start date, YYYY-MM-DD")
    pv.add_argument("--tz", required=True, help="IANA time zone, e.g. Europe/London")
    pv.add_argument("--day", help="reminder weekday (default: the start date's weekday)")
    pv.add_argument("--time", default="09:00", help="reminder local time HH:MM (default 09:00)")
    pv.add_argument(
        "--pace",
        help="as-written, or N-months for a bound of the pathway's stated timeline "
        "(default: the pathway's default pace)",
    )
    pv.add_argument(
        "--learner",
        default="idle",
        help="simulate a learner who does nothing (idle), completes each item the day "
        "before it is due (on-time), or is on time for N weeks and then stops "
        "(stops-after:N); default idle",
    )
    pv.add_argument(
        "--weeks", type=int, help="how many weekly reminders (default: the whole timeline)"
    )
    pv.add_argument("--json", action="store_true", help="print one JSON object per reminder")
    pv.add_argument("--dir", type=Path, help="directory of pathway files (default: PATHWAYS_DIR)")
    sub.add_parser("health", help="exit 0 when the running bot is healthy (Docker HEALTHCHECK)")
    s = sub.add_parser("sync", help="register slash commands with Discord now")
    s.add_argument("--guild", type=int, help="sync to one guild only (instant, for development)")
    m = sub.add_parser(
        "migrate-db",
        help="copy the SQLite database into an empty PostgreSQL database",
        description="Copy every row of the SQLite database (read-only: it is never changed) "
        "into an empty PostgreSQL database, checking the row counts at the end. Stop the "
        "bot first, then set DATABASE_URL to the target and start it again.",
    )
    m.add_argument("--to", required=True, metavar="URL", help="postgresql://user:pass@host/db")
    m.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="PATH",
        help="the SQLite file (default: DATABASE_PATH)",
    )
    d = sub.add_parser(
        "demo",
        help="try the bot in a local Discord in your browser: no token, no network",
        description="Start a local Discord (the project's emulator) with a demo server, the "
        "real bot on a temporary SQLite file, and a web page that works like the Discord "
        "client. The page's address is printed; Ctrl-C stops everything.",
    )
    d.add_argument("--port", type=int, default=8765, help="the page's port (default 8765)")
    d.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="keep the demo's SQLite database in this file (a new one, or one a demo kept; "
        "PATH.demo beside it marks it)",
    )
    d.add_argument("--open", action="store_true", help="open the page in a browser")
    d.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve the page on (default 127.0.0.1; the demo has no login)",
    )
    return p


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.config import bundled_pathways_dir
    from bot.demo.runner import DemoOptions, run_demo

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, not {args.port}")
    directory = Path(os.environ.get("PATHWAYS_DIR") or bundled_pathways_dir())
    loaded = require_pathways(directory)
    if args.db is not None:
        if args.db.is_dir():
            raise ConfigError(f"--db {args.db} is a directory; point it at a file")
        try:
            args.db.expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--db {args.db}: cannot create its folder: {exc.strerror}") from None
    options = DemoOptions(
        port=args.port,
        host=args.host,
        db=args.db,
        open_browser=args.open,
        pathways_dir=directory,
    )
    return run_demo(options, loaded)


def _pathways_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    return load_settings().pathways_dir


def cmd_validate(directory: Path) -> int:
    result = load_directory(directory)
    for problem in result.problems:
        print(problem)
    if result.problems:
        n = len(result.problems)
        print(f"{n} problem{'s' if n != 1 else ''} in {directory}", file=sys.stderr)
        return 1
    names = ", ".join(sorted(result.pathways))
    print(f"{len(result.pathways)} pathway file(s) valid in {directory}: {names}", file=sys.stderr)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from bot.cli_preview import render_preview, render_preview_json
    from bot.core.layout import check_pace, default_pace

    try:
        start = parse_date(args.start)
        zone = parse_zone(args.tz)
        weekday = parse_weekday(args.day) if args.day else start.weekday()
        prefs = ReminderPrefs(str(zone.key), weekday, parse_time(args.time))
        from bot.core.journey import LearnerKind

        LearnerKind.parse(args.learner)
    except InvalidInput as exc:
        print(f"pathway-bot preview: {exc.user_message}", file=sys.stderr)
        return EXIT_CONFIG
    if args.weeks is not None and not 1 <= args.weeks <= 520:
        print("pathway-bot preview: --weeks must be between 1 and 520", file=sys.stderr)
        return EXIT_CONFIG
    loaded = require_pathways(_pathways_dir(args.dir))
    if args.pathway_id not in loaded.pathways:
        known = ", ".join(sorted(loaded.pathways))
        print(
            f"pathway-bot preview: no pathway '{args.pathway_id}' (known: {known})", file=sys.stderr
        )
        return EXIT_CONFIG
    pathway = loaded.pathways[args.pathway_id].pathway
    try:
        pace = check_pace(pathway, args.pace) if args.pace else default_pace(pathway)
    except InvalidInput as exc:
        print(f"pathway-bot preview: {exc.user_message}", file=sys.stderr)
        return EXIT_CONFIG
    if args.json:
        print(render_preview_json(pathway, start, prefs, args.weeks, pace, args.learner))
    else:
        print(render_preview(pathway, start, prefs, args.weeks, pace, args.learner))
    return 0


def require_pathways(directory: Path) -> LoadResult:
    """Load pathways for running; any problem is a configuration error summarised in one line."""
    if not directory.is_dir():
        raise ConfigError(f"PATHWAYS_DIR {directory} is not a readable directory")
    if not os.access(directory, os.R_OK | os.X_OK):
        raise ConfigError(f"PATHWAYS_DIR {directory} is not readable by this user")
    result = load_directory(directory)
    if result.problems:
        more = len(result.problems) - 1
        extra = f" (and {more} more)" if more else ""
        raise ConfigError(
            f"invalid pathway: {result.problems[0]}{extra}; run `python -m bot validate "
            f"{directory}` to see every problem"
        )
    return result


def prepare_database_dir(path: Path) -> None:
    """Create DATABASE_PATH's directory, or explain in one line why it cannot be used."""
    parent = path.expanduser().parent
    if path.exists() and path.is_dir():
        raise ConfigError(f"DATABASE_PATH {path} is a directory; point it at a file")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"DATABASE_PATH {path}: cannot create directory {parent}: {exc.strerror}"
        ) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"DATABASE_PATH {path}: directory {parent} is not writable")


def cmd_run(settings: Settings, sync_only: bool = False, guild: int | None = None) -> int:
    token = settings.token()
    loaded = require_pathways(settings.pathways_dir)
    prepare_database_dir(settings.database_path)
    from bot.runtime import run_bot

    return run_bot(settings, token, loaded, sync_only=sync_only, sync_guild=guild)


def cmd_health(settings: Settings) -> int:
    from bot.health import health_path, report

    problems, shards = report(health_path(settings.database_path, settings.shard_ids))
    runs = f" ({shards})" if shards else ""
    if problems:
        print(f"unhealthy{runs}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"healthy{runs}")
    return 0


def cmd_migrate_db(source: Path, url: str) -> int:
    import asyncio

    from bot.store.postgres.copy import copy_database
    from bot.store.store import is_postgres_url

    if not is_postgres_url(url):
        raise ConfigError(f"--to must be a postgresql:// URL, not {url.split(':', 1)[0]!r}")
    report = asyncio.run(copy_database(source, url))
    for table, count in report.counts.items():
        print(f"{table}: {count} rows")
    print(
        f"copied {report.rows} rows from {report.source} to {report.target};"
        " every table's count matches",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return cmd_validate(_pathways_dir(args.dir))
        if args.command == "preview":
            return cmd_preview(args)
        if args.command == "demo":
            return cmd_demo(args)
        settings = load_settings()
        for warning in misspelt_environment(os.environ):
            print(f"pathway-bot: warning: {warning}", file=sys.stderr)
        if args.command == "health":
            return cmd_health(settings)
        if args.command == "migrate-db":
            return cmd_migrate_db(args.source or settings.database_path, args.to)
        if args.command == "sync":
            return cmd_run(settings, sync_only=True, guild=args.guild)
        return cmd_run(settings)
    except ConfigError as exc:
        print(f"pathway-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
