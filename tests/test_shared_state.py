"""What several servers on one database rely on, checked in one process: templates found
again by their fixtures' digest, starts and clock changes that take turns, and the
journal, faults and nonces kept as rows."""

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, col, func, select

from mockrefund.app import create_app
from mockrefund.controls import faults, nonces
from mockrefund.core import cloning, sandboxes
from mockrefund.core.models import Order, Sandbox
from mockrefund.fixtures.load import parse_fixture_data
from mockrefund.runtime import TEMPLATE_PREFIX, Runtime
from tests.conftest import DEFAULT_FIXTURES, make_settings
from tests.platforms.kakaclo.conftest import AUTH

KAKACLO_ORDERS = "/openapi/v2/order/orders"
DAY = 86400.0


def templates(runtime: Runtime) -> list[str]:
    with runtime.db.read() as session:
        found = session.execute(
            select(Sandbox.id).where(col(Sandbox.id).like(TEMPLATE_PREFIX + "%"))
        )
        return sorted(found.scalars())


def all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs on threads released together; their results, in order."""
    gate = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        gate.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.fixture
def file_runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(make_settings(db=str(tmp_path / "shared.db")))
    runtime.start()
    yield runtime
    runtime.close()


def test_a_restart_with_the_same_fixtures_reuses_their_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(db=str(tmp_path / "keep.db"))
    first = Runtime(settings)
    first.start()
    made = templates(first)
    first.close()

    def no_seeding(*_: object) -> None:
        raise AssertionError("the template was seeded again")

    monkeypatch.setattr("mockrefund.runtime.seed_parts", no_seeding)
    again = Runtime(settings)
    again.start()
    assert templates(again) == made
    again.close()


def test_edited_fixtures_make_a_new_template_and_the_old_one_goes(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES, fixtures)
    settings = make_settings(db=str(tmp_path / "edit.db"), fixtures=fixtures)
    runtime = Runtime(settings)
    runtime.start()
    (old,) = templates(runtime)
    runtime.close()

    kakaclo = fixtures / "kakaclo.json"
    kakaclo.write_text(kakaclo.read_text().replace('"id": "10001"', '"id": "19999"'))
    runtime = Runtime(settings)
    runtime.start()
    # The default sandbox was made from the old fixtures: their template stays for it.
    (new,) = set(templates(runtime)) - {old}
    assert old in templates(runtime)
    sandbox = runtime.create_sandbox()
    with runtime.db.read() as session:
        refs = set(
            session.execute(select(Order.ref).where(Order.sandbox_id == sandbox.id)).scalars()
        )
    assert "19999" in refs
    assert "10001" not in refs
    # A reset reads the fixtures again; then nothing uses the old template.
    runtime.reset("default")
    assert templates(runtime) == [new]
    runtime.close()


def test_a_sandbox_of_inline_fixtures_has_a_template_of_its_own_that_goes_with_it(
    client: TestClient,
) -> None:
    fixtures = {
        "stores": [
            {
                "platform": "kakaclo",
                "handle": "shared",
                "credentials": [{"key": "shared-token"}],
                "orders": [
                    {
                        "id": "1",
                        "created_at": "2025-01-01T00:00:00Z",
                        "items": [{"id": "1", "quantity": 1, "price": "1.00"}],
                    }
                ],
            }
        ]
    }
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    before = templates(runtime)
    a = client.post("/__admin/sandboxes", json={"fixtures": fixtures}).json()["id"]
    b = client.post("/__admin/sandboxes", json={"fixtures": fixtures}).json()["id"]
    assert set(templates(runtime)) - set(before) == {TEMPLATE_PREFIX + a, TEMPLATE_PREFIX + b}
    assert client.delete(f"/__admin/sandboxes/{a}").status_code == 204
    assert set(templates(runtime)) - set(before) == {TEMPLATE_PREFIX + b}
    headers = {"Authorization": "Bearer shared-token"}
    assert client.post(f"/__admin/sandboxes/{b}/reset").status_code == 200
    assert client.get(f"/sandboxes/{b}{KAKACLO_ORDERS}", headers=headers).status_code == 200
    assert client.delete(f"/__admin/sandboxes/{b}").status_code == 204
    assert templates(runtime) == before


def test_servers_starting_together_on_a_new_file_make_one_schema_template_and_default(
    tmp_path: Path,
) -> None:
    settings = make_settings(db=str(tmp_path / "new.db"))
    runtimes = [Runtime(settings) for _ in range(4)]
    all_at_once([runtime.start for runtime in runtimes])
    assert len(templates(runtimes[0])) == 1
    with runtimes[0].db.read() as session:
        count = session.execute(select(func.count()).select_from(Sandbox)).scalar_one()
    assert count == 2  # the template and the default sandbox
    for runtime in runtimes:
        runtime.close()


def test_concurrent_clock_advances_all_apply(file_runtime: Runtime) -> None:
    db = file_runtime.db
    sandboxes.change_clock(db, "default", lambda state, wall: state.frozen_at(wall))
    before = sandboxes.now(db, "default")
    all_at_once(
        [
            lambda: sandboxes.change_clock(
                db, "default", lambda state, wall: state.advanced(wall, DAY)
            )
            for _ in range(4)
        ]
    )
    assert (sandboxes.now(db, "default") - before).total_seconds() == 4 * DAY


def test_concurrent_sandbox_creates_get_distinct_ids_and_their_own_rows(
    file_runtime: Runtime,
) -> None:
    made = all_at_once([file_runtime.create_sandbox for _ in range(16)])
    ids = {sandbox.id for sandbox in made}
    assert len(ids) == 16
    with file_runtime.db.read() as session:
        per_sandbox = dict(
            session.execute(
                select(Order.sandbox_id, func.count())
                .where(col(Order.sandbox_id).in_(ids))
                .group_by(Order.sandbox_id)
            ).all()
        )
        in_default = session.execute(
            select(func.count()).select_from(Order).where(Order.sandbox_id == "default")
        ).scalar_one()
    assert set(per_sandbox.values()) == {in_default}


def test_the_journal_keeps_the_newest_entries_up_to_its_size() -> None:
    with TestClient(create_app(make_settings(journal_size=3))) as client:
        for page in range(1, 6):
            client.get(KAKACLO_ORDERS, params={"pageNumber": page}, headers=AUTH)
        entries = client.get("/__admin/requests").json()["requests"]
        assert [e["query"] for e in entries] == [f"pageNumber={n}" for n in (3, 4, 5)]
        ids = [e["id"] for e in entries]
        assert ids == sorted(ids)
        assert len(set(ids)) == 3
        client.delete("/__admin/requests")
        client.get(KAKACLO_ORDERS, headers=AUTH)
        (after,) = client.get("/__admin/requests").json()["requests"]
        assert after["id"] > ids[-1]


def test_a_probability_rule_draws_the_same_series_in_any_sandbox(client: TestClient) -> None:
    rule = {"platform": "kakaclo", "status": 503, "probability": 0.5, "seed": 7}
    patterns = []
    for _ in range(2):
        sandbox = client.post("/__admin/sandboxes").json()["id"]
        client.post(f"/__admin/sandboxes/{sandbox}/faults", json=rule)
        statuses = [
            client.get(f"/sandboxes/{sandbox}{KAKACLO_ORDERS}", headers=AUTH).status_code
            for _ in range(24)
        ]
        patterns.append(statuses)
    expected = [503 if faults.draw(7, n) < 0.5 else 200 for n in range(1, 25)]
    assert patterns == [expected, expected]
    assert 0 < expected.count(503) < 24


def test_a_nonce_is_used_once_until_it_expires_and_the_sweep_forgets_it(
    file_runtime: Runtime,
) -> None:
    db = file_runtime.db
    now = 1_800_000_000
    assert nonces.use(db, "default", "ck_1", "abc", now, 900, now)
    assert not nonces.use(db, "default", "ck_1", "abc", now, 900, now + 10)
    assert nonces.use(db, "default", "ck_2", "abc", now, 900, now)  # per key
    # Past the window the same nonce is new again (WooCommerce keeps 15 minutes).
    assert nonces.use(db, "default", "ck_1", "abc", now + 1000, 900, now + 1000)
    assert nonces.prune(db, 900, now + 1000) == 1  # ck_2's, from the first moment
    assert nonces.prune(db, 900, now + 3000) == 1


def test_the_sweep_keeps_at_most_the_newest_nonces_of_a_key(
    file_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nonces, "MAX_PER_KEY", 10)
    db = file_runtime.db
    now = 1_800_000_000
    for n in range(30):
        assert nonces.use(db, "default", "ck_1", f"n{n}", now + n, 900, now + n)
    assert nonces.use(db, "default", "ck_2", "other key", now, 900, now)
    assert nonces.prune(db, 900, now + 30) == 20
    # The newest ten are still refused; the oldest were forgotten; the other key kept its.
    assert not nonces.use(db, "default", "ck_1", "n29", now + 29, 900, now + 30)
    assert not nonces.use(db, "default", "ck_1", "n20", now + 20, 900, now + 30)
    assert nonces.use(db, "default", "ck_1", "n0", now, 900, now + 30)
    assert not nonces.use(db, "default", "ck_2", "other key", now, 900, now + 30)


def steps_fixtures(orders: int = 120) -> Any:
    return parse_fixture_data(
        {
            "stores": [
                {
                    "platform": "kakaclo",
                    "handle": "steps",
                    "credentials": [{"key": "steps"}],
                    "orders": [
                        {
                            "id": str(n),
                            "created_at": "2025-01-01T00:00:00Z",
                            "items": [{"id": "1", "quantity": 1, "price": "1.00"}],
                        }
                        for n in range(orders)
                    ],
                }
            ]
        },
        "inline",
    )


def count_writes(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A one-item list counting the runtime's write transactions from now on."""
    writes = [0]
    real_write = runtime.db.write

    def counted_write() -> Any:
        writes[0] += 1
        return real_write()

    monkeypatch.setattr(runtime.db, "write", counted_write)
    return writes


