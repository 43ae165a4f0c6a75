"""Every example in docs/ and the README runs against a real server, printing what the page shows.

How a page is read:

- An example is a ```sh block that talks to the server (it names `:8000` or a
  `$MOCKREFUND_...` variable), a ```python block, or a ```console block (`$ command`
  lines, each followed by its output). The next fenced block after a ```sh or ```python
  example is its output (```json or ```text), and must be there.
- A ```python block whose first line is `# NAME.py` is a file: it is written as NAME.py,
  and a later ```console block runs it (`$ pytest ...`, run with `-W error`). The
  comment `<!-- docs-test: file NAME -->` makes the next block a file NAME likewise (a
  fixture file, say). Examples run in a folder of their own, where `.venv/bin/` is the
  test's environment.
- Each page starts on a fresh server (a new database seeded from the default fixtures,
  its mock clock running), and its examples run in order, so each sees what the ones
  before it did, as a reader following the page would. The comment
  `<!-- docs-test: server NAME=VALUE ... -->` starts a fresh server with those
  `MOCKREFUND_*` variables for the examples after it (with no variables: the defaults);
  the page says in its text when a server must be started so.
- `http://127.0.0.1:8000` (and `localhost:8000`) in an example and its output is the
  test's server, on a free port.

How an output is compared (after trailing spaces, carriage returns and blank ends go):

- `...` stands for any text, also none and across lines: what the page leaves out;
- `<time>` for a time, as ISO 8601 (or Python's `str` of a datetime) or epoch milliseconds, that differs from run to run;
- `<id>` for an id that differs from run to run (letters, digits, `_`, `-`);
- `<n>` for a whole number that differs from run to run;
- `<$NAME>` for an id as `<id>`, kept as the shell variable `$NAME` for the page's later
  examples (and `NAME` in the environment of its Python examples).

Time comes from the mock's clock: an example that needs time to pass moves the clock
through the control plane, as the pages show; nothing here sleeps.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.server import Server

REPO = Path(__file__).resolve().parent.parent.parent
DOCS = REPO / "docs"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
DIRECTIVE = re.compile(r"^<!-- docs-test: (server|file)(.*?)-->$", re.MULTILINE)
TOKEN = re.compile(r"\.\.\.|<time>|<id>|<n>|<\$(\w+)>")
TIME = r"(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)|\d{13})"
# The shell's curl ends every answer with a newline, as a terminal shows answers apart.
PRELUDE = """\
curl() {
  local out
  out=$(command curl -sS "$@"; printf x)
  out=${out%x}
  printf '%s' "$out"
  case $out in ''|*$'\\n') ;; *) echo ;; esac
}
"""


@dataclass
class Step:
    line: int
    kind: str  # "server", "sh", "python", "file", "console"
    code: str = ""
    expected: str = ""
    env: dict[str, str] = field(default_factory=dict)


def is_example(language: str, code: str) -> bool:
    if language == "sh":
        return ":8000" in code or "$MOCKREFUND_" in code
    return language in ("python", "console")


def steps(page: Path) -> list[Step]:
    text = page.read_text(encoding="utf-8")
    events: list[tuple[int, str, str, str]] = []
    for match in DIRECTIVE.finditer(text):
        events.append((match.start(), match.group(1), "", match.group(2).strip()))
    for match in FENCE.finditer(text):
        events.append((match.start(), "fence", match.group(1), match.group(2)))
    events.sort()
    found: list[Step] = []
    pending: Step | None = None
    naming: str | None = None  # the file the next block is written as
    for start, what, language, body in events:
        line = text.count("\n", 0, start) + 1
        if what != "fence":
            assert pending is None, f"{page.name}:{line}: a directive before an output"
            assert naming is None, f"{page.name}:{line}: a directive before a file"
            if what == "server":
                env = dict(pair.split("=", 1) for pair in body.split())
                found.append(Step(line, "server", env=env))
            else:
                naming = body
            continue
        if naming is not None:
            found.append(Step(line, "file", code=f"# {naming}\n{body}"))
            naming = None
            continue
        if pending is not None:
            assert language in ("json", "text"), (
                f"{page.name}:{pending.line}: an example without its output block"
            )
            pending.expected = body
            found.append(pending)
            pending = None
            continue
        if not is_example(language, body):
            continue
        if language == "python" and re.match(r"# \w+\.py\n", body):
            found.append(Step(line, "file", code=body))
        elif language == "console":
            found.append(Step(line, "console", code=body))
        else:
            pending = Step(line, language, code=body)
    assert pending is None, f"{page.name}:{pending.line}: an example without its output block"
    return found


def pattern(expected: str) -> tuple[re.Pattern[str], list[str]]:
    names: list[str] = []
    parts: list[str] = []
    last = 0
    for match in TOKEN.finditer(expected):
        parts.append(re.escape(expected[last : match.start()]))
        token = match.group(0)
        if token == "...":
            parts.append(".*?")
        elif token == "<time>":
            parts.append(TIME)
        elif token == "<n>":
            parts.append(r"\d+")
        elif token == "<id>":
            parts.append(r"[A-Za-z0-9_-]+")
        else:
            names.append(match.group(1))
            parts.append(rf"(?P<{match.group(1)}>[A-Za-z0-9_-]+)")
        last = match.end()
    parts.append(re.escape(expected[last:]))
    return re.compile("".join(parts), re.DOTALL), names


def normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r", "").splitlines()).strip()


class Reader:
    """Runs a page's steps in order against its server, as the page's reader would."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.server: Server | None = None
        self.servers = 0
        self.variables: dict[str, str] = {}
        self.problems: list[str] = []

    def start(self, env: dict[str, str]) -> None:
        self.stop()
        self.servers += 1
        with self.monkeypatch.context() as patch:
            for name in [n for n in os.environ if n.startswith("MOCKREFUND_")]:
                patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            self.server = Server(self.folder / f"server{self.servers}.db")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def here(self, text: str) -> str:
        assert self.server is not None
        port = str(self.server.port)
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace(
            "localhost:8000", f"localhost:{port}"
        )

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKREFUND_")}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        return {**env, **self.variables}

    def run(self, command: list[str], stdin: str | None = None) -> str:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.folder,
            env=self.environment(),
            timeout=300,
        )
        return done.stdout + (done.stderr if done.returncode else "")

    def compare(self, step: Step, actual: str, expected: str) -> None:
        regex, names = pattern(normal(self.here(expected)))
        match = regex.fullmatch(normal(actual))
        if match is None:
            self.problems.append(
                f"line {step.line}:\n--- the page shows:\n{expected.strip()}\n"
                f"--- the example printed:\n{actual.strip()}\n"
            )
            return
        for name in names:
            self.variables[name] = match.group(name)

    def step(self, step: Step) -> None:
        if step.kind == "server":
            self.start(step.env)
        elif step.kind == "file":
            first, body = step.code.split("\n", 1)
            text = step.code if first.endswith(".py") else body
            (self.folder / first[2:]).write_text(self.here(text), encoding="utf-8")
        elif step.kind == "sh":
            actual = self.run(["bash", "-c", PRELUDE + self.here(step.code)])
            self.compare(step, actual, step.expected)
        elif step.kind == "python":
            actual = self.run([sys.executable, "-"], stdin=self.here(step.code))
            self.compare(step, actual, step.expected)
        else:
            self.console(step)

    def console(self, step: Step) -> None:
        blocks = re.split(r"^\$ (.*)\n", step.code + "\n", flags=re.MULTILINE)[1:]
        for command, expected in zip(blocks[::2], blocks[1::2], strict=True):
            if command.startswith("pytest "):
                # The page's test file, under -W error: it must not leak a warning.
                words = command.split()[1:]
                argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *words]
                actual = self.run(argv)
            else:
                bin_folder = f"{Path(sys.executable).parent}/"
                command = command.replace(".venv/bin/", bin_folder)
                actual = self.run(["bash", "-c", self.here(command)])
            self.compare(step, actual, expected)


