"""Writers of a SQLite file take turns in the order they asked, a turn inside one's own
goes straight in, and a writer that waits too long gives up as SQLite would."""

import threading

import pytest
from sqlalchemy.exc import OperationalError

from mockrefund.write_turns import WriteTurns


def test_turns_are_served_in_the_order_asked() -> None:
    turns = WriteTurns(timeout=10)
    served: list[int] = []
    queued = threading.Semaphore(0)
    with turns.turn():
        threads = []
        for n in range(5):

            def writer(n: int = n) -> None:
                queued.release()
                with turns.turn():
                    served.append(n)

            thread = threading.Thread(target=writer)
            thread.start()
            queued.acquire()
            # Wait until this writer is queued before the next one asks.
            while len(turns._waiting) < n + 1:
                pass
            threads.append(thread)
    for thread in threads:
        thread.join()
    assert served == [0, 1, 2, 3, 4]


def test_a_turn_inside_ones_own_goes_straight_in() -> None:
    turns = WriteTurns(timeout=0.01)
    with turns.turn(), turns.turn():
        pass
    with turns.turn():  # and the outer one ended: free again
        pass


def test_a_writer_that_waits_past_the_timeout_gives_up_and_leaves_the_queue() -> None:
    turns = WriteTurns(timeout=0.05)
    failed: list[BaseException] = []
    with turns.turn():

        def writer() -> None:
            with pytest.raises(OperationalError, match="locked") as caught, turns.turn():
                pass
            failed.append(caught.value)

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
    assert len(failed) == 1
    assert not turns._waiting
    with turns.turn():  # nobody left holding it
        pass
