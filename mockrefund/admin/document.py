"""The control plane's OpenAPI document, told what FastAPI cannot see for itself.

- The per-sandbox routes are one router mounted twice, and they learn their sandbox from
  the path in a dependency; the document gets the `sandbox_id` path parameter of the
  `/__admin/sandboxes/{sandbox_id}/...` mount from here.
- Every error is `{"error": ..., "status": ...}` with its status: 400 for a body or
  parameter the route cannot take (not FastAPI's 422), 401 without the admin token (when
  one is set), 404 for an unknown sandbox (or fault rule), 413 for a body over the limit,
  409 where a limit is reached or the thing exists already.
"""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for a person."},
        "status": {"type": "integer", "description": "The HTTP status, again."},
    },
}
SANDBOX_PARAMETER = {
    "name": "sandbox_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The sandbox's id, as `POST /__admin/sandboxes` answered it.",
}
ERRORS = {
    "400": "The body or a parameter cannot be taken (the message names it).",
    "401": "The admin token is set and was not sent.",
    "404": "No such sandbox (or no such fault rule).",
}
# Operations that can conflict with what exists: (method, path ending).
CONFLICTS = {
    ("post", "/sandboxes"): "The server holds max_sandboxes.",
    ("post", "/faults"): "The sandbox holds 100 fault rules.",
    ("post", "/orders"): "The store has an order with that id.",
}
OPEN = {"/__admin/health"}


def complete(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["ControlPlaneError"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ControlPlaneError"}}}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "{sandbox_id}" in path:
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "sandbox_id" for p in parameters):
                    parameters.insert(0, SANDBOX_PARAMETER)
            if path in OPEN:
                continue
            responses = operation["responses"]
            responses.pop("422", None)
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": error})
            if "requestBody" in operation:
                responses.setdefault(
                    "413",
                    {"description": "The body is over admin_body_limit.", "content": error},
                )
            for (conflict_method, ending), description in CONFLICTS.items():
                if method == conflict_method and path.endswith(ending):
                    responses.setdefault("409", {"description": description, "content": error})
    return document
