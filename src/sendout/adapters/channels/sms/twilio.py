"""SMS through Twilio's Messages API.

``POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json``, form-encoded ``To``,
``From`` (or ``MessagingServiceSid``) and ``Body``, HTTP basic auth with the account SID and
auth token (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-
resource). A customer without a phone number is SKIPPED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from sendout.adapters.channels.http.http_api import (
    PlatformRequest,
    PlatformSender,
    basic_auth,
    setting,
)
from sendout.domain.channels import (
    ChannelSpec,
    ConfigField,
    ProviderConfig,
    ProviderSpec,
    Setting,
    TargetField,
)

PROVIDER = ProviderSpec(
    name="twilio",
    label="Twilio",
    fields=(
        ConfigField("account_sid", required=True),
        ConfigField("auth_token", required=True, secret=True),
        ConfigField("from_number"),
        ConfigField("messaging_service_sid"),
        ConfigField("base_url", default="https://api.twilio.com", target=TargetField.URL),
    ),
)

SPEC = ChannelSpec(
    type="sms",
    label="SMS (Twilio)",
    provider=PROVIDER,
    settings=(
        Setting("to", default="{{customer.phone}}", description="the phone number, E.164"),
        Setting("body", required=True, description="the text of the message"),
    ),
    recipient="to",
    missing_recipient="customer has no phone number",
)


class TwilioSender(PlatformSender):
    provider = PROVIDER

    def request(self, message: Mapping[str, Any], config: ProviderConfig) -> PlatformRequest | str:
        sid = setting(config, "account_sid")
        fields = {"To": str(message["to"]).strip(), "Body": str(message.get("body") or "")}
        service = setting(config, "messaging_service_sid")
        if service:
            fields["MessagingServiceSid"] = service
        else:
            fields["From"] = setting(config, "from_number")
        url = (
            f"{setting(config, 'base_url').rstrip('/')}/2010-04-01/Accounts/"
            f"{quote(sid, safe='')}/Messages.json"
        )
        headers = {
            "Authorization": basic_auth(sid, setting(config, "auth_token")),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        return PlatformRequest(url, headers, urlencode(fields).encode())
