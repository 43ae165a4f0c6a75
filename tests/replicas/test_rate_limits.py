"""Rate limits are the sandbox's: a switch thrown through one server holds on both, and
a store has one leaky bucket, not one in each process.

The buckets leak on wall time, not on the mock clock, so the calls are sent at once and
a few may find room that leaked meanwhile: the counts allow for five."""

from dataclasses import dataclass

import httpx
import pytest

from tests.platforms.shopline.conftest import SEED_ORDER
from tests.replicas.apis import Admin, Kakaclo, Sandbox, Shopline, at_once, describe
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
LEAK_ALLOWANCE = 5


@dataclass(frozen=True)
class Bucket:
    platform: str
    depth: int
    calls: int  # more than the bucket holds
    full: dict[str, object]  # the platform's 429 body


BUCKETS = [
    Bucket(
        "kakaclo",
        120,
        130,
        {
            "code": 42900,
            "message": "too many requests: the store's leaky bucket (120, 2/s) is full",
            "data": None,
        },
    ),
    Bucket("shopline", 40, 50, {"errors": "Too many request"}),
]


def one_call(bucket: Bucket, sandbox: Sandbox, server: Server) -> httpx.Response:
    if bucket.platform == "kakaclo":
        return Kakaclo(sandbox).orders(server, ids="10001")
    return Shopline(sandbox).orders(server, ids=SEED_ORDER)


@pytest.mark.parametrize("bucket", BUCKETS, ids=[b.platform for b in BUCKETS])
def test_one_bucket_for_a_store_over_both_servers(
    pair: Pair, sandbox: Sandbox, bucket: Bucket
) -> None:
    admin = Admin(sandbox)
    switched = admin.switch_rate_limits(pair.a, **{bucket.platform: True})
    assert switched[bucket.platform] is True
    assert admin.rate_limits(pair.b)[bucket.platform] is True

    servers = list(pair.alternating(bucket.calls))
    answers = at_once([lambda s=s: one_call(bucket, sandbox, s) for s in servers])
    passed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert bucket.depth <= len(passed) <= bucket.depth + LEAK_ALLOWANCE, [
        a.status_code for a in answers
    ]
    for answer in refused:
        assert (answer.status_code, answer.json()) == (429, bucket.full), describe(answer)
