"""`mockrefund sandbox create|delete` against the real server: text, export lines, JSON."""

import json
import shlex
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockrefund.cli import _export_lines, main
from mockrefund.client import Sandbox, Server
from tests.e2e.server import free_port, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("cli") / "cli.db"
    with running_server(db) as process, Server(process.url) as client:
        yield client


@pytest.fixture(autouse=True)
def no_url_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKREFUND_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def exported(lines: str) -> dict[str, str]:
    """What a POSIX shell has after evaluating the lines."""
    script = f"{lines}\nenv -0"
    result = subprocess.run(["sh", "-c", script], capture_output=True, check=True, env={})
    pairs = (entry.split("=", 1) for entry in result.stdout.decode().split("\0") if entry)
    return {name: value for name, value in pairs if name.startswith("MOCKREFUND_")}


def test_create_prints_id_urls_and_credentials(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "sandbox", "create", "--url", server.url)
    assert (code, err) == (0, "")
    sandbox_id = out.split()[1]
    sandbox = server.sandbox(sandbox_id)
    assert out.splitlines()[0] == f"sandbox      {sandbox_id}"
    assert f"kakaclo      {sandbox.base_url('kakaclo')}" in out
    assert f"woocommerce  {sandbox.base_url('woocommerce')}" in out
    table = out.split("credentials\n", 1)[1].splitlines()
    assert table[0].split() == ["platform", "store", "key", "secret", "permissions"]
    rows = [line.split() for line in table[1:]]
    assert ["kakaclo", "kakaclo-demo", "kakaclo-test-token", "-", "read_write"] in rows
    assert [
        "woocommerce",
        "woo-demo",
        "ck_mockrefund_test",
        "cs_mockrefund_test",
        "read_write",
    ] in rows
    assert len(rows) == len(sandbox.credentials())
    # Columns line up: every key starts where the header's "key" does.
    key_column = table[0].index("key")
    assert all(line[key_column - 1] == " " != line[key_column] for line in table[1:])


def test_create_as_export_lines_for_a_shell(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "sandbox", "create", "--url", server.url, "--format", "export")
    assert code == 0
    assert all(line.startswith("export MOCKREFUND_") for line in out.splitlines())
    env = exported(out)
    sandbox = server.sandbox(env["MOCKREFUND_SANDBOX"])
    assert env == {
        "MOCKREFUND_SANDBOX": sandbox.id,
        "MOCKREFUND_ADMIN_URL": sandbox.admin_url,
        "MOCKREFUND_KAKACLO_BASE_URL": sandbox.base_url("kakaclo"),
        "MOCKREFUND_KAKACLO_TOKEN": "kakaclo-test-token",
        "MOCKREFUND_SHOPLINE_BASE_URL": sandbox.base_url("shopline"),
        "MOCKREFUND_SHOPLINE_TOKEN": sandbox.token("shopline"),
        "MOCKREFUND_WOOCOMMERCE_BASE_URL": sandbox.base_url("woocommerce"),
        "MOCKREFUND_WOOCOMMERCE_KEY": "ck_mockrefund_test",
        "MOCKREFUND_WOOCOMMERCE_SECRET": "cs_mockrefund_test",
    }
    # What the lines say works: the token opens that sandbox's Kakaclo API.
    answer = httpx.post(
        env["MOCKREFUND_KAKACLO_BASE_URL"] + "/v2/order/orders/10001/refund",
        json={"orderItems": [{"itemId": "120001", "quantity": 1}]},
        headers={"Authorization": f"Bearer {env['MOCKREFUND_KAKACLO_TOKEN']}"},
    )
    assert answer.json()["data"] == 10002


def test_export_values_are_quoted_for_the_shell() -> None:
    nasty = 'it\'s $HOME `id`; rm -rf / "x"\nnext'
    description: dict[str, Any] = {
        "id": "sbx_1",
        "admin_url": "http://h/__admin/sandboxes/sbx_1",
        "base_urls": {"kakaclo": "http://h/a b", "shopline": "http://h/", "woocommerce": "x"},
        "credentials": [
            {"platform": "kakaclo", "store": "s", "key": nasty, "secret": None, "permissions": "r"},
            {"platform": "woocommerce", "store": "w", "key": "ck", "secret": nasty, "permissions": "r"},
        ],
    }  # fmt: skip
    lines = _export_lines(Sandbox(Server("http://h"), description))
    assert f"export MOCKREFUND_KAKACLO_TOKEN={shlex.quote(nasty)}" in lines
    env = exported(lines)
    assert env["MOCKREFUND_KAKACLO_TOKEN"] == nasty
    assert env["MOCKREFUND_WOOCOMMERCE_SECRET"] == nasty
    assert env["MOCKREFUND_KAKACLO_BASE_URL"] == "http://h/a b"
    # No credentials for SHOPLINE: no token line, so `set -u` scripts stop at its use.
    assert "MOCKREFUND_SHOPLINE_TOKEN" not in env


