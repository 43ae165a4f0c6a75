"""The `mockrefund` command.

    mockrefund serve [--host H] [--port P] [--db PATH|URL] [--workers N] [--fixtures PATH] [--reset]
    mockrefund fixtures check PATH
    mockrefund sandbox create [--url URL] [--fixtures NAME] [--seed N] [--format text|export|json]
    mockrefund sandbox delete [--url URL] ID
    mockrefund tail [--url URL] [--sandbox ID | --all] [--json] [--platform P] [--method M] ...

Flags win over `MOCKREFUND_*` environment variables, which win over the defaults.
Problems (a bad setting, a bad fixture, a port in use) are said in one line each,
with what to do, and exit with status 2.
"""

import argparse
import contextlib
import errno
import json
import os
import shlex
import socket
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from mockrefund import __version__

if TYPE_CHECKING:  # imported when used, so that the command starts fast
    from mockrefund.config import Settings
    from mockrefund.runtime import Runtime


class UsageProblem(Exception):
    """Something the user can fix; printed as one line, no traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except UsageProblem as problem:
        for line in str(problem).splitlines():
            print(f"mockrefund: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


class _Parser(argparse.ArgumentParser):
    """A parser whose help may end with text built only when the help is shown (the
    settings' table needs the settings model, which other commands need not load)."""

    late_epilog: Callable[[], str] | None = None

    def format_help(self) -> str:
        text = super().format_help()
        return text if self.late_epilog is None else f"{text}\n{self.late_epilog()}"


def _settings_help() -> str:
    """Every setting, its environment variable and default, from the settings model."""
    from mockrefund.config import Settings

    lines = [
        "settings (each also read from its environment variable; a flag above wins):",
    ]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "none" if default in (None, "") else json.dumps(default, default=str)
        lines.append(f"  MOCKREFUND_{name.upper()}  (default {shown})")
        lines += [f"      {line}" for line in textwrap.wrap(field.description or "", 76)]
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mockrefund",
        description="Sandbox server for the refund APIs of Kakaclo, SHOPLINE and WooCommerce.",
    )
    parser.add_argument("--version", action="version", version=f"mockrefund {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    serve = commands.add_parser(
        "serve", help="run the mock server", formatter_class=argparse.RawDescriptionHelpFormatter
    )
    serve.late_epilog = _settings_help
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument(
        "--db",
        metavar="PATH|URL",
        help="SQLite file (default mockrefund.db), ':memory:' for none, or a database URL "
        "such as postgresql://USER:PASSWORD@HOST:5432/DATABASE",
    )
    serve.add_argument("--database-url", metavar="URL", help="the same as --db")
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="server processes on the one port, sharing the database (default 1)",
    )
    serve.add_argument("--fixtures", help="fixture file or folder (default: fixtures/default)")
    serve.add_argument(
        "--reset", action="store_true", default=None, help="drop the data and seed again"
    )
    serve.add_argument("--seed", type=int, help="seed for random choices (default 0)")
    serve.add_argument("--settle-delay", help="'realistic', SECONDS or MIN-MAX (mock seconds)")
    serve.add_argument("--clock-scale", type=float, help="mock seconds per wall second")
    serve.add_argument("--log-level", help="critical, error, warning, info, debug or trace")
    serve.add_argument(
        "--log-format", help="text (default), or json: one object a line, for log shippers"
    )
    serve.set_defaults(run=_serve)

    fixtures = commands.add_parser("fixtures", help="work with fixture files")
    fixture_commands = fixtures.add_subparsers(title="commands", metavar="COMMAND")
    check = fixture_commands.add_parser("check", help="validate a fixture file or folder")
    check.add_argument("path", type=Path)
    check.set_defaults(run=_check_fixtures)

    sandbox = commands.add_parser("sandbox", help="make or remove a sandbox on a running server")
    sandbox_commands = sandbox.add_subparsers(title="commands", metavar="COMMAND")
    url_help = "the server, e.g. http://127.0.0.1:8000 (default: $MOCKREFUND_URL)"
    create = sandbox_commands.add_parser(
        "create", help="create a sandbox; print its id, base URLs and credentials"
    )
    create.add_argument("--url", help=url_help)
    source = create.add_mutually_exclusive_group()
    source.add_argument("--fixtures", default="default", help="fixture set by name")
    source.add_argument(
        "--fixtures-file",
        type=Path,
        metavar="PATH",
        help="a JSON file in the fixture format, sent as the sandbox's own fixtures",
    )
    create.add_argument("--seed", type=int, help="seed for settle delays")
    create.add_argument(
        "--clock-at", metavar="TIME", help="where the clock starts, e.g. 2025-01-01T00:00:00Z"
    )
    create.add_argument("--clock-scale", type=float, help="mock seconds per wall second")
    create.add_argument(
        "--frozen", action="store_true", help="start with the clock frozen (advance it by hand)"
    )
    create.add_argument(
        "--format",
        choices=("text", "export", "json"),
        default="text",
        help="text (default), export (shell lines for eval) or json",
    )
    create.set_defaults(run=_create_sandbox)
    listing = sandbox_commands.add_parser("list", help="list the sandboxes of a server")
    listing.add_argument("--url", help=url_help)
    listing.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    listing.set_defaults(run=_list_sandboxes)
    delete = sandbox_commands.add_parser("delete", help="delete a sandbox")
    delete.add_argument("--url", help=url_help)
    delete.add_argument("id", help="the sandbox's id")
    delete.set_defaults(run=_delete_sandbox)

    tail = commands.add_parser(
        "tail", help="print each request to a sandbox as it happens, one line per request"
    )
    tail.add_argument("--url", help=url_help)
    which = tail.add_mutually_exclusive_group()
    which.add_argument("--sandbox", metavar="ID", help="the sandbox (default: the default one)")
    which.add_argument(
        "--all", action="store_true", help="every sandbox of the server (each line names it)"
    )
    tail.add_argument("--json", action="store_true", help="each journal entry as one line of JSON")
    tail.add_argument("--platform", help="only this platform's requests")
    tail.add_argument("--method", help="only this method")
    tail.add_argument("--path", metavar="REGEX", help="only paths this expression is found in")
    tail.add_argument("--status", type=int, help="only answers with this status")
    tail.set_defaults(run=_tail)
    return parser


