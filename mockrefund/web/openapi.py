"""OpenAPI documents for the emulated APIs, built from each platform's own models.

FastAPI's generated document cannot describe the emulated endpoints: they read raw bodies
(to answer malformed ones in the platform's format) and WooCommerce's are dispatched by
one catch-all route. Each platform therefore lists its operations here, with the pydantic
models of its request bodies and responses, and this module turns them into a document.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "path" or "query"
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    params: Sequence[Param] = ()
    body: type[BaseModel] | None = None
    # status → (description, model); None describes a body by its description only.
    responses: dict[int, tuple[str, type[BaseModel] | None]] = field(default_factory=dict)
    description: str = ""


def build(
    title: str,
    description: str,
    operations: Sequence[Operation],
    security_schemes: dict[str, Any],
    media_type: str = "application/json",
) -> dict[str, Any]:
    models = {op.body for op in operations if op.body} | {
        model for op in operations for _, model in op.responses.values() if model
    }
    mode: Literal["validation"] = "validation"
    keyed = [(model, mode) for model in sorted(models, key=lambda m: m.__name__)]
    references, schemas = models_json_schema(keyed, ref_template=REF)

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return references[(model, "validation")]

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        item: dict[str, Any] = {
            "summary": op.summary,
            "operationId": f"{op.method.lower()}_{_slug(op.path)}",
            "parameters": [
                {
                    "name": p.name,
                    "in": p.where,
                    "required": p.required or p.where == "path",
                    "schema": p.schema,
                    **({"description": p.description} if p.description else {}),
                }
                for p in op.params
            ],
            "responses": {
                str(status): {
                    "description": text,
                    **({"content": {media_type: {"schema": ref(model)}}} if model else {}),
                }
                for status, (text, model) in op.responses.items()
            },
        }
        if op.description:
            item["description"] = op.description
        if op.body is not None:
            item["requestBody"] = {
                "required": False,
                "content": {media_type: {"schema": ref(op.body)}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "mockrefund", "description": description},
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": security_schemes,
        },
        "security": [{name: []} for name in security_schemes],
    }


def _slug(path: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in path).strip("_")
