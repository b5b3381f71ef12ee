"""What storage can hold: the document walk, the raw-bytes pre-check in front of it, and the
int64 bounds the request models carry (and document)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from sendout.domain.bounds import (
    INT64_MAX,
    INT64_MIN,
    MAX_REDEMPTION_QUANTITY,
    first_unstorable,
)
from sendout.domain.errors import InvalidPayload
from sendout.domain.publications import MAX_COUNT_PER_REQUEST
from sendout.entrypoints.api.bounds import check_body
from sendout.entrypoints.api.schemas import (
    campaigns,
    common,
    loyalties,
    loyalty_points,
    orders,
    publications,
    qualifications,
    redemptions,
    rewards,
    vouchers,
)


class TestDocumentWalk:
    @pytest.mark.parametrize(
        ("document", "path"),
        [
            ({"metadata": {"big": INT64_MAX + 1}}, "metadata.big"),
            ({"metadata": {"low": INT64_MIN - 1}}, "metadata.low"),
            (
                {"order": {"items": [{"quantity": 1}, {"quantity": 2**70}]}},
                "order.items[1].quantity",
            ),
            ([{"points": {"from": 0}}, {"points": {"from": 2**64}}], "[1].points.from"),
            ({"a": [[["\0"]]]}, "a[0][0][0]"),
            ({"name": "x\0y"}, "name"),
            ({"metadata": {"k\0": 1}}, "metadata.k\\u0000"),
            (2**63, "body"),
        ],
    )
    def test_names_the_first_value_storage_cannot_hold(self, document: Any, path: str) -> None:
        problem = first_unstorable(document)
        assert problem is not None
        assert problem.startswith(f"{path}: ")

    def test_the_int64_range_itself_and_everything_else_json_holds_is_storable(self) -> None:
        document = {
            "ints": [INT64_MIN, INT64_MAX, 0, True],
            "floats": [1e308, -1.5],
            "text": "\\u0000 \U0001f600 " + "9" * 40,
            "nothing": None,
        }
        assert first_unstorable(document) is None

    def test_a_deeply_nested_document_is_walked_without_recursion(self) -> None:
        document: Any = 2**64
        for _ in range(5000):
            document = [document]
        problem = first_unstorable(document)
        assert problem is not None
        assert problem.startswith("[0]" * 5000 + ": ")


class TestRawBodyCheck:
    @pytest.mark.parametrize(
        "raw",
        [
            b'{"metadata": {"n": 9223372036854775808}}',
            b'{"metadata": {"n": -9223372036854775809}}',
            b'{"name": "a\\u0000"}',
            b'{"k\\u0000": 1}',
        ],
    )
    def test_refuses_what_storage_cannot_hold(self, raw: bytes) -> None:
        with pytest.raises(InvalidPayload):
            check_body(raw)

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"metadata": {"n": 9223372036854775807, "m": -9223372036854775808}}',
            b'{"name": "\\\\u0000"}',  # an escaped backslash, then the text "u0000"
            b'{"source_id": "12345678901234567890123"}',
            b'{"x": 1.0000000000000000000001e5}',
            b"not json 12345678901234567890",  # the model's parser reports this one
            b"",
        ],
    )
    def test_lets_look_alikes_through(self, raw: bytes) -> None:
        check_body(raw)


def bounds_of(model: type[BaseModel], field: str) -> dict[str, Any]:
    schema = model.model_json_schema()["properties"][field]
    integer = next((s for s in schema.get("anyOf", [schema]) if s.get("type") == "integer"), {})
    return {key: integer.get(key) for key in ("type", "format", "minimum", "maximum")}


class TestRequestModels:
    @pytest.mark.parametrize(
        ("model", "field", "low", "high"),
        [
            (vouchers.BalanceBody, "amount", INT64_MIN, INT64_MAX),
            (loyalties.LoyaltyBalanceBody, "points", INT64_MIN, INT64_MAX),
            (loyalty_points.PendingPointsBody, "points", INT64_MIN, INT64_MAX),
            (orders.OrderBody, "amount", INT64_MIN, INT64_MAX),
            (redemptions.GiftCreditsBody, "credits", INT64_MIN, INT64_MAX),
            (rewards.RewardChoiceBody, "points", 1, INT64_MAX),
            (common.RedemptionBody, "quantity", 1, MAX_REDEMPTION_QUANTITY),
            (campaigns.CampaignBody, "vouchers_count", 0, INT64_MAX),
            (publications.PublicationCampaignBody, "count", 1, MAX_COUNT_PER_REQUEST),
            (qualifications.QualificationOptions, "limit", 1, 50),
        ],
    )
    def test_every_integer_field_is_a_bounded_int64(
        self, model: type[BaseModel], field: str, low: int, high: int
    ) -> None:
        # Documented in the schema...
        assert bounds_of(model, field) == {
            "type": "integer",
            "format": "int64",
            "minimum": low,
            "maximum": high,
        }
        # ...and enforced, narrower bounds included (pydantic drops a field's own bounds
        # when its annotation carries some: the reason for the nested Annotated).
        base = {"amount": 1, "points": 1, "id": "r", "name": "n", "vouchers_count": 0}
        for value in (low - 1, high + 1):
            with pytest.raises(ValidationError):
                model.model_validate_json(json.dumps({**base, field: value}))
        for value in (low, high):
            assert (
                getattr(model.model_validate_json(json.dumps({**base, field: value})), field)
                == value
            )
