"""The `mltip` command line: tips and search for scripts, content checks, `db upgrade` and `run`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.grammar import Search
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from bot.errors import BotError, ContentError

NO_MATCH = 3  # the exit status of `mltip tip QUERY` when no lesson is close to QUERY


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mltip", description="Career advice for ML engineers, one lesson at a time.")
    parser.add_argument("--version", action="version", version=f"mltip {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    tip = sub.add_parser("tip", help="print one lesson: random, or the closest to QUERY (exit 3 if none is close)")
    tip.add_argument("query", nargs="*", help="a question or topic")
    tip.add_argument("--json", action="store_true", help="print the lesson as a JSON object")
    search = sub.add_parser("search", help="print the lessons close to QUERY, best first (none if none is)")
    search.add_argument("query", nargs="+", help="a question or topic")
    search.add_argument("--limit", type=int, default=5, help="how many lessons (default 5)")
    search.add_argument("--json", action="store_true", help="print a JSON array of lessons")
    lessons = sub.add_parser("lessons", help="list every lesson")
    lessons.add_argument("--json", action="store_true", help="print a JSON array of lessons")
    sub.add_parser("topics", help="list the topics")
    sub.add_parser("sources", help="list who the lessons come from")
    content = sub.add_parser("content", help="work with lesson content")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate content; print file:line: message per problem")
    check.add_argument("paths", nargs="*", type=Path, help="extra content files or folders (default: configured ones)")
    sub.add_parser("run", help="serve Slack and Discord when configured, else the console")
    sub.add_parser("check-config", help="check the configuration; print what to fix")
    db = sub.add_parser("db", help="the database (MLTIP_DATABASE_URL)")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="migrate the database to the newest schema (mltip run does it too)")
    report = sub.add_parser("report", help="votes, questions nobody answers and daily posts, every workspace")
    report.add_argument("--since", type=_days, metavar="DAYS", help="only the last DAYS days (default: everything)")
    report.add_argument("--json", action="store_true", help="print a JSON object")
    discord = sub.add_parser("discord", help="Discord helpers")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    invite = discord_sub.add_parser(
        "invite-url", help="print the link that adds the bot to a server (least permissions)"
    )
    invite.add_argument(
        "--user", action="store_true", help="the link that installs /mltip for one person instead (DMs, any server)"
    )
    return parser


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days of at least 1, not {text!r}")
    return int(text)


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _content_check(settings: Settings, paths: Sequence[Path]) -> int:
    from bot.core.validation import check_content

    roots = [BUILTIN_CONTENT, *paths] if paths else settings.content_roots
    library, problems = check_content(roots)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"ok: {len(library.lessons)} lessons from {len(library.sources)} sources")
    return 0


def _config_problems(settings: Settings) -> list[str]:
    from bot.checks import check_database, run_checks

    return run_checks(settings, [check_database])


def _check_config(settings: Settings) -> int:
    problems = _config_problems(settings)
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        return 1
    from bot.core.semantic import MODEL_NAME, unavailable_reason

    platforms = [name for name, on in (("Slack", settings.has_slack), ("Discord", settings.has_discord)) if on]
    print(f"ok: {', '.join(platforms) or 'console only'}; database {settings.database_url.split('://')[0]}")
    _say_where_the_voter_key_is(settings)
    reason = unavailable_reason()
    if reason is None:
        print(f"ok: search matches keywords and meaning ({MODEL_NAME})")
    else:
        print(f"warning: search matches keywords only; the semantic ranker cannot load: {reason}")
    return 0


def _say_where_the_voter_key_is(settings: Settings) -> None:
    from bot.feedback.key import key_origin

    print(f"ok: voters' pseudonyms are keyed with {key_origin(settings)}")
    if not settings.secret_key and not settings.database_url.startswith("sqlite"):
        print(
            "warning: replicas sharing this database need the same key, or a second press counts twice: "
            "set MLTIP_SECRET_KEY on every replica"
        )


def _no_lesson(query: str, library: Library, as_json: bool) -> int:
    """`mltip tip QUERY` when no lesson is close: say so (a JSON object with --json) and exit 3."""
    from bot.core.answers import NO_LESSON, covered_topics

    if as_json:
        topics = [t.value for t in library.topic_counts()]
        _print_json({"query": query, "lesson": None, "message": NO_LESSON, "topics": topics})
    else:
        print(f"{NO_LESSON}: none of my lessons is close to “{query}”.")
        print(f"Topics: {covered_topics(library)}. See `mltip topics`, or `mltip tip` for a random lesson.")
    return NO_MATCH


def _db_upgrade(settings: Settings) -> int:
    from bot.checks import check_database

    problems = check_database(settings)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        return 1
    from bot.runner import open_store
    from bot.store import current_revision
    from bot.store.db import masked_url

    with open_store(settings) as store:
        revision = current_revision(store.engine)
    print(f"ok: the database at {masked_url(settings.database_url)} is at schema revision {revision}")
    return 0


def _report(settings: Settings, since_days: int | None, as_json: bool) -> int:
    from bot.daily.clock import utc_now
    from bot.feedback.report import build_report, report_text
    from bot.runner import open_store

    with open_store(settings) as store:
        report = build_report(store, now=utc_now(), since_days=since_days)
    if as_json:
        _print_json(report)
    else:
        print(report_text(report, load_library(settings.content_roots, cache_dir=settings.cache_dir), since_days))
    return 0


def _discord_invite(settings: Settings, *, user: bool) -> int:
    from bot.adapters.discord.invite import application_id_from_token, invite_url, user_install_url

    application_id = application_id_from_token(settings.discord_token or "")
    if application_id is None:
        print("mltip: set DISCORD_TOKEN to your bot's token (Developer Portal > Bot) first", file=sys.stderr)
        return 2
    print(user_install_url(application_id) if user else invite_url(application_id))
    return 0


def _run(settings: Settings, library: Library) -> int:
    problems = _config_problems(settings)
    if problems:
        print("mltip: refusing to start:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    from bot.runner import run  # the chat adapters load only when the bot is served

    return run(settings, library)


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "content":
        return _content_check(settings, args.paths)
    if args.command == "check-config":
        return _check_config(settings)
    if args.command == "discord":
        return _discord_invite(settings, user=args.user)
    if args.command == "db":
        return _db_upgrade(settings)
    if args.command == "report":
        return _report(settings, args.since, args.json)
    library = load_library(settings.content_roots, cache_dir=settings.cache_dir)
    engine = CommandEngine(library, cache_dir=settings.cache_dir)
    from bot.adapters.console import render_text

    if args.command == "tip":
        query = " ".join(args.query)
        reply = engine.handle(Search(query=query)) if query else engine.run("")
        if reply.lesson is None:
            return _no_lesson(query, library, args.json)
        if args.json:
            _print_json(reply.lesson.to_dict())
        else:
            print(render_text(reply))
        return 0
    if args.command == "search":
        found = engine.best(" ".join(args.query), limit=max(args.limit, 0))
        if args.json:
            _print_json([lesson.to_dict() for lesson in found])
        elif not found:
            print("I don't have a lesson on that; see `mltip topics`.")
        for n, lesson in enumerate([] if args.json else found, start=1):
            print(f"{n}. {lesson.title} — {lesson.source.speaker}  [{lesson.id}]")
        return 0
    if args.command == "lessons":
        if args.json:
            _print_json([lesson.to_dict() for lesson in library.lessons])
        for lesson in [] if args.json else library.lessons:
            print(f"{lesson.id:55} {lesson.title}")
        return 0
    if args.command in ("topics", "sources"):
        print(render_text(engine.run(args.command)))
        return 0
    return _run(settings, library)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mltip` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args, Settings.from_env())
    except ContentError as exc:
        print(f"mltip: refusing to start on invalid content:\n{exc}", file=sys.stderr)
        return 1
    except BotError as exc:
        print(f"mltip: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
