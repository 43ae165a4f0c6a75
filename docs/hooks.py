"""MkDocs hooks: the parts of the docs that are generated from the code, so they cannot drift.

A page asks for generated text with a marker line:

- `<!-- generated: settings -->`: the table of settings, from `mockrefund.config.Settings`
  (names, `MOCKREFUND_*` variables, defaults, descriptions) and the flags of
  `mockrefund serve` (from the command's own parser);
- `<!-- generated: admin-api -->`: the control plane's reference, from its OpenAPI
  document, built in-process exactly as the server serves it at `/__admin/openapi.json`;
- `<!-- include: PATH -->`: a Markdown file of the repository (the benchmark's README and
  results), its headings moved one level down and its links to files beside it made
  plain text.
"""

import argparse
import json
import re
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- (generated|include): (\S+) -->$", re.MULTILINE)


def on_page_markdown(markdown: str, **_: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, what = match.groups()
        if kind == "include":
            return included(what)
        return GENERATORS[what]()

    return MARKER.sub(replace, markdown)


# -- Settings ---------------------------------------------------------------------------


def serve_flags() -> dict[str, str]:
    """Setting name -> the flag of `mockrefund serve` that sets it."""
    from mockrefund.cli import _parser

    flags: dict[str, str] = {}
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for flag_action in action.choices["serve"]._actions:
                long = [o for o in flag_action.option_strings if o.startswith("--")]
                if long and flag_action.dest != "help":
                    flags[flag_action.dest] = long[0]
    return flags


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def settings_table() -> str:
    from mockrefund.config import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    flags = serve_flags()
    rows = [
        "| Setting | Flag | Environment variable | Default | Meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = (field.default_factory.__doc__ or "computed at start").strip()
            default = default.rstrip(".")
        elif field.default is None:
            default = "none"
        else:
            value = field.default
            default = f"`{str(value).lower() if isinstance(value, bool) else value}`"
        flag = f"`{flags[name]}`" if name in flags else "none"
        rows.append(
            f"| `{name}` | {flag} | `{prefix.upper()}{name.upper()}` | {cell(default)} "
            f"| {cell(field.description or '')} |"
        )
    return "\n".join(rows) + "\n"


# -- The control plane's reference ----------------------------------------------------------


@cache
def admin_document() -> dict[str, Any]:
    with warnings.catch_warnings():
        # Starlette's notice about the test client's HTTP backend, not about the project.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from mockrefund.app import create_app
    from mockrefund.config import Settings
    from mockrefund.runtime import Runtime

    with tempfile.TemporaryDirectory() as folder:
        runtime = Runtime(Settings(db=str(Path(folder) / "docs.db"), log_level="warning"))
        runtime.start()
        try:
            with TestClient(create_app(runtime=runtime)) as client:
                answer = client.get("/__admin/openapi.json")
                answer.raise_for_status()
                document: dict[str, Any] = answer.json()
        finally:
            runtime.close()
    return document


def schema_text(schema: dict[str, Any], document: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[`{name}`](#{name.lower()})"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(schema_text(part, document) for part in schema[key])
    if schema.get("type") == "array":
        return f"list of {schema_text(schema.get('items', {}), document)}"
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    return f"`{schema.get('type', 'any')}`"


def parameter_rows(parameters: list[dict[str, Any]], document: dict[str, Any]) -> list[str]:
    rows = ["| Parameter | In | Type | Required | Description |", "| --- | --- | --- | --- | --- |"]
    for parameter in parameters:
        schema = parameter.get("schema", {})
        rows.append(
            f"| `{parameter['name']}` | {parameter['in']} "
            f"| {schema_text(schema, document)} "
            f"| {'yes' if parameter.get('required') else 'no'} "
            f"| {cell(parameter.get('description') or schema.get('description', ''))} |"
        )
    return rows


def admin_reference() -> str:
    document = admin_document()
    info = document["info"]
    lines = [f"OpenAPI {document['openapi']}, {info['title']} {info['version']}.", ""]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            lines += [f"### `{method.upper()} {path}`", ""]
            if operation.get("summary"):
                lines += [cell(operation["summary"]) + ".", ""]
            if operation.get("description"):
                lines += [operation["description"].strip(), ""]
            if operation.get("parameters"):
                lines += [*parameter_rows(operation["parameters"], document), ""]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                required = "required" if operation["requestBody"].get("required") else "optional"
                lines += [f"Body ({required}): {schema_text(body['schema'], document)}.", ""]
            lines += ["| Status | Answer |", "| --- | --- |"]
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {}).get("application/json", {})
                shape = schema_text(content["schema"], document) if "schema" in content else ""
                lines.append(f"| {status} | {cell(answer.get('description', ''))} {shape} |")
            lines.append("")
    lines += ["## Schemas", ""]
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        lines += [f"### {name}", ""]
        if schema.get("description"):
            lines += [cell(schema["description"]), ""]
        properties = schema.get("properties", {})
        if properties:
            required = set(schema.get("required", []))
            lines += ["| Field | Type | Required | Description |", "| --- | --- | --- | --- |"]
            for field, spec in properties.items():
                lines.append(
                    f"| `{field}` | {schema_text(spec, document)} "
                    f"| {'yes' if field in required else 'no'} "
                    f"| {cell(spec.get('description', ''))} |"
                )
            lines.append("")
        else:
            lines += [f"Type: {schema_text(schema, document)}.", ""]
    return "\n".join(lines)


# -- Files included as they are ----------------------------------------------------------------


def included(relative: str) -> str:
    path = ROOT / relative
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^(#+) ", r"\1# ", text, flags=re.MULTILINE)

    def link(match: re.Match[str]) -> str:
        label, target = match.groups()
        if target.startswith(("#", "http://", "https://")):
            return match.group(0)
        # A file beside the included one: named, as the site does not carry it.
        return f"{label} (`{(path.parent / target).relative_to(ROOT).as_posix()}`)"

    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", link, text)


GENERATORS = {"settings": settings_table, "admin-api": admin_reference}
