"""The floor of a stateful mock on this stack: raw ASGI, the standard `sqlite3` module.

    BENCH_ORDERS=10000 BENCH_FLOOR_DB=floor.db uvicorn --app-dir bench floor_app:app

It answers the four measured calls of bench/data.py on the same generated orders, doing
the least work each must do to be right, and nothing else:
- a create reads the order line's running total, refuses a unit too many, then in one
  transaction inserts the refund and its line, moves the line's and the order's running
  totals and appends a journal row (WAL, synchronous=NORMAL, as mockrefund runs SQLite);
- a query or list reads the order's refunds with one indexed select (no journal row:
  the figure it gives is mockrefund's read with the journal off).
Each line holds `DEEP` times its generated units, so that the floor's far faster creates
never run out of refundable units (the work of a create does not depend on it).
No framework, no ORM, no validation beyond the token and the body's JSON: mockrefund,
which must also speak each platform's rules, errors and envelopes, can come close to
this but not beat it.
"""

import json
import os
import re
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data

SCHEMA = """
CREATE TABLE IF NOT EXISTS line (
    order_ref TEXT, item_ref TEXT, quantity INTEGER, unit_price INTEGER,
    refunded INTEGER, PRIMARY KEY (order_ref, item_ref)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS orders (ref TEXT PRIMARY KEY, refunded INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refund (
    id INTEGER PRIMARY KEY, order_ref TEXT, status TEXT, amount INTEGER, created REAL);
CREATE INDEX IF NOT EXISTS refund_order ON refund (order_ref);
CREATE TABLE IF NOT EXISTS refund_line (
    refund_id INTEGER, item_ref TEXT, quantity INTEGER, amount INTEGER);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, method TEXT, path TEXT, status INTEGER, body TEXT);
"""
TOKENS = {
    b"Bearer kakaclo-test-token",
    b"Bearer shopline-test-token",
    data.WOO_AUTH["Authorization"].encode(),
}
KAKACLO_CREATE = re.compile(r"/openapi/v2/order/orders/(\d+)/refund")
KAKACLO_QUERY = re.compile(r"/openapi/v2/order/orders/refund/(\d+)")
SHOPLINE_CREATE = "/admin/openapi/v20220901/order/refund.json"
WOO_LIST = re.compile(r"/wc-api/v3/orders/(\d+)/refunds")
JSON_HEADERS = [(b"content-type", b"application/json")]
DEEP = 1000


def cents(text: str) -> int:
    return round(float(text) * 100)


def build(path: str, orders: int) -> sqlite3.Connection:
    """Open the database, made from the generated orders if new."""
    fresh = not os.path.exists(path)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    if fresh:
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        for i in range(orders):
            for make in data.GENERATORS.values():
                order = make(i)
                ref = str(order["id"])
                db.execute("INSERT INTO orders VALUES (?, 0)", (ref,))
                for item in order["items"]:
                    db.execute(
                        "INSERT INTO line VALUES (?, ?, ?, ?, 0)",
                        (ref, str(item["id"]), item["quantity"] * DEEP, cents(item["price"])),
                    )
                for refund in order["refunds"]:
                    take(db, ref, [(str(x["item"]), x["quantity"]) for x in refund["lines"]])
        db.execute("COMMIT")
    return db


def take(db: sqlite3.Connection, order_ref: str, wanted: list[tuple[str, int]]) -> int | None:
    """Record a refund of `wanted` (item, units) if every unit is still refundable; its
    id, or None. The caller holds the transaction."""
    amount, lines = 0, []
    for item_ref, units in wanted:
        row = db.execute(
            "SELECT quantity, refunded, unit_price FROM line WHERE order_ref=? AND item_ref=?",
            (order_ref, item_ref),
        ).fetchone()
        if row is None or units < 1 or row[1] + units > row[0]:
            return None
        lines.append((item_ref, units, units * row[2]))
        amount += units * row[2]
    refund_id = db.execute(
        "INSERT INTO refund (order_ref, status, amount, created) VALUES (?, 'pending', ?, ?)",
        (order_ref, amount, time.time()),
    ).lastrowid
    for item_ref, units, line_amount in lines:
        db.execute("INSERT INTO refund_line VALUES (?, ?, ?, ?)",
                   (refund_id, item_ref, units, line_amount))  # fmt: skip
        db.execute(
            "UPDATE line SET refunded = refunded + ? WHERE order_ref=? AND item_ref=?",
            (units, order_ref, item_ref),
        )
    db.execute("UPDATE orders SET refunded = refunded + ? WHERE ref=?", (amount, order_ref))
    return refund_id


DB = build(os.environ.get("BENCH_FLOOR_DB", "floor.db"), int(os.environ.get("BENCH_ORDERS", "1")))


def create(
    order_ref: str, wanted: list[tuple[str, int]], method: str, path: str
) -> tuple[int, dict]:
    DB.execute("BEGIN IMMEDIATE")
    try:
        refund_id = take(DB, order_ref, wanted)
        status = 200 if refund_id is not None else 422
        DB.execute("INSERT INTO journal (method, path, status, body) VALUES (?, ?, ?, ?)",
                   (method, path, status, None))  # fmt: skip
        DB.execute("COMMIT")
    except BaseException:
        DB.execute("ROLLBACK")
        raise
    return status, {"id": refund_id}


def refunds_of(order_ref: str) -> list[dict]:
    rows = DB.execute(
        "SELECT id, status, amount FROM refund WHERE order_ref=? ORDER BY id", (order_ref,)
    ).fetchall()
    return [{"id": r[0], "status": r[1], "amount": r[2] / 100} for r in rows]


def answer(method: str, path: str, body: bytes) -> tuple[int, object]:
    if method == "POST" and (match := KAKACLO_CREATE.fullmatch(path)):
        items = json.loads(body)["orderItems"]
        wanted = [(item["itemId"], item["quantity"]) for item in items]
        return create(match[1], wanted, method, path)
    if method == "POST" and path == SHOPLINE_CREATE:
        sent = json.loads(body)
        wanted = [(str(x["line_item_id"]), x["quantity"]) for x in sent["refund_line_items"]]
        return create(sent["order_id"], wanted, method, path)
    if method == "GET" and (match := KAKACLO_QUERY.fullmatch(path) or WOO_LIST.fullmatch(path)):
        return 200, {"list": refunds_of(match[1])}
    return 404, {}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return  # lifespan: nothing to set up
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    headers = dict(scope["headers"])
    if headers.get(b"authorization") not in TOKENS:
        status, payload = 401, {"error": "unauthorized"}
    else:
        status, payload = answer(scope["method"], scope["path"], b"".join(chunks))
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})