def _settings(args: argparse.Namespace) -> "Settings":
    from mockrefund.config import Settings

    names = (
        "host", "port", "fixtures", "reset", "seed", "settle_delay", "clock_scale",
        "log_level", "log_format", "workers",
    )  # fmt: skip
    overrides = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    database = _database_flag(args)
    if database is not None:
        # A flag wins over both variables, MOCKREFUND_DATABASE_URL included.
        overrides |= {"db": database, "database_url": None}
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise UsageProblem(
            "\n".join(
                f"setting {'.'.join(map(str, e['loc']))} (flag or MOCKREFUND_"
                f"{str(e['loc'][0]).upper()}): {e['msg']}"
                for e in error.errors()
            )
        ) from None


def _database_flag(args: argparse.Namespace) -> str | None:
    given = {value for value in (args.db, args.database_url) if value is not None}
    if len(given) > 1:
        raise UsageProblem("--db and --database-url are the same setting; give one of them")
    return given.pop() if given else None


def _serve(args: argparse.Namespace) -> int:
    from mockrefund.serving import counted_in

    settings = _settings(args)
    with counted_in(settings.workers):
        return _serve_with(settings)


def _serve_with(settings: "Settings") -> int:
    import logging.config

    import uvicorn

    from mockrefund.app import create_app
    from mockrefund.config import is_in_memory, shown_url
    from mockrefund.logs import log_config
    from mockrefund.serving import APP_FACTORY, hand_to_workers

    url = settings.sqlalchemy_url()
    if settings.workers > 1 and is_in_memory(url):
        raise UsageProblem(
            f"--workers {settings.workers} needs a database the workers share: each process "
            "would have its own ':memory:'; give a SQLite file or a PostgreSQL URL with --db"
        )
    _check_port_free(settings.host, settings.port)
    # From here on the server speaks through its log, in the chosen format (uvicorn
    # applies the same configuration again, in the server and in each worker).
    logging.config.dictConfig(log_config(settings))
    say = logging.getLogger("mockrefund")
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.admin_token:
        say.warning(
            "listening on %s, beyond this machine, with no admin token: anyone who can "
            "reach it can read and change every sandbox; set MOCKREFUND_ADMIN_TOKEN",
            settings.host,
        )

    # Schema, templates and the default sandbox are made here, once, before anything
    # listens: a database that cannot be used is one line, not a worker's traceback.
    runtime = _started_runtime(settings)
    workers = f"{settings.workers} workers, " if settings.workers > 1 else ""
    say.info(
        "mockrefund %s on http://%s:%s (%sdata: %s, fixtures: %s)",
        __version__, settings.host, settings.port, workers, shown_url(url), settings.fixtures,
    )  # fmt: skip
    served: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": log_config(settings),
        # The app logs each request itself (`web.observe`), with more than uvicorn knows.
        "access_log": False,
    }
    if settings.workers == 1:
        uvicorn.run(create_app(runtime=runtime, owns_process=True), **served)
    else:
        # Each worker opens the database itself (and starts its own runtime, which finds
        # everything made); the parent only supervises them.
        runtime.close()
        hand_to_workers(settings)
        uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **served)
    return 0


