"""Where the browser is: the distribution's `chromium` (Playwright downloads none)."""

import shutil


def chromium_path() -> str:
    path = shutil.which("chromium")
    assert path, "the browser tests need chromium (apt-get install chromium; .ci/run does)"
    return path
