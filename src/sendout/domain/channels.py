"""Message channels beyond webhooks: email, SMS and CRM integrations (seed 000, issue 8).

Each kind of channel is described by a ``ChannelSpec``: its settings (each a template written
in the payload designer's placeholder language: plain text, HTML, or a JSON document), which
setting names the recipient (a message without one is SKIPPED, not failed), and the project
provider whose configuration it sends with (SMTP server, API keys, base URL). The transport
itself is an adapter (``adapters/channels``); a spec and its transport live in one adapter
file, and one line registers them (``adapters/channels/registry.py``).

At dispatch a channel's settings are rendered with the event's data into a *message* (a JSON
object of the rendered settings), stored with the send-out; at delivery the adapter turns
the message and the provider configuration into the platform's request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sendout.domain.errors import InvalidPayload, invalid_field
from sendout.domain.retry import RetryPolicy, retry_object
from sendout.domain.targets import TargetPolicy
from sendout.domain.template_filters import InlineImage
from sendout.domain.template_paths import PathSchema
from sendout.domain.templates import compiled_template, parse_template
from sendout.domain.text_templates import compiled_text, images_of, parse_text_template
from sendout.domain.urls import InvalidUrl, parse_host, parse_http_url, refused_host

MAX_SETTING_BYTES = 64 * 1024


class SettingKind(StrEnum):
    #: text with placeholders (a subject, an SMS body, an address)
    TEXT = "text"
    #: HTML with placeholders, each value HTML-escaped; ``| qr`` and ``| barcode`` make images
    HTML = "html"
    #: a JSON document with placeholders (event properties of a CRM)
    JSON = "json"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    kind: SettingKind = SettingKind.TEXT
    required: bool = False
    #: used when the channel does not set it
    default: str | None = None
    description: str = ""


class TargetField(StrEnum):
    """A provider setting that says where connections go."""

    #: an http(s) base URL (a CRM's API)
    URL = "url"
    #: an SMTP server's host name or address
    SMTP_HOST = "smtp_host"
    #: an SMTP server's port
    SMTP_PORT = "smtp_port"


@dataclass(frozen=True, slots=True)
class ConfigField:
    """One field of a provider's project configuration."""

    name: str
    required: bool = False
    #: stored, used, never shown again (passwords, API keys)
    secret: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    #: a whole number (a port)
    number: bool = False
    #: where the provider's connections go: checked with the senders' own rules when saved
    target: TargetField | None = None


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """What a project configures once to use a provider (an SMTP server, a CRM account)."""

    name: str
    label: str
    fields: tuple[ConfigField, ...]

    def field(self, name: str) -> ConfigField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    type: str
    label: str
    provider: ProviderSpec
    settings: tuple[Setting, ...]
    #: the setting that names the recipient: rendered empty, the send-out is SKIPPED
    recipient: str | None = None
    #: why, in the send-out log
    missing_recipient: str = "no recipient"

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)


class ChannelCatalog:
    """The channel kinds this installation can send through, their providers, and where they
    may connect (``targets``: what every target saved with a channel or a provider is checked
    against)."""

    def __init__(
        self, specs: Iterable[ChannelSpec] = (), targets: TargetPolicy | None = None
    ) -> None:
        self.targets = TargetPolicy() if targets is None else targets
        self._specs = {spec.type: spec for spec in specs}
        self._providers = {spec.provider.name: spec.provider for spec in self._specs.values()}

    def spec(self, channel_type: str) -> ChannelSpec | None:
        return self._specs.get(channel_type)

    def provider(self, name: str) -> ProviderSpec | None:
        return self._providers.get(name)

    @property
    def types(self) -> list[str]:
        return sorted(self._specs)

    @property
    def providers(self) -> list[ProviderSpec]:
        return [self._providers[name] for name in sorted(self._providers)]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageChannel:
    """A channel of a distribution that is not a webhook: its kind and its settings."""

    id: str
    type: str
    event_name: str
    settings: Mapping[str, str] = field(default_factory=dict)
    retry: RetryPolicy | None = None

    def as_object(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "event_name": self.event_name,
            "settings": dict(self.settings),
            "retry": None if self.retry is None else retry_object(self.retry),
        }


def _bad(details: str, where: str) -> InvalidPayload:
    return invalid_field(details, where)


def effective_settings(channel: MessageChannel, spec: ChannelSpec) -> dict[str, str]:
    """The channel's settings with the spec's defaults for those it leaves out."""
    values = {s.name: s.default for s in spec.settings if s.default is not None}
    values.update(channel.settings)
    return values


