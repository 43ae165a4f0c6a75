"""Processes come and go on a shared database: two started at the same moment on a new
one both come up; one restarted while the other makes sandboxes comes back, and the other
never fails a call meanwhile; one killed with SIGKILL under a write load loses nothing it
acknowledged."""

import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.replicas.apis import (
    Admin,
    Kakaclo,
    Sandbox,
    create_sandbox,
    describe,
    expect,
    get_signed,
    signed_url,
)
from tests.replicas.orders import (
    PLATFORMS,
    add_large_orders,
    granted_id,
    listed_ids,
    refund_one_unit,
)
from tests.replicas.servers import NewDatabase, Pair, Server

pytestmark = pytest.mark.e2e
CREATES_EACH_SIDE = 5  # sandboxes made before the kill and after the restart
ACKNOWLEDGED = 60  # refunds answered with success before the kill
CLIENTS_PER_SERVER = 4
PROGRESS_TIMEOUT = 60.0


def test_two_started_together_on_a_new_database_both_come_up(
    backend: str, new_database: NewDatabase, logs: Path
) -> None:
    pair = Pair(new_database(backend), logs, names=("new-A", "new-B"))
    pair.start()  # both launched before either is waited for
    try:
        for server in pair.servers:
            answer = expect(server.http.get("/__admin/sandboxes"), 200).json()
            assert [s["id"] for s in answer] == ["default"], server
        sandbox = create_sandbox(pair.a)
        kakaclo = Kakaclo(sandbox)
        created = expect(kakaclo.refund(pair.b, "10001", {}), 200)
        assert created.json() == {"code": 10000, "message": "ok", "data": 10002}
        assert [r["refundNo"] for r in kakaclo.refunds(pair.a, "10001")] == ["10002"]
    finally:
        pair.close()


