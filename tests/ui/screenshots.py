"""Make the dashboard's screenshots in the docs (docs/images/dashboard-*.png) again.

    .venv/bin/python -m tests.ui.screenshots

Starts the real server on a scratch database, gives a sandbox some traffic (refunds,
one settled by the clock, a forced outcome, a fault), and photographs the sandbox list,
the sandbox and its journal in headless Chromium.
"""

import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from tests.e2e.server import Server, running_server
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.ui.chromium import chromium_path

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
VIEWPORT = {"width": 1100, "height": 700}
TALL = {"width": 1100, "height": 1000}  # the sandbox page: controls and the first orders


def traffic(server: Server) -> str:
    """A sandbox with a settled refund, a pending one, a forced outcome and a fault."""
    http = httpx.Client(base_url=server.url)
    sandbox = http.post("/__admin/sandboxes", json={"clock": {"frozen": True}}).json()["id"]
    admin = f"/__admin/sandboxes/{sandbox}"
    refund = f"/sandboxes/{sandbox}/openapi/v2/order/orders/10001/refund"
    http.post(refund, json=SEED_ITEMS, headers=AUTH)
    http.post(f"{admin}/clock/advance", json={"seconds": 86400})
    http.post(f"{admin}/faults", json={"path": "/refund$", "status": 503, "times": 1})
    http.post(f"{admin}/faults", json={"method": "GET", "latency_ms": 800, "probability": 0.1})
    http.post(refund, json={}, headers=AUTH)  # answered by the fault
    http.post(refund, json={}, headers=AUTH)
    http.get(f"/sandboxes/{sandbox}/openapi/v2/order/orders/refund/10001", headers=AUTH)
    http.post(f"{admin}/outcomes", json={"outcome": "failed", "platform": "shopline"})
    http.post("/__admin/sandboxes")  # a second one for the list
    return sandbox


def shoot(page: Page, name: str) -> None:
    path = IMAGES / f"dashboard-{name}.png"
    page.screenshot(path=path)
    print(f"{path} ({path.stat().st_size // 1024} KiB)")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as folder,
        running_server(Path(folder) / "screens.db") as server,
        sync_playwright() as driver,
    ):
        sandbox = traffic(server)
        browser = driver.chromium.launch(executable_path=chromium_path())
        page = browser.new_page(viewport=VIEWPORT)
        ui = f"{server.url}/__admin/ui"
        page.goto(f"{ui}/")
        shoot(page, "sandboxes")
        page.goto(f"{ui}/sandboxes/{sandbox}")
        page.set_viewport_size(TALL)
        shoot(page, "sandbox")
        page.set_viewport_size(VIEWPORT)
        page.goto(f"{ui}/sandboxes/{sandbox}/journal")
        page.locator("details.entry summary").nth(2).click()  # the fault's answer
        shoot(page, "journal")
        browser.close()


if __name__ == "__main__":
    main()
