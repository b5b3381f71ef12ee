from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sendout.domain.clock import iso, truncate_ms
from sendout.domain.custom_events import (
    CustomEventSchema,
    LoyaltyRef,
    ReferralRef,
    custom_event_data,
    custom_event_object,
)
from sendout.domain.customers import Customer, apply_changes, customer_object, simple_customer
from sendout.domain.errors import NotFound, Unauthorized
from sendout.domain.event_catalogue import DISTRIBUTION_EVENT_TYPES
from sendout.domain.events import ACTIVITY_TYPES, EventType
from sendout.domain.ids import new_id, new_request_id, new_secret
from sendout.domain.projects import ApiKey, hash_token

NOW = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)


def a_customer(**changes: object) -> Customer:
    values: dict[str, object] = {
        "id": "cust_1",
        "project_id": "proj_1",
        "source_id": "s1",
        "name": "Ann",
        "email": "ann@example.com",
        "metadata": {"tier": "gold"},
        "created_at": truncate_ms(NOW),
    }
    values.update(changes)
    return Customer(**values)  # type: ignore[arg-type]


class TestIds:
    def test_an_id_is_the_prefix_and_24_alphanumerics(self) -> None:
        assert re.fullmatch(r"cust_[0-9A-Za-z]{24}", new_id("cust", random.Random(1)))

    def test_the_same_seed_gives_the_same_ids_and_different_seeds_differ(self) -> None:
        assert new_id("x", random.Random(7)) == new_id("x", random.Random(7))
        assert new_id("x", random.Random(7)) != new_id("x", random.Random(8))

    def test_request_ids_look_like_voucherifys(self) -> None:
        assert re.fullmatch(r"v-[0-9a-f]{18}", new_request_id(random.Random(3)))

    def test_secrets_have_twice_as_many_hex_digits_as_bytes(self) -> None:
        assert re.fullmatch(r"[0-9a-f]{64}", new_secret(random.Random(3), 32))


class TestClock:
    def test_iso_has_milliseconds_and_z(self) -> None:
        assert iso(NOW) == "2026-03-04T05:06:07.891Z"

    def test_iso_converts_other_zones_to_utc(self) -> None:
        plus_two = NOW.astimezone(timezone(timedelta(hours=2)))
        assert iso(plus_two) == "2026-03-04T05:06:07.891Z"

    def test_truncation_drops_microseconds_below_the_millisecond(self) -> None:
        assert truncate_ms(NOW).microsecond == 891000


class TestCatalogue:
    def test_the_activity_types_are_the_74_of_the_sdk(self) -> None:
        assert len(ACTIVITY_TYPES) == 74

    def test_distributions_fire_on_27_event_types(self) -> None:
        assert len(DISTRIBUTION_EVENT_TYPES) == 27
        assert EventType.CUSTOMER_CREATED not in DISTRIBUTION_EVENT_TYPES

    def test_the_distribution_types_match_the_reference_schemas(self, reference_dir: Path) -> None:
        schemas = json.loads((reference_dir / "event-schemas.json").read_text())
        assert set(schemas) - {"_meta"} == DISTRIBUTION_EVENT_TYPES


class TestCustomers:
    def test_changes_apply_only_to_the_fields_given(self) -> None:
        later = NOW + timedelta(minutes=1)
        updated = apply_changes(a_customer(), {"name": "Anne", "phone": None}, later)
        assert (updated.name, updated.email, updated.updated_at) == (
            "Anne",
            "ann@example.com",
            later,
        )

    def test_no_difference_means_the_same_object_and_no_new_timestamp(self) -> None:
        customer = a_customer()
        assert apply_changes(customer, {"name": "Ann"}, NOW) is customer

    def test_the_object_has_a_complete_summary_never_an_empty_one(self) -> None:
        body = customer_object(a_customer(birthdate=date(1990, 1, 2)))
        assert set(body["summary"]) == {"redemptions", "orders"}
        assert body["birthdate"] == "1990-01-02"
        assert body["object"] == "customer"
        assert body["created_at"] == "2026-03-04T05:06:07.891Z"
        assert body["referrals"] == {"total": 0, "campaigns": []}

    def test_money_and_points_in_the_summary_are_integers(self) -> None:
        def numbers(node: object) -> list[object]:
            if isinstance(node, dict):
                return [v for value in node.values() for v in numbers(value)]
            return [node] if isinstance(node, int | float) else []

        assert all(type(n) is int for n in numbers(customer_object(a_customer())["summary"]))

    def test_the_simple_customer_has_the_schema_keys(self) -> None:
        assert list(simple_customer(a_customer())) == [
            "id",
            "name",
            "email",
            "source_id",
            "metadata",
            "object",
        ]