def rows_of(runtime: Runtime, sandbox_id: str) -> dict[str, int]:
    with runtime.db.read() as session:
        return {
            table.name: session.execute(
                select(func.count()).select_from(table).where(table.c.sandbox_id == sandbox_id)
            ).scalar_one()
            for table in SQLModel.metadata.tables.values()
            if "sandbox_id" in table.c
        }


def test_a_deleted_sandbox_goes_at_once_and_its_rows_in_small_steps(
    file_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = file_runtime.create_sandbox(steps_fixtures())
    monkeypatch.setattr("mockrefund.runtime.DELETE_STEP_ROWS", 25)
    writes = count_writes(file_runtime, monkeypatch)
    file_runtime.delete_sandbox(sandbox.id)
    # 120 orders and 120 items at 25 a step, and the rest a step each: many steps.
    assert writes[0] > 10
    with file_runtime.db.read() as session:
        for table in SQLModel.metadata.tables.values():
            if "sandbox_id" in table.c:
                owners = (sandbox.id, TEMPLATE_PREFIX + sandbox.id)
                left = session.execute(
                    select(func.count()).select_from(table).where(table.c.sandbox_id.in_(owners))
                ).scalar_one()
                assert left == 0, table.name
        assert session.get(Sandbox, sandbox.id) is None


def test_a_big_sandbox_is_copied_and_reset_in_small_steps_to_exactly_its_fixtures(
    file_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mockrefund.core.cloning.STEP_ROWS", 25)
    monkeypatch.setattr("mockrefund.runtime.DELETE_STEP_ROWS", 25)
    writes = count_writes(file_runtime, monkeypatch)
    sandbox = file_runtime.create_sandbox(steps_fixtures())
    copied = rows_of(file_runtime, sandbox.id)
    assert copied == rows_of(file_runtime, sandbox.template)
    assert copied["orders"] == copied["lineitem"] == 120
    # The sandbox's own changes: a refund, a fault rule, a journal entry, a clock move.
    with TestClient(create_app(file_runtime.settings, runtime=file_runtime)) as client:
        prefix = f"/sandboxes/{sandbox.id}"
        auth = {"Authorization": "Bearer steps"}
        refund = {"orderItems": [{"itemId": "1", "quantity": 1}]}
        answer = client.post(f"{prefix}{KAKACLO_ORDERS}/7/refund", json=refund, headers=auth)
        assert answer.json()["code"] == 10000, answer.text
        rule = {"platform": "kakaclo", "status": 500, "times": 1}
        assert client.post(f"/__admin/sandboxes/{sandbox.id}/faults", json=rule).status_code == 201
        client.post(f"/__admin/sandboxes/{sandbox.id}/clock/advance", json={"seconds": DAY})
    assert rows_of(file_runtime, sandbox.id)["refund"] == 1
    writes[0] = 0
    file_runtime.reset(sandbox.id)
    # Deleting 120 orders, 120 items and a refund, then copying 240 rows, 25 a step.
    assert writes[0] > 20
    after = rows_of(file_runtime, sandbox.id)
    assert after == copied  # the fixtures' rows, and no journal, rule or refund left
    with file_runtime.db.read() as session:
        fresh = sandboxes.get(session, sandbox.id)
        assert fresh.resetting_since is None
        assert not session.execute(select(func.count()).select_from(cloning.CloneIdMap)).scalar()
    with TestClient(create_app(file_runtime.settings, runtime=file_runtime)) as client:
        answer = client.post(f"{prefix}{KAKACLO_ORDERS}/7/refund", json=refund, headers=auth)
        assert answer.json()["code"] == 10000, answer.text
