"""What every HTTP platform adapter (SMS, CRMs) shares: the request goes out through the
webhook transport (keep-alive pool, bounded time, no redirects, the SSRF guard), and the
answer is classified as the issue asks: 2xx delivered; 429 and 5xx retried; any other 4xx
failed at once with the platform's own message.

Each platform's adapter is a ``PlatformSender``: it says only how a message becomes the
platform's request (and, where the platform answers 2xx for an event it did not record, how
to read that answer); refusing without settings, posting and classifying are done here once.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from sendout.domain.channels import ProviderConfig, ProviderSpec, Setting, SettingKind
from sendout.domain.deliveries import ChannelSender, OutboundRequest, SendResult

#: the content headers of a JSON API's request (after its authentication)
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
#: keys platforms put their error message under, most specific first
_MESSAGE_KEYS = ("message", "error_message", "detail", "error", "errors", "msg", "title")


def not_configured(provider: str) -> SendResult:
    return SendResult(
        status_code=None,
        duration_ms=0,
        error=f"the project has no {provider} settings (PUT /v1/integrations/{provider})",
        final=True,
    )


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def json_body(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def platform_message(excerpt: str) -> str | None:
    """The platform's own words from an error answer (JSON or text), kept short."""
    text = excerpt.strip()
    if not text:
        return None
    try:
        found: Any = json.loads(text)
    except ValueError:
        return text[:300]
    for _ in range(4):  # {"errors": [{"detail": "..."}]} and the like
        if isinstance(found, list) and found:
            found = found[0]
        if isinstance(found, Mapping):
            found = next((found[k] for k in _MESSAGE_KEYS if found.get(k)), None)
        if isinstance(found, str):
            return found[:300]
        if found is None:
            break
    return text[:300]


async def post(
    http: ChannelSender, url: str, headers: Mapping[str, str], body: bytes
) -> SendResult:
    """POST and classify the answer."""
    result = await http.send(OutboundRequest(url=url, headers=headers, body=body))
    code = result.status_code
    if code is None or result.delivered or code == 429 or code >= 500:
        said = platform_message(result.response_excerpt) if code else None
        return replace(result, error=said or result.error) if said else result
    return replace(result, error=platform_message(result.response_excerpt), final=True)


def setting(config: ProviderConfig, name: str) -> str:
    return str(config.value(name) or "")


def refused(reason: str) -> SendResult:
    """A message the platform cannot take, whatever the retries: failed before sending."""
    return SendResult(status_code=None, duration_ms=0, error=reason, final=True)


NOT_AN_OBJECT = "properties: the template must render a JSON object"


def properties_of(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """The rendered ``properties`` (``{}`` when the channel sets none); None when they are not
    a JSON object."""
    properties = message.get("properties")
    if properties is None:
        return {}
    return dict(properties) if isinstance(properties, Mapping) else None


def event_name(message: Mapping[str, Any], setting_name: str = "event") -> str:
    """The event's name: the channel's setting when it renders one, else its event name."""
    chosen = str(message.get(setting_name) or "").strip()
    return chosen or str(message.get("event_name") or "")


def endpoint(config: ProviderConfig, path: str) -> str:
    """``path`` on the provider's base URL."""
    return f"{setting(config, 'base_url').rstrip('/')}/{path.lstrip('/')}"


def failed_inside(result: SendResult, reason_of: Callable[[str], str | None]) -> SendResult:
    """A 2xx answer whose body says the platform did not record the message (``reason_of``
    reads the body: the platform's words, or None when all went well) fails at once."""
    if not result.delivered:
        return result
    said = reason_of(result.response_excerpt)
    if said is None:
        return result
    return replace(result, status_code=None, error=said, final=True)


def json_answer(excerpt: str) -> Mapping[str, Any] | None:
    """An answer's body as a JSON object; None when it is not one."""
    try:
        answer: Any = json.loads(excerpt)
    except ValueError:
        return None
    return answer if isinstance(answer, Mapping) else None


def utc_moment(moment: Any) -> datetime | None:
    """An ISO 8601 timestamp in UTC (a missing zone means UTC); None if it is not one."""
    try:
        parsed = datetime.fromisoformat(str(moment))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PlatformRequest:
    """One POST to a platform's API."""

    url: str
    headers: Mapping[str, str]
    body: bytes


class PlatformSender(ABC):
    """A ``MessageSender`` for an HTTP platform: without the project's settings for
    ``provider`` the message fails at once; else ``request`` makes the platform's request (or
    says why the message cannot be sent: it fails at once), which is posted and classified,
    and a 2xx answer ``not_recorded`` reads as refused fails at once too."""

    provider: ClassVar[ProviderSpec]

    def __init__(self, http: ChannelSender) -> None:
        self._http = http

    async def send(self, message: Mapping[str, Any], config: ProviderConfig | None) -> SendResult:
        if config is None:
            return not_configured(self.provider.name)
        made = self.request(message, config)
        if isinstance(made, str):
            return refused(made)
        result = await post(self._http, made.url, made.headers, made.body)
        return failed_inside(result, self.not_recorded)

    @abstractmethod
    def request(self, message: Mapping[str, Any], config: ProviderConfig) -> PlatformRequest | str:
        """The platform's request for ``message``, or the reason it cannot be sent."""

    def not_recorded(self, excerpt: str) -> str | None:
        """The platform's words when a 2xx answer says the message was not recorded; most
        platforms' 2xx always means recorded."""
        return None


class EventSender(PlatformSender):
    """A platform that records a customer event with ``properties``: the channel's
    ``properties`` setting must render a JSON object (else the message fails at once)."""

    def request(self, message: Mapping[str, Any], config: ProviderConfig) -> PlatformRequest | str:
        properties = properties_of(message)
        if properties is None:
            return NOT_AN_OBJECT
        return self.event_request(message, config, properties)

    @abstractmethod
    def event_request(
        self, message: Mapping[str, Any], config: ProviderConfig, properties: dict[str, Any]
    ) -> PlatformRequest | str:
        """The platform's request recording the event with ``properties``."""


def properties_setting(description: str) -> Setting:
    """The ``properties`` setting of an event platform's channel: a JSON object template."""
    return Setting("properties", kind=SettingKind.JSON, description=description)
