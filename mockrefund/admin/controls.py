"""What the control plane keeps in memory per sandbox: journal, faults, rate-limit switches.

(Forced outcomes live in the database, because they are taken inside a refund's
transaction.) Entries are made on first use and dropped when the sandbox is reset or
deleted; their number is capped so that requests naming made-up sandboxes cannot grow it.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from mockrefund.admin.fault_rules import Faults
from mockrefund.admin.journal import Journal

RATE_LIMITED_PLATFORMS = ("kakaclo", "shopline")


@dataclass
class SandboxControls:
    journal: Journal
    faults: Faults = field(default_factory=Faults)
    rate_limits: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(RATE_LIMITED_PLATFORMS, False)
    )


class Controls:
    def __init__(self, journal_size: int, capacity: int) -> None:
        self.journal_size = journal_size
        self.capacity = capacity
        self._by_sandbox: OrderedDict[str, SandboxControls] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, sandbox_id: str) -> SandboxControls:
        with self._lock:
            controls = self._by_sandbox.get(sandbox_id)
            if controls is None:
                controls = SandboxControls(Journal(self.journal_size))
                self._by_sandbox[sandbox_id] = controls
                while len(self._by_sandbox) > self.capacity:
                    self._by_sandbox.popitem(last=False)
            else:
                self._by_sandbox.move_to_end(sandbox_id)
            return controls

    def get(self, sandbox_id: str) -> SandboxControls | None:
        """The sandbox's controls if it has any yet (never creates them)."""
        with self._lock:
            return self._by_sandbox.get(sandbox_id)

    def forget(self, sandbox_id: str) -> None:
        with self._lock:
            self._by_sandbox.pop(sandbox_id, None)
