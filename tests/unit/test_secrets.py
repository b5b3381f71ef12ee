"""Secret webhook headers (which are secret, how they are masked, kept and put back) and the
box that seals stored secrets (``SENDOUT_ENCRYPTION_KEY``)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from sendout.adapters.db.crypto import SEALED_PREFIX, SecretBox
from sendout.config import Settings, SettingsError
from sendout.domain.channels import ChannelCatalog
from sendout.domain.distribution_checks import check_distribution
from sendout.domain.distributions import ActionSpec, Trigger
from sendout.domain.errors import InvalidPayload, SecretsUnavailable
from sendout.domain.event_catalogue import Action
from sendout.domain.secret_headers import (
    MASK,
    check_unmasked,
    masked,
    secret_by_default,
    unmasked,
    with_stored_secrets,
)
from sendout.domain.webhook_channels import WebhookChannel


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "Proxy-Authorization",
        "Cookie",
        "X-Api-Key",
        "x-app-token",
        "X-Client-Secret",
        "Stripe-Key",
    ],
)
def test_credentials_are_secret_by_their_name(name: str) -> None:
    assert secret_by_default(name)


@pytest.mark.parametrize("name", ["X-Tenant", "Accept-Language", "X-Keyboard", "Tokens", "Key"])
def test_other_names_are_not(name: str) -> None:
    assert not secret_by_default(name)


def channel(headers: dict[str, str], marks: frozenset[str] = frozenset()) -> WebhookChannel:
    return WebhookChannel(
        id="ch_1",
        event_name="hello",
        url="https://example.com/hook",
        headers=headers,
        secret_headers=marks,
        secret="whsec_x",
    )


def test_a_channel_shows_secret_values_masked_and_names_them() -> None:
    shown = channel(
        {"Authorization": "Bearer abc", "X-Tenant": "t1", "X-Signature-Seed": "s33d"},
        frozenset({"x-signature-seed"}),
    ).as_object()
    assert shown["headers"] == {"Authorization": MASK, "X-Tenant": "t1", "X-Signature-Seed": MASK}
    assert shown["secret_headers"] == ["Authorization", "X-Signature-Seed"]
    assert "Bearer abc" not in str(shown)
    assert "s33d" not in str(shown)


def test_the_mask_says_nothing_about_the_value() -> None:
    assert masked({"X-Api-Key": "a"}) == masked({"X-Api-Key": "a-much-longer-key-1234"})


def test_a_mask_sent_back_keeps_the_stored_value_and_stays_secret() -> None:
    stored = {"X-Api-Key": "k-1", "X-Seed": "s"}
    given = {"x-api-key": MASK, "X-Seed": MASK, "X-Tenant": "t2"}
    headers, restored = with_stored_secrets(given, stored)
    assert headers == {"x-api-key": "k-1", "X-Seed": "s", "X-Tenant": "t2"}
    # X-Seed was marked on the stored channel: a client that forgot the mark keeps it secret.
    assert restored == {"x-api-key", "x-seed"}


def test_a_mask_with_nothing_stored_cannot_be_saved() -> None:
    headers, _ = with_stored_secrets({"Authorization": MASK}, {})
    with pytest.raises(InvalidPayload, match=r"channels\[0\].headers.Authorization"):
        check_unmasked(headers, "channels[0].headers")


def test_a_new_value_replaces_the_stored_one() -> None:
    headers, restored = with_stored_secrets({"X-Api-Key": "k-2"}, {"X-Api-Key": "k-1"})
    assert (headers, restored) == ({"X-Api-Key": "k-2"}, frozenset())


def test_the_sender_puts_the_real_values_back_and_never_sends_the_mask() -> None:
    recorded = {"Content-Type": "application/json", "Authorization": MASK, "X-Gone-Key": MASK}
    sent = unmasked(recorded, {"authorization": "Bearer abc"})
    assert sent == {"Content-Type": "application/json", "Authorization": "Bearer abc"}
    plain = {"Content-Type": "application/json"}
    assert unmasked(plain, {}) is plain  # nothing masked: no copy on the hot path


def test_a_mark_must_name_one_of_the_channels_headers() -> None:
    with pytest.raises(InvalidPayload, match=r"channels\[0\].secret_headers"):
        check_distribution(
            Trigger(event="customer.order.paid"),
            ActionSpec(type=Action.PLAIN),
            [channel({"X-Tenant": "t"}, frozenset({"x-seed"}))],
            catalog=ChannelCatalog(),
        )


# --- the box -------------------------------------------------------------------------------

KEY_1, KEY_2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_box_without_keys_stores_plain_values() -> None:
    box = SecretBox()
    assert box.seal("whsec_abc") == "whsec_abc"
    assert box.open("whsec_abc") == "whsec_abc"


def test_sealed_values_hide_the_secret_and_open_with_any_key_of_the_list() -> None:
    sealed = SecretBox([KEY_1]).seal("whsec_abc")
    assert sealed.startswith(SEALED_PREFIX)
    assert "whsec_abc" not in sealed
    assert SecretBox([KEY_2, KEY_1]).open(sealed) == "whsec_abc"
    assert SecretBox([KEY_1]).open("plain-from-before") == "plain-from-before"


def test_a_sealed_value_without_its_key_is_refused_never_returned() -> None:
    sealed = SecretBox([KEY_1]).seal("whsec_abc")
    with pytest.raises(SecretsUnavailable, match="not set"):
        SecretBox().open(sealed)
    with pytest.raises(SecretsUnavailable, match="none of the keys"):
        SecretBox([KEY_2]).open(sealed)


def test_the_key_setting_takes_a_list_and_names_a_bad_key_without_showing_it() -> None:
    settings = Settings.from_env({"SENDOUT_ENCRYPTION_KEY": f"{KEY_2}, {KEY_1}"})
    assert settings.encryption_keys == (KEY_2, KEY_1)
    assert Settings.from_env({}).encryption_keys == ()
    with pytest.raises(SettingsError, match="SENDOUT_ENCRYPTION_KEY: key 2") as raised:
        Settings.from_env({"SENDOUT_ENCRYPTION_KEY": f"{KEY_1},not-a-key-abc"})
    assert "not-a-key-abc" not in str(raised.value)
