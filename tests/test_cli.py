"""The command line: one clear line per problem, exit status 2, no traceback."""

import json
import socket
from pathlib import Path

import pytest

from mockrefund.cli import main
from tests.conftest import DEFAULT_FIXTURES


def test_fixtures_check_accepts_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixtures", "check", str(DEFAULT_FIXTURES)]) == 0
    assert f"{DEFAULT_FIXTURES}: ok (" in capsys.readouterr().out


def test_fixtures_check_names_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"stores": [{"platform": "kakaclo", "handle": "x"}]}))
    assert main(["fixtures", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"mockrefund: {bad}: stores[0].credentials: Field required" in err
    assert "Traceback" not in err


def test_serve_refuses_a_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "--port", str(port), "--db", str(tmp_path / "x.db")])
    assert code == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


def test_serve_refuses_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOCKREFUND_SETTLE_DELAY", "soon")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "setting settle_delay (flag or MOCKREFUND_SETTLE_DELAY)" in err


def test_serve_refuses_bad_fixtures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f.json").write_text("{}")
    (tmp_path / "g.json").write_text("[")
    assert main(["serve", "--fixtures", str(tmp_path), "--db", ":memory:"]) == 2
    assert "g.json: line 1 column 2: not valid JSON" in capsys.readouterr().err


def test_serve_help_lists_every_setting_with_its_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mockrefund.config import Settings

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = capsys.readouterr().out
    for name in Settings.model_fields:
        assert f"MOCKREFUND_{name.upper()}  (default" in shown, name
    assert "MOCKREFUND_ADMIN_TOKEN  (default none)" in shown
