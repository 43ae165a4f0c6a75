"""The generated parts of the docs (docs/hooks.py) cover everything the code has."""

import importlib.util
from pathlib import Path
from types import ModuleType

from mockrefund.config import Settings

HOOKS = Path(__file__).resolve().parent.parent.parent / "docs" / "hooks.py"


def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", HOOKS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_settings_table_has_every_setting_with_its_variable_and_flag() -> None:
    table = hooks().settings_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(Settings.model_fields)
    for name in Settings.model_fields:
        assert f"| `{name}` |" in table
        assert f"`MOCKREFUND_{name.upper()}`" in table
    assert (
        "| `settle_delay` | `--settle-delay` | `MOCKREFUND_SETTLE_DELAY` | `realistic` |" in table
    )
    assert "| `admin_token` | none | `MOCKREFUND_ADMIN_TOKEN` | none |" in table


def test_the_reference_has_every_operation_of_the_document() -> None:
    module = hooks()
    document = module.admin_document()
    reference = module.admin_reference()
    for path, item in document["paths"].items():
        for method in item:
            assert f"### `{method.upper()} {path}`" in reference


def test_a_marker_is_replaced() -> None:
    page = hooks().on_page_markdown("# Settings\n\n<!-- generated: settings -->\n")
    assert "| `host` | `--host` | `MOCKREFUND_HOST` |" in page
    assert "<!--" not in page
