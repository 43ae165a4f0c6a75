"""The control plane documents itself, without reaching for the internet."""

import re

from fastapi.testclient import TestClient


def test_the_admin_openapi_document_describes_the_control_plane_only(client: TestClient) -> None:
    document = client.get("/__admin/openapi.json").json()
    paths = set(document["paths"])
    assert "/__admin/sandboxes" in paths
    assert "/__admin/sandboxes/{sandbox_id}/clock/advance" in paths
    assert "/__admin/outcomes" in paths
    assert all(path.startswith("/__admin") for path in paths)


def test_the_docs_page_loads_every_asset_from_this_server(client: TestClient) -> None:
    page = client.get("/__admin/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/__admin/"), asset
        assert client.get(asset).status_code == 200
    assert "/__admin/openapi.json" in page.text


def test_the_admin_document_names_every_path_parameter_and_error(client: TestClient) -> None:
    document = client.get("/__admin/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), (method, path)
            if path != "/__admin/health":
                assert {"400", "401", "404"} <= set(operation["responses"]), (method, path)
                assert "422" not in operation["responses"], (method, path)
