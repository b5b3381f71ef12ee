"""CSV exports through the official SDK and raw HTTP: every exported object with every field
on a project holding one of everything, filters, CSV injection, the download's token and
content type, paging, refusals."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import voucherify
from voucherify import ExportsApi
from voucherify.exceptions import BadRequestException, NotFoundException

from sendout.domain.exports import KINDS, ExportedObject
from tests.e2e.conftest import Api, Receiver, request
from tests.e2e.everything import eventually, made, populate

#: the exported objects a project of ``populate`` has rows of (its loyalty member has no
#: point buckets or transactions yet: those export just their header)
POPULATED = {"voucher", "redemption", "customer", "publication", "order", "sendout"}


def finished(api: Api, export_id: str) -> dict[str, Any]:
    return eventually(  # type: ignore[no-any-return]
        f"export {export_id}",
        lambda: (e := made(api, "GET", f"/v1/exports/{export_id}"))["status"] == "DONE" and e,
    )


def download(api: Api, export: dict[str, Any], accept: str = "text/plain") -> list[list[str]]:
    path = export["result"]["url"].removeprefix(api.server.url)
    status, headers, content = request(
        api.server, "GET", path, headers={**api.auth, "Accept": accept}
    )
    assert status == 200, content
    assert headers["content-type"].startswith(accept)
    return list(csv.reader(io.StringIO(content.decode())))


def test_every_exported_object_exports_every_field(api: Api, receiver: Receiver) -> None:
    populate(api, receiver, "x")
    for kind in ExportedObject:
        fields = list(KINDS[kind].fields)
        body = {"exported_object": kind.value, "parameters": {"fields": fields}}
        export = made(api, "POST", "/v1/exports", body)
        assert (export["status"], export["result"]) == ("SCHEDULED", None)
        header, *rows = download(api, finished(api, export["id"]))
        assert header == fields, kind
        assert bool(rows) == (kind.value in POPULATED), (kind, rows)
        assert all(len(row) == len(fields) for row in rows)


def test_filters_and_csv_injection(api: Api, sdk: voucherify.ApiClient) -> None:
    for n, name in enumerate(['=HYPERLINK("http://evil")', "+plain", "Ann"]):
        body = {"source_id": f"inj-{n}", "name": name, "email": f"inj{n}@shop.test"}
        made(api, "POST", "/v1/customers", body)
    created = ExportsApi(sdk).create_export(
        voucherify.ExportsCreateRequestBody.from_dict(
            {
                "exported_object": "customer",
                "parameters": {
                    "fields": ["source_id", "name"],
                    "order": "created_at",
                    "filters": {
                        "junction": "or",
                        "email": {"conditions": {"$in": ["inj0@shop.test", "inj1@shop.test"]}},
                    },
                },
            }
        )
    )
    rows = download(api, finished(api, created.id), accept="text/csv")
    assert rows == [
        ["source_id", "name"],
        ["inj-0", '\'=HYPERLINK("http://evil")'],
        ["inj-1", "'+plain"],
    ]


def test_the_download_needs_the_token_and_the_project(api: Api, other_api: Api) -> None:
    export = made(api, "POST", "/v1/exports", {"exported_object": "order"})
    url = finished(api, export["id"])["result"]["url"]
    path = url.removeprefix(api.server.url)
    wrong = path[:-1] + ("A" if path[-1] != "A" else "B")
    assert request(api.server, "GET", wrong, headers=api.auth)[0] == 404
    assert request(api.server, "GET", path)[0] == 401
    assert request(api.server, "GET", path, headers=other_api.auth)[0] == 404
    assert request(api.server, "GET", path, headers=api.auth)[0] == 200


def test_exports_page_and_stay_out_of_async_actions(api: Api, sdk: voucherify.ApiClient) -> None:
    ids = [made(api, "POST", "/v1/exports", {"exported_object": "order"})["id"] for _ in range(3)]
    listing = ExportsApi(sdk).list_exports(limit=2, page=2)
    assert (listing.total, [e.id for e in listing.exports]) == (3, [ids[0]])
    oldest = ExportsApi(sdk).list_exports(limit=1, order="created_at")
    assert [e.id for e in oldest.exports] == [ids[0]]
    actions = made(api, "GET", "/v1/async-actions")["async_actions"]
    assert not {a["id"] for a in actions} & set(ids)
    assert request(api.server, "GET", f"/v1/async-actions/{ids[0]}", headers=api.auth)[0] == 404


def test_a_deleted_export_takes_its_file(api: Api, sdk: voucherify.ApiClient) -> None:
    export = finished(api, made(api, "POST", "/v1/exports", {"exported_object": "voucher"})["id"])
    ExportsApi(sdk).delete_export(export["id"])
    path = export["result"]["url"].removeprefix(api.server.url)
    assert request(api.server, "GET", path, headers=api.auth)[0] == 404
    with pytest.raises(NotFoundException):
        ExportsApi(sdk).get_export(export["id"])


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (
            {"exported_object": "voucher", "parameters": {"fields": ["points"]}},
            "invalid_export_fields",
        ),
        ({"exported_object": "product"}, "invalid_payload"),
        ({"exported_object": "order", "parameters": {"order": "-code"}}, "invalid_payload"),
        ({"exported_object": "order", "parameters": {"fields": ["id"] * 101}}, "invalid_payload"),
        ({"exported_object": "order", "parameters": {"fields": ["id\u0000"]}}, "invalid_payload"),
    ],
)
def test_what_cannot_be_exported_is_refused(api: Api, body: dict[str, Any], key: str) -> None:
    status, answer = api.call("POST", "/v1/exports", body)
    assert (status, answer["key"]) == (400, key)


def test_the_sdk_sees_the_refusal_of_unknown_fields(sdk: voucherify.ApiClient) -> None:
    with pytest.raises(BadRequestException, match="invalid_export_fields"):
        ExportsApi(sdk).create_export(
            voucherify.ExportsCreateRequestBody.from_dict(
                {"exported_object": "order", "parameters": {"fields": ["code"]}}
            )
        )
