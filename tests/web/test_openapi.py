"""Every /api route is in /openapi.json with the methods it takes, and a method a path does
not take answers 405 with Allow."""

from __future__ import annotations

import re

from starlette.routing import Route
from starlette.testclient import TestClient

DOCUMENTED_PREFIXES = ("/api/", "/kiosk/api/")


def _routes(client: TestClient) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.router.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and (route.path.startswith(DOCUMENTED_PREFIXES)
                                         or route.path == "/healthz"):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # {kind:str} -> {kind}
            for method in (route.methods or set()) - {"HEAD"}:
                found.add((method.lower(), path))
    return found


def test_every_api_route_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = {(method, path) for path, item in paths.items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"}}
    routes = _routes(client)
    assert len(routes) >= 30
    assert routes - documented == set()
    assert documented - routes == set()  # nothing documented that does not exist


def test_site_codes_are_enums_so_schema_valid_means_acceptable(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    body = doc["paths"]["/api/v1/tickets"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert "KTP" in body["properties"]["service"]["enum"]
    sign_in = doc["paths"]["/api/v1/session"]["post"]["responses"]
    assert {"401", "404", "409", "429", "503"} <= set(sign_in)


def test_a_method_the_path_does_not_take_answers_405_with_allow(client: TestClient) -> None:
    answer = client.put("/api/v1/session", json={})
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"
    allowed = {m.strip() for m in answer.headers["Allow"].split(",")}
    assert {"GET", "POST", "DELETE"} <= allowed
    assert client.delete("/api/v1/services").headers["Allow"] == "GET, HEAD"


#: a value for each path parameter: any will do, the sign-in check comes first
_SAMPLE = {"code": "A1", "ticket_id": "tiket", "username": "siti", "closure": "libur",
           "kind": "csv"}


def test_every_secured_operation_answers_an_anonymous_client_401_as_documented(
        client: TestClient) -> None:
    # The anonymous schemathesis run skips these operations (all it could get is 401): this
    # asks each once, with no session, and checks the answer against the document.
    doc = client.get("/openapi.json").json()
    secured = [(method, path, op) for path, item in doc["paths"].items()
               for method, op in item.items() if isinstance(op, dict) and op.get("security")]
    assert len(secured) >= 30
    client.cookies.clear()
    for method, path, op in secured:
        url = re.sub(r"\{(\w+)\}", lambda m: _SAMPLE[m.group(1)], path)
        answer = client.request(method.upper(), url, json={} if method != "get" else None)
        assert answer.status_code == 401, (method, path, answer.text)
        assert "401" in op["responses"], (method, path)
        error = answer.json()["error"]
        assert error["code"] == "unauthorized" and error["message"], (method, path)