class TestCustomEvents:
    def test_data_has_the_objects_the_reference_lists(self, reference_dir: Path) -> None:
        schemas = json.loads((reference_dir / "event-schemas.json").read_text())
        expected = schemas["customer.custom_event"]["data_objects"]
        customer = a_customer()
        event = custom_event_object(
            event_id="evcus_1",
            name="signed_up",
            customer=customer,
            metadata={"plan": "pro"},
            referral=ReferralRef(code="REF1", referrer_id="cust_2"),
            loyalty=LoyaltyRef(code="LOY1"),
            created_at=NOW,
        )
        data = custom_event_data(
            event=event,
            schema=CustomEventSchema(id="ms_1", project_id="p", name="signed_up", created_at=NOW),
            customer=customer,
            referrer=a_customer(id="cust_2", source_id="s2"),
            referral=ReferralRef(code="REF1", referrer_id="cust_2"),
            loyalty=LoyaltyRef(code="LOY1"),
        )
        assert set(data) == set(schemas["customer.custom_event"]["required_in_spec"])
        assert list(data["event"]) == expected["event"]
        assert list(data["customer"]) == expected["customer"]
        assert list(data["referral"]) == expected["referral"]
        assert list(data["loyalty"]) == expected["loyalty"]
        assert data["referral"]["referrer"]["id"] == "cust_2"


class TestKeysAndErrors:
    def test_a_key_accepts_its_token_and_nothing_else(self) -> None:
        key = ApiKey(
            app_id="a", project_id="p", name="k", token_hash=hash_token("right"), created_at=NOW
        )
        assert key.accepts("right")
        assert not key.accepts("wrong")
        assert not key.accepts("")

    def test_the_token_is_never_stored_in_clear(self) -> None:
        assert "secret-token" not in hash_token("secret-token")

    def test_not_found_names_the_resource(self) -> None:
        error = NotFound.of("customer", "cust_x")
        assert (error.status, error.key, error.resource_id) == (404, "not_found", "cust_x")
        assert error.details == "Cannot find customer with id cust_x"

    def test_the_docstring_is_the_default_message(self) -> None:
        assert Unauthorized().message == "Unauthorized"

    @pytest.mark.parametrize("status", [400, 401, 404, 409, 413, 429])
    def test_every_status_has_a_class(self, status: int) -> None:
        from sendout.domain import errors

        classes = [
            c
            for c in vars(errors).values()
            if isinstance(c, type) and issubclass(c, errors.DomainError)
        ]
        assert status in {c.status for c in classes}


def test_the_event_data_catalogue_matches_the_reference_schemas(reference_dir: Path) -> None:
    from sendout.domain.event_catalogue import BY_TYPE
    from sendout.domain.event_schemas import EVENT_DATA

    schemas = json.loads((reference_dir / "event-schemas.json").read_text())
    for event, spec in EVENT_DATA.items():
        objects = {name: list(keys) for name, keys in spec.objects.items()}
        nested = {
            name: {key: list(keys) for key, keys in inner.items()}
            for name, inner in spec.nested.items()
        }
        assert objects == schemas[event]["data_objects"], event
        assert nested == schemas[event].get("nested_keys", {}), event
        assert set(BY_TYPE[event].own) <= set(spec.objects), event


class TestEventCatalogue:
    def test_every_recorded_event_type_has_one_entry(self) -> None:
        from sendout.domain.event_catalogue import CATALOGUE

        assert set(CATALOGUE) == set(EventType)
        assert all(entry.type is event for event, entry in CATALOGUE.items())

    def test_each_earning_event_names_one_recorded_event(self) -> None:
        from sendout.domain.earning_rules import EarningEvent
        from sendout.domain.event_catalogue import CATALOGUE

        named = [entry.earning for entry in CATALOGUE.values() if entry.earning is not None]
        assert sorted(named) == sorted(EarningEvent)

    def test_project_events_are_ones_a_project_webhook_can_subscribe_to(self) -> None:
        from sendout.domain.event_catalogue import PROJECT_EVENT_OF
        from sendout.domain.webhooks import PROJECT_WEBHOOK_EVENTS

        assert set(PROJECT_EVENT_OF.values()) <= PROJECT_WEBHOOK_EVENTS

    def test_only_triggers_take_parameters_and_carry_objects(self) -> None:
        from sendout.domain.event_catalogue import CATALOGUE

        for entry in CATALOGUE.values():
            if not entry.actions:
                assert not entry.parameters.allowed, entry.type
                assert not entry.own, entry.type
