"""Raw HTTP: the import routes take their paths before a code's (``POST /v1/vouchers/import``
never makes a voucher ``import``), and a CSV upload that is not a readable file is refused
whole, changing nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api

BOUNDARY = "sendout-test-boundary"


def multipart(content: bytes, name: str = "file") -> tuple[bytes, dict[str, str]]:
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="f.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_the_import_path_is_never_a_code(api: Api) -> None:
    status, body = api.call(
        "POST", "/v1/vouchers/import", {"type": "GIFT_VOUCHER", "gift": {"amount": 100}}
    )
    assert status == 400, body  # an object is not the import's list
    status, body = api.call("POST", "/v1/vouchers/qualification", {"gift": {"amount": 100}})
    assert (status, body["key"]) == (400, "invalid_voucher")
    status, _ = api.call("GET", "/v1/vouchers/import")
    assert status == 404
    status, listed = api.call("GET", "/v1/vouchers")
    assert listed["total"] == 0


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"Code\n", "1 to 10000 rows"),
        (b"", "empty"),
        (b"Code\nA\x00B\n", "NUL"),
        (b"\xff\xfe\n", "UTF-8"),
        (b"Code,Code\nA,B\n", "twice"),
        (b"Code\nA,B\n", "more cells"),
    ],
)
def test_a_csv_file_that_does_not_read_is_refused_whole(
    api: Api, content: bytes, detail: str
) -> None:
    raw, headers = multipart(content)
    for path in ("/v1/vouchers/importCSV", "/v1/customers/importCSV"):
        status, body = api.call("POST", path, raw=raw, headers=headers)
        assert (status, body["key"]) == (400, "invalid_payload"), body
        assert detail in body["details"]
    status, listed = api.call("GET", "/v1/async-actions")
    assert listed["async_actions"] == []


def test_a_csv_file_comes_as_the_part_named_file(api: Api) -> None:
    raw, headers = multipart(b"Code\nX\n", name="upload")
    status, body = api.call("POST", "/v1/vouchers/importCSV", raw=raw, headers=headers)
    assert (status, body["key"]) == (400, "invalid_payload")
    assert "'file'" in body["details"]
    status, body = api.call("POST", "/v1/vouchers/importCSV", {"file": "Code\nX\n"})
    assert status == 400
    status, body = api.call(
        "POST", "/v1/campaigns/nope/importCSV", raw=multipart(b"Code\nX\n")[0], headers=headers
    )
    assert status == 404
