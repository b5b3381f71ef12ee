"""Warnings about webhook targets that cannot be delivered to now (issue 22, section 4).

An address literal outside ``SENDOUT_ALLOWED_TARGETS`` is refused when it is saved
(``domain/urls.py``). A host name cannot be: DNS answers change, so the senders judge each
address when they connect. But a name that resolves only to private addresses today would fail
every send silently, so each name is resolved once when it is saved (``TargetProbe``, bounded)
and what would be refused is said in the save's answer. These warnings are about now, not about
the object: they are never stored, and a lookup that fails or times out never fails the save.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sendout.domain.distributions import Distribution
from sendout.domain.ports import TargetProbe
from sendout.domain.targets import HostLookup, TargetPolicy, refusal_reason
from sendout.domain.urls import InvalidUrl, parse_http_url
from sendout.domain.webhook_channels import WebhookChannel
from sendout.domain.webhooks import ProjectWebhook

#: the variable that opens ranges, named in every warning about a refused address
ALLOWED_TARGETS_VARIABLE = "SENDOUT_ALLOWED_TARGETS"
#: how many refused addresses a warning lists
SHOWN_ADDRESSES = 4


def lookup_warning(host: str, lookup: HostLookup, policy: TargetPolicy) -> str | None:
    """What to tell the person saving a target named ``host``, given what it resolves to now:
    None when the senders could reach at least one of its addresses."""
    if lookup.timed_out:
        return (
            f"{host} could not be resolved in time to be checked: sends will be refused if it "
            f"leads only to private addresses, unless {ALLOWED_TARGETS_VARIABLE} covers them"
        )
    if not lookup.addresses:
        why = f" ({lookup.failure})" if lookup.failure else ""
        return f"{host} does not resolve now{why}: sends will fail until it does"
    if any(policy.allows(address) for address in lookup.addresses):
        return None
    shown = "; ".join(
        f"{address}: {refusal_reason(address)}" for address in lookup.addresses[:SHOWN_ADDRESSES]
    )
    more = len(lookup.addresses) - SHOWN_ADDRESSES
    if more > 0:
        shown += f"; and {more} more"
    return (
        f"{host} resolves only to addresses that are not public ({shown}): sends will be "
        f"refused unless {ALLOWED_TARGETS_VARIABLE} covers them"
    )


async def url_warnings(
    urls: Sequence[tuple[str, str]], policy: TargetPolicy, probe: TargetProbe
) -> list[str]:
    """A warning, prefixed by its field, for each ``(field, url)`` whose host is a name the
    senders could not deliver to now. Each name is looked up once, all at the same time, so the
    whole check takes at most the probe's bound."""
    hosts: list[tuple[str, str]] = []
    for where, url in urls:
        try:
            host = parse_http_url(url).host
        except InvalidUrl:
            continue  # refused when saved; nothing to add
        if host.address is None:  # literals were judged when saved
            hosts.append((where, host.lookup_name))
    names = list(dict.fromkeys(name for _, name in hosts))
    lookups = dict(zip(names, await asyncio.gather(*(probe.lookup(n) for n in names)), strict=True))
    warnings = []
    for where, name in hosts:
        warning = lookup_warning(name, lookups[name], policy)
        if warning is not None:
            warnings.append(f"{where}: {warning}")
    return warnings


async def distribution_warnings(
    distribution: Distribution, policy: TargetPolicy, probe: TargetProbe
) -> list[str]:
    """The warnings about a saved distribution's webhook channels."""
    urls = [
        (f"channels[{n}].url", channel.url)
        for n, channel in enumerate(distribution.channels)
        if isinstance(channel, WebhookChannel)
    ]
    return await url_warnings(urls, policy, probe)


async def webhook_warnings(
    webhook: ProjectWebhook, policy: TargetPolicy, probe: TargetProbe
) -> list[str]:
    """The warnings about a saved project webhook's target."""
    return await url_warnings([("target_url", webhook.target_url)], policy, probe)
