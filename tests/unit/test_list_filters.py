"""Reading Voucherify's advanced ``filters[...]`` (domain only)."""

from __future__ import annotations

from typing import Any

import pytest

from sendout.domain.errors import InvalidQuery
from sendout.domain.list_filters import Condition, Op, holds_constant, parse_list_filter

FIELDS = {"source_id", "result"}


def test_conditions_junction_and_value_shapes() -> None:
    parsed = parse_list_filter(
        {
            "junction": "or",
            "source_id": {"conditions": {"$in": ["a", "b"], "$has_value": "true"}},
            "result": {"conditions": {"$is": {"0": "SUCCESS"}}},
        },
        FIELDS,
    )
    assert parsed.any_of
    assert parsed.conditions == (
        Condition("source_id", Op.IN, ("a", "b")),
        Condition("source_id", Op.HAS_VALUE, ("true",)),
        Condition("result", Op.IS, ("SUCCESS",)),
    )
    assert not parse_list_filter(None, FIELDS)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"size": {"conditions": {"$is": "1"}}}, "unknown field"),
        ({"source_id": {"conditions": {"$like": "a"}}}, "unknown operator"),
        ({"source_id": {"conditions": {"$in": []}}}, "needs a value"),
        ({"source_id": "a"}, "[conditions]"),
        ({"junction": "xor"}, "junction"),
        ("source_id", "filters["),
    ],
)
def test_bad_filters(raw: Any, message: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse_list_filter(raw, FIELDS)
    assert message in str(caught.value.details)


@pytest.mark.parametrize(
    ("op", "values", "actual", "expected"),
    [
        (Op.IS, ("SUCCESS",), "SUCCESS", True),
        (Op.IN, ("FAILURE",), "SUCCESS", False),
        (Op.IS_NOT, ("FAILURE",), "SUCCESS", True),
        (Op.NOT_IN, ("x",), None, True),
        (Op.HAS_VALUE, (), None, False),
        (Op.IS_UNKNOWN, (), None, True),
        (Op.STARTS_WITH, ("SUC",), "SUCCESS", True),
        (Op.ENDS_WITH, ("ESS",), "SUCCESS", True),
        (Op.CONTAINS, ("CCE",), "SUCCESS", True),
        (Op.NOT_CONTAIN, ("CCE",), "SUCCESS", False),
        (Op.IS, ("x",), None, False),
    ],
)
def test_conditions_on_a_value_every_row_shares(
    op: Op, values: tuple[str, ...], actual: str | None, expected: bool
) -> None:
    assert holds_constant(Condition("result", op, values), actual) is expected
