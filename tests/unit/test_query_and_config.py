from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sendout.config import Settings, SettingsError
from sendout.domain.customers import CustomerOrder
from sendout.domain.errors import InvalidQuery
from sendout.entrypoints.api.query import (
    nested,
    parse_datetime,
    parse_limit,
    parse_list,
    parse_order,
    present,
)

MIDNIGHT = datetime(2024, 1, 1, tzinfo=UTC)


class TestQuery:
    @pytest.mark.parametrize(
        "text",
        [
            "2024-01-01T00:00:00.000000+0000",  # the SDK's configuration.datetime_format
            "2024-01-01T00:00:00+00:00",  # isoformat() inside query models
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T01:00:00+01:00",
            "2024-01-01",
            "2024-01-01T00:00:00 00:00",  # an unencoded "+" arrives as a space
        ],
    )
    def test_every_datetime_form_the_sdk_sends_is_read(self, text: str) -> None:
        assert parse_datetime("x", text) == MIDNIGHT

    def test_the_literal_none_means_absent(self) -> None:
        assert present("None") is None
        assert parse_datetime("x", "None") is None
        assert parse_limit("None") == 10

    def test_a_bad_datetime_names_the_parameter(self) -> None:
        with pytest.raises(InvalidQuery, match="created_at"):
            parse_datetime("created_at[before]", "yesterday")

    @pytest.mark.parametrize("value", ["0", "101", "ten"])
    def test_limit_runs_from_1_to_100(self, value: str) -> None:
        with pytest.raises(InvalidQuery):
            parse_limit(value)

    def test_lists_come_repeated_comma_separated_or_as_python_repr(self) -> None:
        assert parse_list(["a", "b,c", "['d', 'e']", "None"]) == ["a", "b", "c", "d", "e"]

    def test_brackets_become_nested_objects_and_none_is_dropped(self) -> None:
        pairs = [
            ("customer[source_id]", "s1"),
            ("metadata[k][a]", "v"),
            ("filters[result][conditions][$in]", "None"),
            ("ids", "1"),
            ("ids", "2"),
        ]
        assert nested(pairs) == {
            "customer": {"source_id": "s1"},
            "metadata": {"k": {"a": "v"}},
            "ids": ["1", "2"],
        }

    def test_order_reads_the_minus_as_descending(self) -> None:
        assert parse_order("-updated_at", CustomerOrder, CustomerOrder.CREATED_AT) == (
            CustomerOrder.UPDATED_AT,
            True,
        )
        assert parse_order("source_id", CustomerOrder, CustomerOrder.CREATED_AT) == (
            CustomerOrder.SOURCE_ID,
            False,
        )
        with pytest.raises(InvalidQuery, match="order must be one of"):
            parse_order("email", CustomerOrder, CustomerOrder.CREATED_AT)


class TestSettings:
    def test_defaults_need_no_environment(self) -> None:
        settings = Settings.from_env({})
        assert (settings.database_url, settings.host, settings.port) == (
            "sqlite:///sendout.db",
            "127.0.0.1",
            8080,
        )
        assert settings.max_body_bytes == 1024 * 1024

    def test_values_come_from_prefixed_variables(self) -> None:
        settings = Settings.from_env(
            {
                "SENDOUT_DATABASE_URL": "postgresql://u@h/db",
                "SENDOUT_PORT": "9000",
                "SENDOUT_LOG_LEVEL": "debug",
                "SENDOUT_MAX_BODY_BYTES": "2048",
            }
        )
        assert settings.database_url == "postgresql://u@h/db"
        assert (settings.port, settings.log_level, settings.max_body_bytes) == (9000, "DEBUG", 2048)

    @pytest.mark.parametrize(
        ("value", "client"), [(None, "http1"), ("aiohttp", "aiohttp"), ("HTTP1", "http1")]
    )
    def test_the_http_client_is_sendouts_own_unless_aiohttp_is_asked_for(
        self, value: str | None, client: str
    ) -> None:
        environ = {} if value is None else {"SENDOUT_HTTP_CLIENT": value}
        assert Settings.from_env(environ).http_client == client

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(None, True), ("0", False), ("false", False), ("OFF", False), ("1", True), ("yes", True)],
    )
    def test_dispatch_runs_in_a_process_of_its_own_unless_turned_off(
        self, value: str | None, expected: bool
    ) -> None:
        environ = {} if value is None else {"SENDOUT_DISPATCH_PROCESS": value}
        assert Settings.from_env(environ).dispatch_process is expected
        assert Settings.from_env({}).secure_cookies is False

    @pytest.mark.parametrize(
        "environ",
        [
            {"SENDOUT_PORT": "eighty"},
            {"SENDOUT_LOG_LEVEL": "LOUD"},
            {"SENDOUT_APP_ID": "only-the-id"},
            {"SENDOUT_MAX_BODY_BYTES": "-1"},
            {"SENDOUT_HTTP_CLIENT": "curl"},
            {"SENDOUT_DISPATCH_PROCESS": "maybe"},
            {"SENDOUT_SECURE_COOKIES": "y"},
            {"SENDOUT_SIGNIN_LOCKOUT_SECONDS": "0"},
        ],
    )
    def test_unusable_values_are_refused_with_the_variable_named(
        self, environ: dict[str, str]
    ) -> None:
        with pytest.raises(SettingsError, match="SENDOUT_"):
            Settings.from_env(environ)

    def test_the_admin_password_has_at_least_16_characters(self) -> None:
        short = "fifteen-chars-!"
        assert len(short) == 15
        with pytest.raises(SettingsError, match="SENDOUT_ADMIN_PASSWORD") as refused:
            Settings.from_env({"SENDOUT_ADMIN_PASSWORD": short})
        assert short not in str(refused.value)
        accepted = Settings.from_env({"SENDOUT_ADMIN_PASSWORD": short + "!"})
        assert accepted.admin_password == short + "!"
        assert Settings.from_env({}).admin_password is None

    def test_the_first_sign_in_lockout_is_a_second_unless_set(self) -> None:
        assert Settings.from_env({}).signin_lockout_seconds == 1.0
        environ = {"SENDOUT_SIGNIN_LOCKOUT_SECONDS": "0.25"}
        assert Settings.from_env(environ).signin_lockout_seconds == 0.25