def documents() -> list[Path]:
    """The pages of the docs, and the README's examples with them."""
    return [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]


def pages() -> Iterator[Path]:
    for page in documents():
        if any(s.kind != "server" for s in steps(page)):
            yield page


def test_the_harness_reads_every_example() -> None:
    # A page whose examples vanish from the reading would pass unseen: count them.
    counted = sum(len(steps(page)) for page in documents())
    assert counted >= 60
    assert {page.name for page in pages()} >= {
        "README.md",
        "kakaclo.md",
        "shopline.md",
        "woocommerce.md",
        "sandboxes.md",
        "clock.md",
        "outcomes.md",
        "faults.md",
        "testing.md",
    }


def test_the_placeholders() -> None:
    regex, names = pattern('{"id":"<$ID>","at":"<time>","n":<n>,...}')
    match = regex.fullmatch('{"id":"sbx_a-1","at":"2030-01-01T00:00:00.5Z","n":12,"x":1}')
    assert match is not None
    assert names == ["ID"]
    assert match.group("ID") == "sbx_a-1"
    assert regex.fullmatch('{"id":"sbx","at":"yesterday","n":1}') is None


@pytest.mark.e2e
@pytest.mark.parametrize("page", list(pages()), ids=lambda page: page.name)
def test_the_examples_of(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = Reader(tmp_path, monkeypatch)
    try:
        reader.start({})
        for step in steps(page):
            reader.step(step)
    finally:
        reader.stop()
    assert not reader.problems, f"{page.name}:\n" + "\n".join(reader.problems)