def _started_runtime(settings: "Settings") -> "Runtime":
    """The runtime, started: schema, templates and the default sandbox made if missing.
    The fixtures are parsed only to seed a template the database does not hold yet."""
    from mockrefund.database_problems import PROBLEMS, explain
    from mockrefund.fixtures import FixtureError
    from mockrefund.runtime import Runtime, SchemaMismatch

    url = settings.sqlalchemy_url()
    runtime = None
    try:
        runtime = Runtime(settings)
        runtime.start()
    except FixtureError as error:
        if runtime is not None:
            runtime.close()
        raise UsageProblem(f"{error}\n(fix the fixtures, or point --fixtures elsewhere)") from None
    except SchemaMismatch as error:
        raise UsageProblem(str(error)) from None
    except PROBLEMS as error:
        if runtime is not None:
            # Best effort: the command is about to stop, and the problem to report is
            # the one that stopped it.
            with contextlib.suppress(Exception):
                runtime.close()
        problem = explain(error, url)
        if problem is None:
            raise
        raise UsageProblem(problem) from None
    return runtime


def _check_port_free(host: str, port: int) -> None:
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageProblem(
                    f"port {port} on {host} is in use; choose another with --port "
                    "or MOCKREFUND_PORT"
                ) from None
            raise UsageProblem(f"cannot listen on {host}:{port}: {error.strerror}") from None


def _check_fixtures(args: argparse.Namespace) -> int:
    from mockrefund.fixtures import FixtureError
    from mockrefund.fixtures.load import fixture_parts

    stores = orders = 0
    try:
        for part in fixture_parts(args.path):  # a store at a time: big sets fit in memory
            stores += 1
            orders += sum(1 for _ in part.orders)
    except FixtureError as error:
        raise UsageProblem(str(error)) from None
    print(f"{args.path}: ok ({_count(stores, 'store')}, {_count(orders, 'order')})")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _server_url(args: argparse.Namespace) -> str:
    url: str | None = args.url or os.environ.get("MOCKREFUND_URL")
    if not url:
        raise UsageProblem("say which server: --url http://HOST:PORT (or MOCKREFUND_URL)")
    if not url.startswith(("http://", "https://")):
        raise UsageProblem(f"--url {url!r} is not an http:// or https:// URL")
    return url


def _admin_problem(url: str, error: Any) -> UsageProblem:
    if error.status is None:
        return UsageProblem(
            f"no mockrefund server answers at {url}; start one with `mockrefund serve`"
        )
    return UsageProblem(f"the server at {url} answered {error.status}: {error.message}")


def _create_sandbox(args: argparse.Namespace) -> int:
    from mockrefund.client import MockrefundError, Server

    url = _server_url(args)
    fixtures: str | dict[str, Any] = args.fixtures
    if args.fixtures_file is not None:
        fixtures = _fixtures_file(args.fixtures_file)
    clock = {"at": args.clock_at, "scale": args.clock_scale, "frozen": args.frozen or None}
    with Server(url) as server:
        try:
            sandbox = server.create_sandbox(
                fixtures=fixtures,
                seed=args.seed,
                clock={name: value for name, value in clock.items() if value is not None},
            )
        except MockrefundError as error:
            raise _admin_problem(url, error) from None
    if args.format == "json":
        print(json.dumps(sandbox.description, indent=2))
    elif args.format == "export":
        print(_export_lines(sandbox))
    else:
        print(_text(sandbox))
    return 0


