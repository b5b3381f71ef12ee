"""The payload designer: parsing, rendering, filters, schema checks (DESIGN.md §6)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendout.domain.event_catalogue import BY_TYPE
from sendout.domain.event_schemas import EVENT_DATA
from sendout.domain.template_nodes import MAX_DEPTH, MAX_TEMPLATE_BYTES, TemplateError
from sendout.domain.template_paths import PathSchema
from sendout.domain.templates import parse_template, template_from_attributes

SEED_CUSTOMER_SUMMARY = """{
  "customer_profile": {
    "ID": "{{customer.id}}",
    "name": "{{customer.name}}",
    "email": "{{customer.email}}"
  }
}"""
SEED_ORDER_CONFIRMATION = """{
  "order": {
    "orderId": "{{order.id}}",
    "total": {{order.total_amount}},
    "currency": "USD",
    "message": "Thank you for your order, {{customer.name}}!"
  }
}"""


def render(template: str, data: dict[str, Any]) -> Any:
    """Render, then go through JSON text and back, as a send-out does."""
    output = parse_template(template).compile()(data)
    return json.loads(json.dumps(output))


def schema(event: str, extra: tuple[str, ...] = ()) -> PathSchema:
    spec, own = EVENT_DATA[event], BY_TYPE[event].own
    objects = {k: v for k, v in spec.objects.items() if k in own or k in extra}
    return PathSchema(objects=objects, nested=spec.nested)


class TestTheSeedExamples:
    def test_customer_summary(self) -> None:
        data = {"customer": {"id": "cust_1", "name": "John Smith", "email": "j@x.io"}}
        assert render(SEED_CUSTOMER_SUMMARY, data) == {
            "customer_profile": {"ID": "cust_1", "name": "John Smith", "email": "j@x.io"}
        }

    def test_order_confirmation_keeps_the_total_a_number(self) -> None:
        data = {"order": {"id": "ord_1", "total_amount": 12050}, "customer": {"name": "Ann"}}
        assert render(SEED_ORDER_CONFIRMATION, data) == {
            "order": {
                "orderId": "ord_1",
                "total": 12050,
                "currency": "USD",
                "message": "Thank you for your order, Ann!",
            }
        }

    def test_both_pass_the_schema_of_their_events(self) -> None:
        schema("customer.segment.entered").check_template(parse_template(SEED_CUSTOMER_SUMMARY))
        schema("customer.order.paid").check_template(parse_template(SEED_ORDER_CONFIRMATION))


class TestPlaceholders:
    def test_a_whole_value_placeholder_inserts_the_values_json(self) -> None:
        data = {"o": {"n": 3, "f": 1.5, "b": True, "l": [1, "a"], "d": {"k": None}}}
        template = '{"n": {{o.n}}, "f": {{o.f}}, "b": {{o.b}}, "l": {{o.l}}, "d": {{o.d}}}'
        assert render(template, data) == data["o"]

    def test_a_missing_value_is_null_whole_and_empty_inside_text(self) -> None:
        assert render('{"a": {{x.y}}, "b": "<{{x.y}}>"}', {}) == {"a": None, "b": "<>"}

    def test_numbers_inside_text_read_as_json(self) -> None:
        assert render('"{{a}}/{{b}}/{{c}}"', {"a": 1, "b": 2.5, "c": False}) == "1/2.5/false"

    def test_list_items_are_reached_by_index(self) -> None:
        data = {"order": {"items": [{"price": 100}, {"price": 250}]}}
        assert render("{{order.items.1.price}}", data) == 250
        assert render("{{order.items.9.price}}", data) is None

    def test_dotted_keys_build_nested_objects(self) -> None:
        template = '{"order.status": "{{s}}", "order.id": 1, "a.b.c": true, "x": []}'
        assert render(template, {"s": "PAID"}) == {
            "order": {"status": "PAID", "id": 1},
            "a": {"b": {"c": True}},
            "x": [],
        }

    def test_colliding_dotted_keys_are_refused(self) -> None:
        with pytest.raises(TemplateError, match="collides"):
            parse_template('{"a": 1, "a.b": 2}')

    def test_attribute_mapping_is_a_shorthand_for_the_same_template(self) -> None:
        data = {"customer": {"name": "Ann", "email": "a@x.io"}}
        mapped = template_from_attributes([("customer.name", "name"), ("customer.email", None)])
        written = parse_template(
            '{"name": {{customer.name}}, "customer.email": {{customer.email}}}'
        )
        assert (
            mapped.compile()(data)
            == written.compile()(data)
            == {
                "name": "Ann",
                "customer": {"email": "a@x.io"},
            }
        )


class TestFilters:
    @pytest.mark.parametrize(
        ("expression", "value", "expected"),
        [
            ('default: "friend"', None, "friend"),
            ('default: "friend"', "Ann", "Ann"),
            ("upper", "ann", "ANN"),
            ("lower", "ANN", "ann"),
            ("trim", "  a  ", "a"),
            ("money", 1999, "19.99"),
            ("money", -5, "-0.05"),
            ("money", 7, "0.07"),
            ('date: "%d.%m.%Y %H:%M"', "2026-01-02T03:04:05.000Z", "02.01.2026 03:04"),
            ("date", "2026-01-02T03:04:05.000Z", "2026-01-02"),
            ("json", {"a": [1]}, '{"a":[1]}'),
            ("length", [1, 2, 3], 3),
            ("length", None, 0),
            ('join: " + "', ["a", 1], "a + 1"),
            ("truncate: 8", "abcdefghijkl", "abcde..."),
            ("truncate: 8", "short", "short"),
        ],
    )
    def test_each_filter(self, expression: str, value: Any, expected: Any) -> None:
        assert render(f"{{{{v | {expression}}}}}", {"v": value}) == expected

    def test_filters_chain(self) -> None:
        assert render('"{{ v | default: "x" | upper | truncate: 2 }}"', {}) == "X"

    @pytest.mark.parametrize(
        ("template", "message"),
        [
            ("{{v | capitalize}}", "Unknown filter 'capitalize'"),
            ("{{v | uper}}", "did you mean upper"),
            ('{{v | truncate: "x"}}', "Wrong arguments"),
            ("{{v | money: 2}}", "Wrong arguments"),
            ('{{v | date: "%Q"}}', "date supports"),
        ],
    )
    def test_bad_filters_are_refused_at_save(self, template: str, message: str) -> None:
        with pytest.raises(TemplateError, match=message):
            parse_template(template)


class TestErrorsSayWhere:
    @pytest.mark.parametrize(
        ("template", "line", "column"),
        [
            ('{"a": 1,\n  "b": }', 2, 8),
            ('{"a": {{x}', 1, 7),
            ('{"a": "unterminated}', 1, 7),
            ('{\n\n   "k": nope}', 3, 9),
            ('{"a": 1} extra', 1, 10),
            ('{"{{x}}": 1}', 1, 2),
        ],
    )
    def test_line_and_column(self, template: str, line: int, column: int) -> None:
        with pytest.raises(TemplateError) as caught:
            parse_template(template)
        assert (caught.value.line, caught.value.column) == (line, column)
        assert caught.value.key == "invalid_template"

    def test_limits(self) -> None:
        with pytest.raises(TemplateError, match="limited"):
            parse_template('"' + "x" * MAX_TEMPLATE_BYTES + '"')
        with pytest.raises(TemplateError, match="deeper"):
            parse_template("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2))


class TestSchemaChecks:
    def test_an_unknown_object_names_the_nearest_ones(self) -> None:
        template = parse_template('{"x": "{{custmer.name}}"}')
        with pytest.raises(TemplateError, match="nearest valid keys: customer") as caught:
            schema("customer.segment.entered").check_template(template)
        assert (caught.value.line, caught.value.column) == (1, 8)

    def test_an_unknown_key_names_the_nearest_ones(self) -> None:
        with pytest.raises(TemplateError, match=r"customer\.email"):
            schema("customer.segment.entered").check_template(parse_template("{{customer.emial}}"))

    def test_objects_of_other_events_are_refused(self) -> None:
        # The seed's own example: a segment event has no redemption.
        with pytest.raises(TemplateError, match="redemption"):
            schema("customer.segment.entered").check_template(parse_template("{{redemption.date}}"))

    def test_the_actions_objects_become_available(self) -> None:
        template = parse_template("{{voucher.code}}")
        with pytest.raises(TemplateError):
            schema("customer.custom_event").check_template(template)
        schema("customer.custom_event", ("campaign", "voucher", "publication")).check_template(
            template
        )

    def test_lists_take_an_index_and_metadata_is_free_form(self) -> None:
        paid = schema("customer.order.paid")
        paid.check_template(parse_template("{{order.items.0.price}}"))
        paid.check_template(parse_template("{{customer.metadata.any.depth}}"))
        with pytest.raises(TemplateError, match="index"):
            paid.check_template(parse_template("{{order.items.price}}"))


# --- properties ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values, text=st.text(max_size=30))
def test_any_value_renders_to_valid_json_of_the_expected_shape(value: Any, text: str) -> None:
    template = '{"whole": {{v}}, "inside": "<{{v}}>", "nested.key": {{v}}, "static": "s"}'
    output = render(template, {"v": value, "t": text})
    inside = (
        ""
        if value is None
        else value
        if isinstance(value, str)
        else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    )
    assert output == {
        "whole": value,
        "inside": f"<{inside}>",
        "nested": {"key": value},
        "static": "s",
    }


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_stays_one_valid_json_string(text: str) -> None:
    assert render('"Hello {{c.name}}!"', {"c": {"name": text}}) == f"Hello {text}!"


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.from_regex(r"[a-z]{1,5}(\.[a-z]{1,5}){0,2}", fullmatch=True), max_size=6))
def test_dotted_keys_nest_like_their_paths(keys: list[str]) -> None:
    try:
        template = parse_template(
            "{" + ", ".join(f'"{key}": "{key}"' for key in dict.fromkeys(keys)) + "}"
        )
    except TemplateError:
        return  # colliding keys are refused; covered above
    output = template.compile()({})
    for key in dict.fromkeys(keys):
        node: Any = output
        for part in key.split("."):
            node = node[part]
        assert node == key


@pytest.mark.parametrize("event", sorted(EVENT_DATA))
def test_every_key_of_every_event_is_accepted(event: str) -> None:
    spec = EVENT_DATA[event]
    checker = PathSchema(objects=spec.objects, nested=spec.nested)
    paths = [f"{obj}.{key}" for obj, keys in spec.objects.items() for key in keys] or list(
        spec.objects
    )
    checker.check_template(parse_template("[" + ", ".join(f"{{{{{p}}}}}" for p in paths) + "]"))
