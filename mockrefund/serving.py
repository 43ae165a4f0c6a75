"""Serving with several worker processes on one port (`mockrefund serve --workers N`).

uvicorn starts each worker as a new Python process that builds the app from an import
string, so nothing in memory crosses over: the parent hands its resolved settings (flags,
environment and defaults together) to the workers as `MOCKREFUND_*` environment
variables, and each worker builds its app from them with `app_factory`.
"""

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator

from fastapi import FastAPI

from mockrefund.config import Settings

ENV_PREFIX = "MOCKREFUND_"
APP_FACTORY = "mockrefund.serving:app_factory"
# prometheus_client counts in files of this folder, summed at scrape time, when it is set
# before the library is first imported (see `mockrefund.metrics`).
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def app_factory() -> FastAPI:
    """A worker's app: the settings from the environment the parent prepared."""
    from mockrefund.app import create_app
    from mockrefund.runtime import Runtime

    return create_app(runtime=Runtime(Settings()), owns_process=True)


def worker_settings(settings: Settings) -> Settings:
    """What each worker runs with: the parent's settings, the database named by its
    resolved URL, and no reset (the parent has reset the database once already; a worker
    resetting it would drop what the others serve)."""
    return settings.model_copy(
        update={"db": settings.sqlalchemy_url(), "database_url": None, "reset": False}
    )


def environment(settings: Settings) -> dict[str, str | None]:
    """The `MOCKREFUND_*` variables that make `Settings()` equal `settings`; None means
    the variable must be unset (a None setting, which no variable can spell)."""
    variables: dict[str, str | None] = {}
    for name, value in settings.model_dump(mode="json").items():
        key = ENV_PREFIX + name.upper()
        if value is None:
            variables[key] = None
        else:
            # Strings as they are; anything else as JSON, which pydantic-settings reads
            # back (true/false, numbers).
            variables[key] = value if isinstance(value, str) else json.dumps(value)
    return variables


def hand_to_workers(settings: Settings) -> None:
    """Put the workers' settings in this process's environment, which they inherit."""
    for key, value in environment(worker_settings(settings)).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextlib.contextmanager
def counted_in(workers: int) -> Iterator[None]:
    """Where the server counts its requests while it runs (call it before the metrics
    are imported). Several workers count in a folder made for this run, which each
    inherits through the environment and which goes when the server stops: a folder
    from elsewhere could hold another run's counts. One process counts in memory."""
    for name in (MULTIPROCESS_VARIABLE, MULTIPROCESS_VARIABLE.lower()):
        os.environ.pop(name, None)
    if workers == 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="mockrefund-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = folder
    try:
        yield
    finally:
        os.environ.pop(MULTIPROCESS_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)
