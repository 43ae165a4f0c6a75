"""The ASGI application: routers, error dialects, and the settling sweep."""

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from mockrefund import __version__
from mockrefund.admin.answers import install_answers
from mockrefund.admin.body_limit import AdminBodyLimit
from mockrefund.admin.guard import AdminTokenGuard
from mockrefund.clock import wall_now
from mockrefund.config import Settings
from mockrefund.controls import nonces
from mockrefund.core import sandboxes
from mockrefund.metrics import Metrics
from mockrefund.platforms import kakaclo, shopline, woocommerce
from mockrefund.platforms.woocommerce.auth import WINDOW_SECONDS
from mockrefund.runtime import Runtime
from mockrefund.web.control_plane import ADMIN, ControlPlaneOnFirstUse
from mockrefund.web.dialects import Dialect, DialectRegistry
from mockrefund.web.fast_routes import FastRoutes, fast_routes, template_of
from mockrefund.web.observe import RequestObserver
from mockrefund.web.sandbox_routing import SandboxRouting
from mockrefund.web.streams import Streams
from mockrefund.web.traffic import Traffic

log = logging.getLogger("mockrefund")


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    owns_process: bool = False,
) -> FastAPI:
    """The app. `owns_process`: the server is the process's only job (`mockrefund
    serve`), so it may tune the process's garbage collector; an app embedded in another
    program (a test suite) leaves it alone."""
    runtime = runtime or Runtime(settings or Settings())
    # Journal streams: how many are open, and the signal that ends them.
    streams = Streams(runtime.settings.max_streams)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not runtime.started:
            runtime.start()
        if owns_process:
            # Everything made so far (modules, classes, routes) lives as long as the
            # server: keep it out of the garbage collector's full passes, which then walk
            # only what requests and the read cache make.
            gc.freeze()
        sweeper = asyncio.create_task(_sweep(runtime), name="mockrefund-settle")
        try:
            with streams.stop_on_signals():
                yield
        finally:
            streams.close()
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            runtime.close()

    app = FastAPI(
        title="mockrefund",
        version=__version__,
        summary="Sandbox server for the refund APIs of Kakaclo, SHOPLINE and WooCommerce.",
        lifespan=lifespan,
        docs_url=None,  # served by admin.docs, from local files
        redoc_url=None,
        openapi_url=f"{ADMIN}/openapi.json",
    )
    app.state.runtime = runtime
    app.state.metrics = metrics = Metrics(runtime.db)
    app.state.streams = streams
    registry = DialectRegistry(
        [kakaclo.DIALECT, shopline.DIALECT, woocommerce.DIALECT], fallback=Dialect()
    )
    registry.install(app)
    routers = [kakaclo.router, shopline.router, woocommerce.router]
    # The last added runs first: the sandbox is known before faults and the journal, and
    # the emulated routes are served after both (by FastRoutes, FastAPI's router as the
    # fallback).
    served = fast_routes(routers)
    app.add_middleware(
        FastRoutes,
        routes=served,
        handlers=lambda: app.exception_handlers,
        workers=lambda: runtime.db.workers,
        reads_on_loop=lambda: runtime.db.reads_on_loop,
    )
    app.add_middleware(Traffic, registry=registry, runtime=runtime)
    app.add_middleware(ControlPlaneOnFirstUse, install=lambda: _install_control_plane(app))
    app.add_middleware(AdminBodyLimit, limit=runtime.settings.admin_body_limit)
    app.add_middleware(AdminTokenGuard, token=runtime.settings.admin_token)
    app.add_middleware(SandboxRouting)
    # Outermost: every request is logged and counted, whoever answers it.
    app.add_middleware(
        RequestObserver,
        registry=registry,
        metrics=metrics,
        template_of=functools.partial(template_of, served),
    )
    # The emulated APIs first: routing tries routes in order, and they carry the load.
    for router in routers:
        app.include_router(router)
    install_answers(app)
    registry.collect_routes(routers)
    return app


def _install_control_plane(app: FastAPI) -> None:
    """The control plane's routes and docs; imported here, on first use (see
    `web.control_plane`), so that a server answers the emulated APIs sooner."""
    from mockrefund.admin.docs import install_docs
    from mockrefund.admin.routes import install

    install(app)
    install_docs(app)


EXPIRY_EVERY = 30.0  # wall seconds between looks for idle sandboxes


async def _sweep(runtime: Runtime) -> None:
    """Settle due refunds in the background, so they move even when nobody reads them,
    delete sandboxes left idle past `sandbox_ttl`, and forget expired OAuth nonces.

    Every server sweeps, and that is safe: settling is a conditional update that only
    one of them can make, and a sandbox deleted by one is simply gone for the others.
    The work runs on a thread: the event loop keeps answering meanwhile.
    """
    interval = runtime.settings.settle_interval
    since_expiry = 0.0
    while True:
        await asyncio.sleep(interval)
        since_expiry += interval
        try:
            await asyncio.to_thread(sandboxes.settle_all, runtime.db)
            if since_expiry >= EXPIRY_EVERY:
                since_expiry = 0.0
                await asyncio.to_thread(runtime.expire_idle)  # logs each one
                await asyncio.to_thread(
                    nonces.prune, runtime.db, WINDOW_SECONDS, int(wall_now().timestamp())
                )
        except Exception:  # keep sweeping; the next request settles on its own anyway
            log.exception("the background sweep failed")
