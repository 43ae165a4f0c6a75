"""The read cache: reads are kept while nothing is written, and never outlive a write,
whoever makes it: this server, or another connection or process on the same file."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from mockrefund.db import Database
from mockrefund.readcache import MAX_ENTRIES
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import SEED_ITEMS, Kakaclo


def counting_loader() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    return calls, load


def test_a_value_is_read_once_while_nothing_is_written(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cache.db'}")
    db.create_schema()
    calls, load = counting_loader()
    assert [db.cache.get("key", load) for _ in range(3)] == [1, 1, 1]
    assert len(calls) == 1
    db.dispose()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_write_of_this_server_drops_what_was_read(tmp_path: Path, where: str) -> None:
    # An in-memory database has one connection, which never sees its own commits in
    # `data_version`: the server's own count of commits covers it.
    url = f"sqlite:///{tmp_path / 'cache.db'}" if where == "file" else "sqlite://"
    db = Database(url)
    db.create_schema()
    _calls, load = counting_loader()
    db.cache.get("key", load)
    with db.write():
        pass
    assert db.cache.get("key", load) == 2
    db.dispose()


def test_a_commit_of_another_connection_drops_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    _calls, load = counting_loader()
    db.cache.get("key", load)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE elsewhere (x INTEGER)")
    other.close()
    assert db.cache.get("key", load) == 2
    db.dispose()


def test_the_api_shows_a_change_made_by_another_process_on_the_file(tmp_path: Path) -> None:
    """A second server (or any tool) writing the same SQLite file is seen at once."""
    path = tmp_path / "shared.db"
    with TestClient(create_app(make_settings(db=str(path)))) as client:
        kakaclo = Kakaclo(client)
        assert kakaclo.refund("10001", SEED_ITEMS).json()["data"] == 10002
        first = kakaclo.query("10001").json()["data"]["list"][0]
        assert first["refundStatus"] == "pending_review"
        assert kakaclo.query("10001").json()["data"]["list"][0] == first  # from the cache
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("UPDATE refund SET status = 'failed', outcome = 'failed'")
        other.close()
        assert kakaclo.query("10001").json()["data"]["list"][0]["refundStatus"] == "refund_failed"


def test_the_setting_turns_it_off(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cache.db'}", read_cache=False)
    db.create_schema()
    _calls, load = counting_loader()
    assert [db.cache.get("key", load) for _ in range(3)] == [1, 2, 3]
    db.dispose()


def test_it_holds_a_bounded_number_of_entries_and_drops_the_oldest(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cache.db'}")
    db.create_schema()
    loads: list[int] = []

    def loader(number: int) -> Callable[[], int]:
        def load() -> int:
            loads.append(number)
            return number

        return load

    for number in range(MAX_ENTRIES + 1):
        db.cache.get(number, loader(number))
    assert db.cache.get(MAX_ENTRIES, loader(MAX_ENTRIES)) == MAX_ENTRIES  # kept
    assert len(loads) == MAX_ENTRIES + 1
    db.cache.get(0, loader(0))  # the oldest went: read again
    assert loads[-1] == 0
    db.dispose()
