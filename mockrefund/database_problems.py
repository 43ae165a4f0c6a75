"""A database that cannot be used, said in one line: what is wrong and how to fix it.

`mockrefund serve` opens its database before it listens; when that fails (PostgreSQL down,
a database that does not exist, a SQLite file in a folder that does not exist, a driver
that is not installed), `explain` turns the exception into the line the command prints.
"""

import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    IntegrityError,
    NoSuchModuleError,
)

from mockrefund.config import URL_EXAMPLE, shown_url

FIX = "--db or MOCKREFUND_DB"
# Failures of the database or its URL; IntegrityError and DataError mean a bug in
# mockrefund rather than a database to fix, and keep their traceback.
PROBLEMS = (DatabaseError, ArgumentError, NoSuchModuleError, ModuleNotFoundError)
_POSTGRES_DRIVERS = ("psycopg", "psycopg2", "psycopg_binary")


def explain(error: BaseException, url: str) -> str | None:
    """One line about why the database at `url` cannot be used; None when `error` is not
    about the database (then it is a bug, and its traceback is worth seeing)."""
    if isinstance(error, ModuleNotFoundError):
        return _missing_driver(error, url)
    if isinstance(error, NoSuchModuleError):
        scheme = url.split("://", 1)[0]
        return (
            f"{scheme}:// is not a database mockrefund can use; give a SQLite file, "
            f"':memory:', or a URL such as {URL_EXAMPLE} ({FIX})"
        )
    if isinstance(error, ArgumentError):
        return f"{shown_url(url)} is not a database URL ({error}); fix {FIX}"
    if isinstance(error, IntegrityError | DataError) or not isinstance(error, DatabaseError):
        return None
    reason = _reason(error)
    if url.startswith("sqlite"):
        return _sqlite(reason, make_url(url).database or "")
    return _server(reason, url, connecting=_connecting(error))


def _missing_driver(error: ModuleNotFoundError, url: str) -> str | None:
    name = error.name or ""
    if name.split(".")[0] in _POSTGRES_DRIVERS:
        return (
            "PostgreSQL needs the psycopg driver, which is not installed: "
            "install mockrefund[postgres] (pip install 'mockrefund[postgres]')"
        )
    if not name or name.startswith("mockrefund"):
        return None
    backend = url.split("://", 1)[0]
    return (
        f"the driver for {backend}:// (module {name}) is not installed; mockrefund works "
        f"with SQLite and PostgreSQL ({FIX})"
    )


def _sqlite(reason: str, path: str) -> str:
    folder = Path(path).expanduser().parent
    if "unable to open database file" in reason and not folder.is_dir():
        return (
            f"cannot open the SQLite file {path}: the folder {folder} does not exist; "
            f"create it, or choose another file with {FIX}"
        )
    if "unable to open database file" in reason:
        return (
            f"cannot open the SQLite file {path}; check that its folder can be written, "
            f"or choose another file with {FIX}"
        )
    if "file is not a database" in reason:
        return f"{path} is not a SQLite database; choose another file with {FIX}"
    if "locked" in reason:
        return f"the SQLite file {path} is locked by another program; stop it, or use {FIX}"
    return f"cannot use the SQLite file {path}: {reason}; check {FIX}"


def _server(reason: str, url: str, connecting: bool) -> str:
    where = shown_url(url)
    missing = re.search(r'database "([^"]+)" does not exist', reason)
    if missing:
        return (
            f"cannot use {where}: {reason}; create it (e.g. createdb {missing.group(1)}) or "
            f"name another database in {FIX}"
        )
    if re.search(r"authentication failed|role .* does not exist|no password", reason):
        return f"{where} refused the login: {reason}; fix the user or password in {FIX}"
    if re.search(r"permission denied", reason):
        return f"{where}: {reason}; the user needs the right to create tables there"
    server = "PostgreSQL" if make_url(url).get_backend_name() == "postgresql" else "the database"
    if connecting:
        return (
            f"cannot reach {server} at {where}: {reason}; start it, or fix the host and port "
            f"in {FIX}"
        )
    return f"{server} at {where} failed while mockrefund prepared it: {reason}"


def _connecting(error: DatabaseError) -> bool:
    """Whether the error came while connecting (no server there, a name that does not
    resolve, a timeout), rather than from a statement."""
    text = str(error.orig if error.orig is not None else error).lower()
    signs = ("connection failed", "could not connect", "resolve host", "timeout expired")
    return any(sign in text for sign in signs)


def _reason(error: DatabaseError) -> str:
    """The driver's own words, on one line: psycopg's `connection to server at "h", port
    5432 failed: FATAL:  database "x" does not exist` becomes `database "x" does not exist`."""
    text = str(error.orig) if error.orig is not None else str(error)
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else "unknown error"
    first = first.rsplit(" failed: ", 1)[-1]
    first = re.sub(r"^(connection failed: |FATAL: |ERROR: )+", "", first)
    return first.rstrip(".")