def _fixtures_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageProblem(f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UsageProblem(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise UsageProblem(f"{path}: fixtures are a JSON object")
    return data


def _list_sandboxes(args: argparse.Namespace) -> int:
    from mockrefund.client import MockrefundError, Server

    url = _server_url(args)
    with Server(url) as server:
        try:
            found = server.sandboxes()
        except MockrefundError as error:
            raise _admin_problem(url, error) from None
    if args.format == "json":
        print(json.dumps([sandbox.description for sandbox in found], indent=2))
        return 0
    rows = [["id", "fixtures", "created", "last used"]]
    for sandbox in found:
        description = sandbox.description
        rows.append(
            [sandbox.id, str(description["fixtures"]), str(description["created_at"]),
             str(description["last_used_at"] or "-")]
        )  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _export_lines(sandbox: Any) -> str:
    values = {"SANDBOX": sandbox.id, "ADMIN_URL": sandbox.admin_url}
    for platform, secrets in (
        ("kakaclo", {"TOKEN": "key"}),
        ("shopline", {"TOKEN": "key"}),
        ("woocommerce", {"KEY": "key", "SECRET": "secret"}),
    ):
        name = platform.upper()
        values[f"{name}_BASE_URL"] = sandbox.base_url(platform)
        credentials = sandbox.credentials(platform)
        # A platform without credentials (inline fixtures) gets no token lines, so a script
        # that needs one fails on the missing variable rather than on a wrong value.
        for suffix, field in secrets.items():
            if credentials and credentials[0].get(field) is not None:
                values[f"{name}_{suffix}"] = str(credentials[0][field])
    return "\n".join(
        f"export MOCKREFUND_{name}={shlex.quote(value)}" for name, value in values.items()
    )


def _text(sandbox: Any) -> str:
    lines = [f"sandbox      {sandbox.id}", f"admin        {sandbox.admin_url}"]
    lines += [f"{platform:<12} {url}" for platform, url in sandbox.base_urls.items()]
    rows = [["platform", "store", "key", "secret", "permissions"]]
    rows += [
        [str(c["platform"]), str(c["store"]), str(c["key"]), str(c["secret"] or "-"),
         str(c["permissions"])]
        for c in sandbox.credentials()
    ]  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines.append("credentials")
    lines += [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def _delete_sandbox(args: argparse.Namespace) -> int:
    from mockrefund.client import MockrefundError, Server

    url = _server_url(args)
    with Server(url) as server:
        try:
            server.sandbox(args.id).delete()
        except MockrefundError as error:
            raise _admin_problem(url, error) from None
    print(f"deleted {args.id}")
    return 0


def _tail(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from mockrefund.tail import SandboxGone, TailProblem, follow, line

    url = _server_url(args).rstrip("/")
    if args.all:
        stream, subject = f"{url}/__admin/requests/stream/all", "every sandbox"
    elif args.sandbox:
        stream = f"{url}/__admin/sandboxes/{quote(args.sandbox, safe='')}/requests/stream"
        subject = f"sandbox {args.sandbox}"
    else:
        stream, subject = f"{url}/__admin/requests/stream", "the default sandbox"
    token = os.environ.get("MOCKREFUND_ADMIN_TOKEN")
    headers = {"X-Mockrefund-Admin-Token": token} if token else {}
    filters = {name: getattr(args, name) for name in ("platform", "method", "path", "status")}

    def connected(again: bool) -> None:
        what = "reconnected to" if again else "following"
        print(
            f"mockrefund: {what} {subject} at {url} (Ctrl-C to stop)", file=sys.stderr, flush=True
        )

    params = {name: value for name, value in filters.items() if value is not None}
    try:
        for entry in follow(stream, headers, params, on_connect=connected):
            print(json.dumps(entry) if args.json else line(entry), flush=True)
    except TailProblem as problem:
        raise UsageProblem(str(problem)) from None
    except SandboxGone:
        print(f"mockrefund: {subject} was deleted", file=sys.stderr)
    return 0
