"""``/docs`` and ``/redoc`` work without internet (their assets come from the server itself),
``GET /`` leads to the dashboard, and ``/openapi.json`` documents answers, errors, tags and
examples the way issue 22 asks."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlparse

import orjson
import pytest

from tests.e2e.conftest import Server, request

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_every_asset_from_the_server_itself(server: Server, page: str) -> None:
    status, headers, html = request(server, "GET", page)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    urls = {a or b for a, b in ASSET.findall(html.decode())}
    assert any(u.endswith(".js") for u in urls), urls
    for url in urls:
        absolute = urljoin(f"{server.url}{page}", url)
        assert urlparse(absolute).netloc == f"{server.host}:{server.port}", f"external: {url}"
        status, _, _ = request(server, "GET", urlparse(absolute).path)
        assert status == 200, (url, status)


def test_the_root_leads_to_the_dashboard(server: Server) -> None:
    status, headers, _ = request(server, "GET", "/")
    assert status in (303, 307)
    assert headers["location"] == "/dashboard"


def document(server: Server) -> dict[str, Any]:
    status, _, content = request(server, "GET", "/openapi.json")
    assert status == 200
    answer: dict[str, Any] = orjson.loads(content)
    return answer


def test_every_operation_documents_its_answer_and_its_errors(server: Server) -> None:
    spec = document(server)
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            assert "422" not in responses, where
            assert operation.get("tags"), where
            for status, answer in responses.items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2"):
                    assert schema is not None or status == "204", where
                    assert schema != {"type": "string"}, where
                elif path.startswith("/v1/"):
                    assert schema == {"$ref": "#/components/schemas/Error"}, (where, status)
            if path.startswith("/v1/"):
                assert {"400", "401", "404"} <= set(responses), where
                if method in ("post", "put"):
                    assert {"409", "413"} <= set(responses), where


def test_the_distribution_sendout_and_webhook_payloads_carry_examples(server: Server) -> None:
    spec = document(server)
    create = spec["paths"]["/v1/distributions"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"]["trigger"]
    answer = create["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/Distribution"}
    assert answer["example"]["object"] == "distribution"
    sendout = spec["paths"]["/v1/sendouts/{sendout_id}"]["get"]["responses"]["200"]
    assert sendout["content"]["application/json"]["example"]["object"] == "sendout"
    envelope = spec["webhooks"]["sendout"]["post"]["requestBody"]["content"]["application/json"]
    assert envelope["schema"] == {"$ref": "#/components/schemas/WebhookEnvelope"}
    required = set(spec["components"]["schemas"]["WebhookEnvelope"]["required"])
    assert required == {"id", "project_id", "created_at", "type", "data", "source", "event"}
    assert envelope["example"]["source"]["object"] == "distribution"