def check_message_channel(
    channel: MessageChannel, spec: ChannelSpec, schema: PathSchema, where: str
) -> None:
    """Known settings only, the required ones given, each a valid template reading only what
    the trigger's data holds."""
    unknown = sorted(set(channel.settings) - {s.name for s in spec.settings})
    if unknown:
        known = ", ".join(s.name for s in spec.settings)
        raise _bad(f"unknown setting {unknown[0]!r} for {spec.type} (settings: {known})", where)
    values = effective_settings(channel, spec)
    for setting in spec.settings:
        text = values.get(setting.name)
        at = f"{where}.settings.{setting.name}"
        if text is None:
            if setting.required:
                raise _bad(f"required for {spec.type}", at)
            continue
        if not isinstance(text, str):
            raise _bad("a template: text with {{placeholders}}", at)
        if len(text.encode()) > MAX_SETTING_BYTES:
            raise _bad(f"at most {MAX_SETTING_BYTES} bytes", at)
        try:
            template = (
                parse_template(text)
                if setting.kind is SettingKind.JSON
                else parse_text_template(text)
            )
            schema.check_template(template)
        except InvalidPayload as error:
            raise _bad(error.details or error.message, at) from None


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A channel's message for one event: its rendered settings, the inline images its HTML
    refers to, or why there is nothing to send."""

    fields: dict[str, Any]
    images: list[InlineImage]
    skipped: str | None = None

    def as_document(self) -> dict[str, Any]:
        """What a send-out stores and an adapter reads."""
        return {
            **self.fields,
            "images": [{"cid": i.cid, "kind": i.kind, "data": i.data} for i in self.images],
        }


def render_message(
    channel: MessageChannel, spec: ChannelSpec, data: Mapping[str, Any]
) -> RenderedMessage:
    fields: dict[str, Any] = {}
    images: list[InlineImage] = []
    for name, text in effective_settings(channel, spec).items():
        setting = spec.setting(name)
        if setting is None:
            continue
        if setting.kind is SettingKind.JSON:
            fields[name] = compiled_template(text)(data)
            continue
        fields[name] = compiled_text(text, html=setting.kind is SettingKind.HTML)(data)
        if setting.kind is SettingKind.HTML:
            seen = {(i.kind, i.data) for i in images}
            images.extend(i for i in images_of(text, data) if (i.kind, i.data) not in seen)
    if spec.recipient is not None and not str(fields.get(spec.recipient) or "").strip():
        return RenderedMessage(fields, [], skipped=spec.missing_recipient)
    return RenderedMessage(fields, images)


# --- provider configuration ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderConfig:
    """A project's configuration of a provider: ``settings`` are shown, ``secrets`` never."""

    project_id: str
    provider: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        return self.secrets.get(name, self.settings.get(name))


def parse_config(
    spec: ProviderSpec,
    raw: Mapping[str, Any],
    current: ProviderConfig | None,
    *,
    targets: TargetPolicy,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A provider configuration from a request: unknown fields refused, required ones given
    (a secret already stored may be left out: it is kept), choices, numbers and targets
    checked."""
    unknown = sorted(set(raw) - {f.name for f in spec.fields})
    if unknown:
        known = ", ".join(f.name for f in spec.fields)
        raise InvalidPayload(
            details=f"{unknown[0]}: not a setting of {spec.name} (settings: {known})",
            key="invalid_integration",
        )
    settings: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for config_field in spec.fields:
        value = raw.get(config_field.name)
        if value is None and config_field.secret and current is not None:
            value = current.secrets.get(config_field.name)
        if value is None:
            value = config_field.default
        if value is None:
            if config_field.required:
                raise InvalidPayload(
                    details=f"{config_field.name}: required for {spec.name}",
                    key="invalid_integration",
                )
            continue
        if config_field.number:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
                raise InvalidPayload(
                    details=f"{config_field.name}: a whole number from 1 to 65535",
                    key="invalid_integration",
                )
        elif not isinstance(value, str) or not value.strip() or len(value) > 2048:
            raise InvalidPayload(
                details=f"{config_field.name}: text of 1 to 2048 characters",
                key="invalid_integration",
            )
        if config_field.choices and value not in config_field.choices:
            raise InvalidPayload(
                details=f"{config_field.name}: one of {', '.join(config_field.choices)}",
                key="invalid_integration",
            )
        if config_field.target is not None:
            problem = target_problem(config_field.target, value, targets)
            if problem is not None:
                raise InvalidPayload(
                    details=f"{config_field.name}: {problem}", key="invalid_integration"
                )
        if config_field.secret:
            secrets[config_field.name] = str(value)
        else:
            settings[config_field.name] = value
    return settings, secrets


def target_problem(kind: TargetField, value: Any, targets: TargetPolicy) -> str | None:
    """Why a provider's target setting cannot be used, read as its sender reads it."""
    if kind is TargetField.SMTP_PORT:
        if targets.allows_smtp_port(value):
            return None
        return f"SMTP goes to ports {targets.smtp_ports_text()} (SENDOUT_SMTP_PORTS opens others)"
    try:
        host = parse_http_url(value).host if kind is TargetField.URL else parse_host(value)
    except InvalidUrl as exc:
        return str(exc)
    return refused_host(host, targets)


def config_object(spec: ProviderSpec, config: ProviderConfig) -> dict[str, Any]:
    """A configuration as the API shows it: secrets only say whether they are set."""
    return {
        "provider": spec.name,
        "label": spec.label,
        "settings": dict(config.settings),
        "secrets": {f.name: f.name in config.secrets for f in spec.fields if f.secret},
        "object": "integration",
    }


def spec_object(spec: ChannelSpec) -> dict[str, Any]:
    """A channel kind as ``GET /v1/channels`` describes it."""
    return {
        "type": spec.type,
        "label": spec.label,
        "provider": {
            "name": spec.provider.name,
            "label": spec.provider.label,
            "fields": [
                {
                    "name": f.name,
                    "required": f.required,
                    "secret": f.secret,
                    "default": f.default,
                    "choices": list(f.choices),
                }
                for f in spec.provider.fields
            ],
        },
        "recipient": spec.recipient,
        "settings": [
            {
                "name": s.name,
                "kind": s.kind.value,
                "required": s.required,
                "default": s.default,
                "description": s.description,
            }
            for s in spec.settings
        ],
    }
