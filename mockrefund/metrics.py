"""The server's figures in Prometheus' text format (`GET /__admin/metrics`).

Two kinds, each counted where it is true for every server at once:

- What the server *holds* (sandboxes, journal entries, refunds by platform and status)
  lives in the database, which every worker and replica shares: it is read there when
  scraped, with three aggregate queries, so any server answers the same figures.
- What a server *did* (requests, their status and latency) is counted in the process
  that answered: a counter and a histogram per request, nothing more on the hot path.
  Under `serve --workers N` the workers keep their counts in files of a folder that the
  parent made for this run (prometheus_client's multiprocess mode, chosen by
  `PROMETHEUS_MULTIPROC_DIR`), and a scrape of any worker adds up all of them: one
  target per server. Replicas are separate servers, each its own target.
"""

import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from mockrefund.controls.tables import JournalEntry
from mockrefund.core.models import Order, Refund, RefundStatus, Sandbox, Store
from mockrefund.core.sandboxes import TEMPLATE_PREFIX
from mockrefund.db import Database
from mockrefund.fixtures.schema import PLATFORMS
from mockrefund.serving import MULTIPROCESS_VARIABLE

# Any other method a client sends is counted as OTHER: label values stay few.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds. Most answers take a millisecond or a few; faults add latency by the second.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_directory() -> str | None:
    """The folder the workers share their counts in, when this process counts there.

    prometheus_client chooses between counting in memory and in that folder once, when
    it is first imported; the folder is taken only if it did choose the folder."""
    if values.ValueClass is values.MutexValue:
        return None
    return os.environ.get(MULTIPROCESS_VARIABLE)


class Metrics:
    """An app's figures: its per-request counts, and the database's when scraped."""

    def __init__(self, db: Database) -> None:
        self.directory = multiprocess_directory()
        # In memory, each app counts alone (tests build many apps in one process); in
        # the workers' folder, the counts are read back from the files at scrape time.
        own = CollectorRegistry() if self.directory is None else None
        self.registry = own
        labels = ("platform", "route", "method")
        self.requests = Counter(
            "mockrefund_requests",
            "Requests answered, by platform, route template, method and status.",
            (*labels, "status"),
            registry=own,
        )
        self.durations = Histogram(
            "mockrefund_request_duration_seconds",
            "Time from a request's arrival to its answer's last byte, in seconds.",
            labels,
            buckets=BUCKETS,
            registry=own,
        )
        self.held = HeldFigures(db)
        if own is not None:
            own.register(self.held)
        # Each label set's counter and histogram, found once (the label sets are few).
        self._children: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, platform: str, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request (cheap: a dictionary look-up, two increments)."""
        if method not in METHODS:
            method = "OTHER"
        key = (platform, route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(platform, route, method, str(status)),
                self.durations.labels(platform, route, method),
            )
        counter, histogram = children
        counter.inc()
        histogram.observe(seconds)

    def exposition(self) -> bytes:
        """Every figure in Prometheus' text format. Reads the database: call it off the
        event loop."""
        if self.registry is not None:
            return generate_latest(self.registry)
        assert self.directory is not None
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        registry.register(self.held)
        return generate_latest(registry)


class HeldFigures(Collector):
    """What the database holds, read when scraped; the same from every server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        visible = col(Sandbox.id).not_like(TEMPLATE_PREFIX + "%")
        with self.db.read() as session:
            sandboxes = session.execute(
                select(func.count()).select_from(Sandbox).where(visible)
            ).scalar_one()
            entries = session.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
            refunds = session.execute(
                select(col(Store.platform), col(Refund.status), func.count())
                .select_from(Refund)
                .join(Order, col(Order.id) == col(Refund.order_id))
                .join(Store, col(Store.id) == col(Order.store_id))
                .where(col(Refund.sandbox_id).not_like(TEMPLATE_PREFIX + "%"))
                .group_by(col(Store.platform), col(Refund.status))
            ).all()
        yield GaugeMetricFamily(
            "mockrefund_sandboxes",
            "Sandboxes on the server, the default one included.",
            value=sandboxes,
        )
        yield GaugeMetricFamily(
            "mockrefund_journal_entries",
            "Requests kept in the journals of all sandboxes.",
            value=entries,
        )
        counts = {(platform, status.value): 0 for platform in PLATFORMS for status in RefundStatus}
        for platform, status, count in refunds:
            counts[(platform, status)] = count
        family = GaugeMetricFamily(
            "mockrefund_refunds",
            "Refunds in the server's sandboxes, by platform and status (pending, or how it "
            "settled: succeeded, failed).",
            labels=("platform", "status"),
        )
        for (platform, status), count in sorted(counts.items()):
            family.add_metric((platform, status), count)
        yield family
