"""CSV exports in the domain: what each exported object allows, and how a value becomes a
cell (timestamps, objects, and text a spreadsheet would run as a formula)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from sendout.domain.errors import InvalidPayload
from sendout.domain.exports import KINDS, ExportedObject, cell, csv_lines, export_query


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", '=HYPERLINK("x")'])
def test_text_a_spreadsheet_would_run_is_written_as_text(text: str) -> None:
    assert cell(text) == "'" + text


def test_values_become_cells() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert cell(moment) == "2026-01-02T03:04:05.678Z"
    assert cell(date(2026, 1, 2)) == "2026-01-02"
    assert (cell(None), cell(True), cell(False)) == ("", "true", "false")
    assert cell(-5) == "-5"  # a number is not a formula
    assert cell({"b": 1, "a": "=x"}) == '{"a":"=x","b":1}'
    assert cell(["-1"]) == '["-1"]'


def test_lines_are_rfc_4180_with_quoting() -> None:
    text = csv_lines([["code", "name"], ["A,1", 'say "hi"'], ["=cmd", None]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["code", "name"],
        ["A,1", 'say "hi"'],
        ["'=cmd", ""],
    ]


def test_an_export_query_defaults_to_its_kinds_fields_and_order() -> None:
    query = export_query("points_expiration", {})
    assert query.fields == KINDS[ExportedObject.POINTS_EXPIRATION].default_fields
    assert query.order == "expires_at"
    assert export_query("voucher", {"fields": ["code"]}).order == "created_at"


def test_sendouts_are_sendouts_own_exported_object() -> None:
    query = export_query("sendout", {"fields": ["id", "status"], "order": "-created_at"})
    assert (query.exported_object, query.fields) == (ExportedObject.SENDOUT, ("id", "status"))


@pytest.mark.parametrize(
    ("exported_object", "parameters", "key"),
    [
        ("product", {}, "invalid_payload"),
        ("voucher", {"fields": ["code", "points"]}, "invalid_export_fields"),
        ("voucher", {"fields": ["code", "code"]}, "invalid_export_fields"),
        ("order", {"order": "-code"}, "invalid_payload"),
        ("order", {"filters": {"amount": {"conditions": {"$is": "1"}}}}, "invalid_payload"),
        ("order", {"filters": {"status": {"conditions": {"$after": "1"}}}}, "invalid_payload"),
        (
            "order",
            {"filters": {"id": {"conditions": {"$in": [str(n) for n in range(1001)]}}}},
            "invalid_payload",
        ),
    ],
)
def test_what_a_kind_does_not_allow_is_refused(
    exported_object: str, parameters: dict[str, object], key: str
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        export_query(exported_object, parameters)
    assert refused.value.key == key


def test_filters_are_read_into_conditions() -> None:
    query = export_query(
        "order",
        {"filters": {"junction": "or", "status": {"conditions": {"$in": ["PAID", "CREATED"]}}}},
    )
    (condition,) = query.filters.conditions
    assert (condition.field, condition.values, query.filters.any_of) == (
        "status",
        ("PAID", "CREATED"),
        True,
    )
