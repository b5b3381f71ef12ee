"""Secret webhook headers: stored, sent, never shown again except masked.

A webhook channel's header is secret when the channel marks it (``secret_headers``) or, by
default, when its name says it carries a credential: ``Authorization``,
``Proxy-Authorization``, ``Cookie``, or a name ending in ``-Key``, ``-Token`` or ``-Secret``
(``X-Api-Key``, ``X-App-Token``, ...), in any case.

A secret value is shown as ``MASK`` everywhere: the API, the dashboard, and the request a
send-out records. The mask is a constant, so it says nothing about the value (not even its
length or its last characters), and a client that reads a channel, edits it and sends it back
with the mask keeps the stored value. The sender puts the real value back from the channel
when it sends (``unmasked``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sendout.domain.errors import InvalidPayload, invalid_resource

MASK = "********"

_SECRET_NAMES = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
_SECRET_SUFFIXES = ("-key", "-token", "-secret")


def secret_by_default(name: str) -> bool:
    """Whether a header's name alone makes it secret."""
    lowered = name.lower()
    return lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)


def marked(names: Iterable[str]) -> frozenset[str]:
    """The names a channel marks secret, in the form ``is_secret`` compares (lower case)."""
    return frozenset(name.lower() for name in names)


def is_secret(name: str, marks: Collection[str]) -> bool:
    return name.lower() in marks or secret_by_default(name)


def secret_names(headers: Mapping[str, str], marks: Collection[str]) -> list[str]:
    """The channel's headers that are secret, as the channel spells them."""
    return [name for name in headers if is_secret(name, marks)]


def masked(headers: Mapping[str, str], marks: Collection[str] = ()) -> dict[str, str]:
    """The headers as they may be shown or recorded: each secret value replaced by ``MASK``."""
    return {name: MASK if is_secret(name, marks) else value for name, value in headers.items()}


def secret_values(headers: Mapping[str, str], marks: Collection[str]) -> dict[str, str]:
    """Only the secret headers, with their real values (what the sender puts back)."""
    return {name: value for name, value in headers.items() if is_secret(name, marks)}


def with_stored_secrets(
    headers: Mapping[str, str], stored: Mapping[str, str]
) -> tuple[dict[str, str], frozenset[str]]:
    """Headers from a client, each ``MASK`` replaced by the value stored under that name (so
    reading a channel and saving it back does not wipe its secrets), and the names so kept
    (still secret, even if the client left out their marks). A mask with nothing stored under
    its name stays, for ``check_unmasked`` to refuse."""
    if MASK not in headers.values():
        return dict(headers), frozenset()
    by_name = {name.lower(): value for name, value in stored.items()}
    result: dict[str, str] = {}
    restored: set[str] = set()
    for name, value in headers.items():
        if value == MASK and name.lower() in by_name:
            value = by_name[name.lower()]
            restored.add(name.lower())
        result[name] = value
    return result, frozenset(restored)


def check_unmasked(headers: Mapping[str, str], where: str) -> None:
    """A mask left in headers to be saved: there was no stored value to keep."""
    for name, value in headers.items():
        if value == MASK:
            raise _invalid(
                f"{where}.{name}: {MASK} stands for a stored secret, and this channel has "
                "none under that name: give the value"
            )


def check_marks(names: Iterable[str], headers: Mapping[str, str], where: str) -> None:
    """Each name a channel marks secret must be one of its headers."""
    present = {name.lower() for name in headers}
    for name in names:
        if name.lower() not in present:
            raise _invalid(f"{where}: {name!r} is not one of the channel's headers")


def _invalid(details: str) -> InvalidPayload:
    return invalid_resource("distribution", details)


def unmasked(recorded: Mapping[str, str], secrets: Mapping[str, str]) -> Mapping[str, str]:
    """The headers a send-out goes out with: its recorded headers, each ``MASK`` replaced by
    the channel's value (a header the channel no longer has is left out, never sent as the
    mask)."""
    if MASK not in recorded.values():
        return recorded
    by_name = {name.lower(): value for name, value in secrets.items()}
    sent: dict[str, str] = {}
    for name, value in recorded.items():
        if value == MASK:
            real = by_name.get(name.lower())
            if real is None:
                continue
            value = real
        sent[name] = value
    return sent