def test_create_as_json_then_delete(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "sandbox", "create", "--url", server.url, "--seed", "4", "--format", "json"
    )
    assert code == 0
    described = json.loads(out)
    assert (described["seed"], described["fixtures"]) == (4, "default")
    assert described["id"] in [sandbox.id for sandbox in server.sandboxes()]

    code, out, err = run(capsys, "sandbox", "delete", "--url", server.url, described["id"])
    assert (code, out, err) == (0, f"deleted {described['id']}\n", "")
    assert described["id"] not in [sandbox.id for sandbox in server.sandboxes()]

    code, out, err = run(capsys, "sandbox", "delete", "--url", server.url, described["id"])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"mockrefund: the server at {server.url} answered 404: ")


def test_the_url_can_come_from_the_environment(
    server: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKREFUND_URL", server.url)
    code, out, _ = run(capsys, "sandbox", "create", "--format", "json")
    assert code == 0
    server.sandbox(json.loads(out)["id"]).delete()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sandbox", "create", "--fixtures", "nonexistent"], "answered 404: no fixture set named 'nonexistent'"),
        (["sandbox", "delete", "default"], "answered 400: the default sandbox cannot be deleted"),
    ],
)  # fmt: skip
def test_what_the_server_refuses_is_one_line(
    server: Server, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv, "--url", server.url)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sandbox", "create"], "mockrefund: say which server: --url http://HOST:PORT (or MOCKREFUND_URL)\n"),
        (["sandbox", "create", "--url", "localhost:8000"], "mockrefund: --url 'localhost:8000' is not an http:// or https:// URL\n"),
    ],
)  # fmt: skip
def test_which_server_is_said_clearly(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(capsys, *argv) == (2, "", message)


def test_a_server_that_is_not_there_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for argv in (["create"], ["delete", "sbx_x"]):
        code, out, err = run(capsys, "sandbox", *argv, "--url", url)
        assert (code, out) == (2, "")
        assert err == (
            f"mockrefund: no mockrefund server answers at {url}; start one with `mockrefund serve`\n"
        )


def test_create_with_a_clock_and_fixtures_of_its_own(
    server: Server, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    fixtures = tmp_path / "own.json"
    store = {"platform": "kakaclo", "handle": "own", "credentials": [{"key": "own-token"}]}
    fixtures.write_text(json.dumps({"stores": [store]}))
    code, out, err = run(
        capsys, "sandbox", "create", "--url", server.url, "--fixtures-file", str(fixtures),
        "--clock-at", "2030-01-01T00:00:00Z", "--frozen", "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    described = json.loads(out)
    assert described["fixtures"] == "inline"
    assert [c["key"] for c in described["credentials"]] == ["own-token"]
    clock = httpx.get(f"{described['admin_url']}/clock").json()
    assert (clock["now"], clock["frozen"]) == ("2030-01-01T00:00:00Z", True)
    server.sandbox(described["id"]).delete()


def test_create_says_what_is_wrong_with_a_fixtures_file(
    server: Server, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for path, words in ((broken, "not JSON"), (tmp_path / "missing.json", "No such file")):
        code, out, err = run(
            capsys, "sandbox", "create", "--url", server.url, "--fixtures-file", str(path)
        )
        assert (code, out) == (2, "")
        assert err.count("\n") == 1
        assert str(path) in err
        assert words in err


def test_list_shows_every_sandbox(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    made = server.create_sandbox()
    code, out, err = run(capsys, "sandbox", "list", "--url", server.url)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "fixtures", "created", "last", "used"]
    assert lines[1].split()[:2] == ["default", "default"]
    assert any(line.split()[0] == made.id for line in lines[2:])
    code, out, _ = run(capsys, "sandbox", "list", "--url", server.url, "--format", "json")
    assert made.id in [sandbox["id"] for sandbox in json.loads(out)]
    made.delete()