class SandboxChurn:
    """Makes a sandbox through one server and deletes it, again and again, in a thread of
    its own, until stopped; keeps a line for every answer that was not the expected one."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.rounds = 0
        self.problems: list[str] = []
        self._stopping = threading.Event()
        self._progress = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "SandboxChurn":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=PROGRESS_TIMEOUT)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                created = self.server.http.post("/__admin/sandboxes")
                if created.status_code == 201:
                    deleted = self.server.http.delete(f"/__admin/sandboxes/{created.json()['id']}")
                    if deleted.status_code != 204:
                        self.problems.append(describe(deleted))
                else:
                    self.problems.append(describe(created))
            except httpx.HTTPError as error:
                self.problems.append(f"{type(error).__name__}: {error}")
            with self._progress:
                self.rounds += 1
                self._progress.notify_all()

    def wait_for(self, rounds: int) -> None:
        with self._progress:
            done = self._progress.wait_for(lambda: self.rounds >= rounds, PROGRESS_TIMEOUT)
        assert done, f"only {self.rounds} rounds; problems: {self.problems}"


def test_restarted_while_the_other_makes_sandboxes(pair: Pair, sandbox: Sandbox) -> None:
    maker, restarted = pair.servers
    # State set through the server about to die: the database keeps it, not the process.
    admin = Admin(sandbox)
    rule = admin.add_fault(restarted, platform="kakaclo", status=503, times=1)
    admin.switch_rate_limits(restarted, shopline=True)
    used = signed_url(sandbox, "/orders/645")
    expect(get_signed(restarted, used), 200)

    with SandboxChurn(maker) as churn:
        churn.wait_for(CREATES_EACH_SIDE)
        restarted.kill()
        restarted.start()  # on the same port and database
        churn.wait_for(churn.rounds + CREATES_EACH_SIDE)
    assert churn.problems == []
    assert churn.rounds >= 2 * CREATES_EACH_SIDE

    # The restarted server is whole again: it sees what the other makes...
    made = create_sandbox(maker)
    expect(restarted.http.get(made.admin), 200)
    expect(restarted.http.delete(made.admin), 204)
    # ... and what it was told before it died.
    assert admin.faults(restarted) == [rule]
    assert admin.rate_limits(restarted) == {"kakaclo": False, "shopline": True}
    expect(get_signed(restarted, used), 401)
    assert expect(Kakaclo(sandbox).orders(restarted, ids="10001"), 503).json()["data"] is None


class RefundLoad:
    """Refunds of one unit through both servers at once, every client going through the
    platforms in turn; the victim is sent SIGKILL once ACKNOWLEDGED have succeeded, each
    server's among them, while the other clients' requests are in flight."""

    def __init__(self, pair: Pair, sandbox: Sandbox, victim: Server) -> None:
        self.pair, self.sandbox, self.victim = pair, sandbox, victim
        self.granted: list[tuple[str, str, str]] = []  # (server, platform, refund id)
        self._lock = threading.Lock()
        self._killed = False

    def _client(self, server: Server, first: int) -> None:
        turn = first
        while self.victim.alive:
            platform = PLATFORMS[turn % len(PLATFORMS)]
            turn += 1
            try:
                answer = refund_one_unit(platform, self.sandbox, server)
            except httpx.TransportError:
                assert server is self.victim, f"{server.name} failed a call"
                return  # killed with this request in flight, or before it left
            refund_id = granted_id(platform, answer)
            assert refund_id is not None, describe(answer)
            with self._lock:
                self.granted.append((server.name, platform, refund_id))
                # Killed once both servers have written (on one SQLite file, one of them
                # may wait a while for its first turn at the lock) and enough are in.
                writers = {name for name, _, _ in self.granted}
                if not self._killed and len(self.granted) >= ACKNOWLEDGED and len(writers) == 2:
                    self._killed = True
                    assert self.victim.process is not None
                    self.victim.process.send_signal(signal.SIGKILL)

    def run(self) -> None:
        clients: list[Callable[[], None]] = [
            lambda s=s, n=n: self._client(s, n)
            for s in self.pair.servers
            for n in range(CLIENTS_PER_SERVER)
        ]
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            for done in [pool.submit(client) for client in clients]:
                done.result()  # a client's failed assertion fails the test
        self.victim.kill()  # reaps it; it is dead already

    def acknowledged(self, platform: str) -> set[str]:
        ids = [refund_id for _, p, refund_id in self.granted if p == platform]
        assert len(set(ids)) == len(ids), f"{platform}: an id given twice: {sorted(ids)}"
        return set(ids)


def test_kill_9_under_write_load_loses_nothing_acknowledged(pair: Pair, sandbox: Sandbox) -> None:
    survivor, victim = pair.servers
    add_large_orders(sandbox, survivor)
    load = RefundLoad(pair, sandbox, victim)
    try:
        load.run()
        assert len(load.granted) >= ACKNOWLEDGED
        assert {name for name, _, _ in load.granted} == {survivor.name, victim.name}
        for platform in PLATFORMS:
            acknowledged = load.acknowledged(platform)
            assert acknowledged <= listed_ids(platform, sandbox, survivor), platform
        # The survivor goes on writing: nothing the dead process held is in its way.
        for platform in PLATFORMS:
            answer = refund_one_unit(platform, sandbox, survivor)
            assert granted_id(platform, answer) is not None, describe(answer)
    finally:
        victim.start()  # the pair is the session's: later tests need both
    for platform in PLATFORMS:
        assert load.acknowledged(platform) <= listed_ids(platform, sandbox, victim), platform
    # Each answer left after its journal entry was written: the entries are there too,
    # besides those of requests in flight at the kill (written, never answered).
    admin = Admin(sandbox)
    recorded = sum(admin.journal_count(survivor, method="POST", status=s) for s in (200, 201))
    in_flight = CLIENTS_PER_SERVER
    assert len(load.granted) + len(PLATFORMS) <= recorded
    assert recorded <= len(load.granted) + len(PLATFORMS) + in_flight
