"""One tenant's big job does not hold up another's requests: a sandbox made from
thousands of inline orders is seeded apart and moved in short steps, and meanwhile
another sandbox's refunds and reads are answered, all before the big job ends; and a
write that waits for the database holds up no read."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS

BIG = 3_000  # orders: seconds of seeding


def big_fixtures() -> dict[str, Any]:
    orders = [
        {
            "id": str(100_000 + n),
            "created_at": "2025-01-01T00:00:00Z",
            "items": [{"id": "1", "quantity": 2, "price": "5.00"}],
        }
        for n in range(BIG)
    ]
    store = {"platform": "kakaclo", "handle": "big", "credentials": [{"key": "big"}]}
    return {"stores": [{**store, "orders": orders}]}


@pytest.fixture(params=["memory", "file"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    db = ":memory:" if request.param == "memory" else str(tmp_path / "stalls.db")
    with TestClient(create_app(make_settings(db=db))) as client:
        yield client


def test_another_sandbox_is_answered_while_a_big_one_is_made(client: TestClient) -> None:
    other = client.post("/__admin/sandboxes").json()["id"]
    fixtures = big_fixtures()
    made: dict[str, Any] = {}

    def make_big() -> None:
        made["response"] = client.post("/__admin/sandboxes", json={"fixtures": fixtures})
        made["at"] = time.monotonic()

    big = threading.Thread(target=make_big)
    big.start()
    answered = []
    refund = f"/sandboxes/{other}/openapi/v2/order/orders/10001/refund"
    query = f"/sandboxes/{other}/openapi/v2/order/orders/refund/10001"
    while big.is_alive() and len(answered) < 20:
        first = client.post(
            refund, json={"orderItems": [SEED_ITEMS["orderItems"][0]]}, headers=AUTH
        )
        second = client.get(query, headers=AUTH)
        client.post(f"/__admin/sandboxes/{other}/reset")
        answered.append((first.status_code, second.status_code, time.monotonic()))
    big.join()
    assert made["response"].status_code == 201, made["response"].text
    # Every request of the other sandbox was answered, and round after round of them
    # before the big job ended: none waited for it (had they, not even one would have).
    assert all((refunded, read) == (200, 200) for refunded, read, _ in answered), answered
    assert sum(at < made["at"] for _, _, at in answered) >= 5
    big_id = made["response"].json()["id"]
    orders = client.get(
        f"/sandboxes/{big_id}/openapi/v2/order/orders", headers={"Authorization": "Bearer big"}
    )
    assert orders.json()["data"]["total"] == BIG


def test_reads_are_answered_while_a_write_waits_for_the_database(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    # No journal: its entries are writes too, which would wait along with the refund.
    with TestClient(create_app(make_settings(db=str(db), journal_size=0))) as client:
        other = client.post("/__admin/sandboxes").json()["id"]
        query = f"/sandboxes/{other}/openapi/v2/order/orders/refund/10001"
        client.get(query, headers=AUTH)
        # Another program holds SQLite's write lock: a refund must wait for it.
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        done: dict[str, Any] = {}

        def refund() -> None:
            done["response"] = client.post(
                "/openapi/v2/order/orders/10001/refund",
                json={"orderItems": [SEED_ITEMS["orderItems"][0]]},
                headers=AUTH,
            )

        writer = threading.Thread(target=refund)
        writer.start()
        reads = [client.get(query, headers=AUTH).status_code for _ in range(10)]
        # The reads were answered while the refund still waited.
        assert writer.is_alive()
        assert reads == [200] * 10
        holder.execute("COMMIT")
        holder.close()
        writer.join()
        assert done["response"].json()["code"] == 10000


def test_another_sandbox_writes_while_a_big_one_is_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Steps of 100 rows: the reset takes over a hundred of them, each as short as the
    # other sandbox's refund, so that the refund is surely done before the reset is.
    monkeypatch.setattr("mockrefund.core.cloning.STEP_ROWS", 100)
    monkeypatch.setattr("mockrefund.runtime.DELETE_STEP_ROWS", 100)
    with TestClient(create_app(make_settings(db=str(tmp_path / "reset.db")))) as client:
        other = client.post("/__admin/sandboxes").json()["id"]
        big = client.post("/__admin/sandboxes", json={"fixtures": big_fixtures()}).json()["id"]
        big_orders = f"/sandboxes/{big}/openapi/v2/order/orders"
        big_auth = {"Authorization": "Bearer big"}
        reset: dict[str, Any] = {}

        def reset_big() -> None:
            reset["response"] = client.post(f"/__admin/sandboxes/{big}/reset")

        resetter = threading.Thread(target=reset_big)
        resetter.start()
        # Wait until the reset has begun: the big sandbox answers "busy".
        while resetter.is_alive() and client.get(big_orders, headers=big_auth).status_code != 503:
            pass
        refund = client.post(
            f"/sandboxes/{other}/openapi/v2/order/orders/10001/refund",
            json={"orderItems": [SEED_ITEMS["orderItems"][0]]},
            headers=AUTH,
        )
        # The other sandbox's refund was made while the reset still ran (had it waited
        # for the whole reset, the big sandbox would no longer be busy).
        still_busy = client.get(big_orders, headers=big_auth).status_code == 503
        resetter.join()
        assert refund.json()["code"] == 10000, refund.text
        assert still_busy
        assert reset["response"].status_code == 200, reset["response"].text
        assert client.get(big_orders, headers=big_auth).json()["data"]["total"] == BIG


def test_a_read_that_must_settle_waits_for_the_lock_on_a_thread_not_the_loop(
    tmp_path: Path,
) -> None:
    db = tmp_path / "due.db"
    with TestClient(create_app(make_settings(db=str(db), journal_size=0))) as client:
        other = client.post("/__admin/sandboxes").json()["id"]
        other_query = f"/sandboxes/{other}/openapi/v2/order/orders/refund/10001"
        made = client.post(
            "/openapi/v2/order/orders/10001/refund",
            json={"orderItems": [SEED_ITEMS["orderItems"][0]]},
            headers=AUTH,
        )
        assert made.json()["code"] == 10000
        query = "/openapi/v2/order/orders/refund/10001"
        # Another program makes the refund due (as time passing would), then holds the
        # write lock: the next read must settle it, and so wait for the lock.
        holder = sqlite3.connect(db, isolation_level=None)
        # (times are stored as milliseconds since the epoch: this is the year 2000)
        holder.execute("UPDATE refund SET settles_at = 946684800000 WHERE status = 'pending'")
        holder.execute("BEGIN IMMEDIATE")
        done: dict[str, Any] = {}

        def due_read() -> None:
            done["response"] = client.get(query, headers=AUTH)

        reader = threading.Thread(target=due_read)
        reader.start()
        others = [client.get(other_query, headers=AUTH).status_code for _ in range(10)]
        # The other sandbox's reads were answered while the due read still waited.
        assert reader.is_alive()
        assert others == [200] * 10
        holder.execute("COMMIT")
        holder.close()
        reader.join()
        [refund] = done["response"].json()["data"]["list"]
        assert refund["refundStatus"] != "pending_review", refund
