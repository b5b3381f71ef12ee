"""A campaign's codes, one by one: drawn free from its code config or chosen, with the
per-code values a request may set on them (the use cases adding them are in
``campaign_vouchers``; the worker adds many at once, ``services/async_jobs.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sendout.domain.campaign_drafts import (
    validate_day_of_week,
    validate_discount,
    validate_gift,
    validate_loyalty_card,
)
from sendout.domain.campaigns import Campaign, Validity, VoucherType
from sendout.domain.codes import (
    RESERVED_CODES,
    CodeConfig,
    CodeGenerator,
    is_reserved_code,
    parse_code_config,
)
from sendout.domain.errors import InvalidPayload
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork
from sendout.domain.vouchers import Voucher
from sendout.services.context import Context

_OWN_VALUE_CHECKS = {
    "discount": validate_discount,
    "gift": validate_gift,
    "loyalty_card": validate_loyalty_card,
}
_VALIDITY_KEYS = ("validity_timeframe", "validity_day_of_week", "validity_hours")


def voucher_overrides(body: Mapping[str, Any]) -> dict[str, Any]:
    """Per-code values a request may set on codes it adds to a campaign, as plain (JSON-able
    but for dates) values; ``voucher_fields`` turns them into ``Voucher`` fields."""
    overrides: dict[str, Any] = {}
    for name in ("category", "metadata", "additional_info", "start_date", "expiration_date"):
        if body.get(name) is not None:
            overrides[name] = body[name]
    if body.get("active") is not None:
        overrides["active"] = bool(body["active"])
    for name, check in _OWN_VALUE_CHECKS.items():
        if body.get(name) is not None:
            overrides[name] = check(body[name])
    for name in _VALIDITY_KEYS:
        if body.get(name) is not None:
            overrides[name] = body[name]
    if "validity_day_of_week" in overrides:
        validate_day_of_week(overrides["validity_day_of_week"])
    redemption = body.get("redemption") or {}
    if redemption.get("quantity") is not None:
        quantity = redemption["quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidPayload(details="redemption.quantity must be a positive integer")
        overrides["redemption_quantity"] = quantity
    return overrides


def jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def from_json_dates(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Per-code values stored as JSON in an action's request (``jsonable``), as values again."""
    values = dict(raw or {})
    for name in ("start_date", "expiration_date"):
        if isinstance(values.get(name), str):
            values[name] = datetime.fromisoformat(values[name])
    return values


def code_config_for(campaign: Campaign, raw: Mapping[str, Any] | None) -> CodeConfig:
    if campaign.template is None:
        raise InvalidPayload(
            details=f"Campaign {campaign.name} ({campaign.campaign_type.value}) has no codes",
            key="invalid_campaign_params",
        )
    return parse_code_config(raw) if raw is not None else campaign.template.code_config


def new_campaign_voucher(
    ctx: Context, campaign: Campaign, code: str, overrides: Mapping[str, Any]
) -> Voucher:
    fields = dict(overrides)
    if any(name in fields for name in _VALIDITY_KEYS):
        fields["validity"] = validity_from(*(fields.pop(name, None) for name in _VALIDITY_KEYS))
    kind = campaign.template.type if campaign.template else None
    for name, vtype in (
        ("discount", VoucherType.DISCOUNT_VOUCHER),
        ("gift", VoucherType.GIFT_VOUCHER),
        ("loyalty_card", VoucherType.LOYALTY_CARD),
    ):
        if name in fields and kind is not vtype:
            raise InvalidPayload(
                details=f"{name} does not apply to the {kind} codes of campaign {campaign.name}",
                key="invalid_voucher",
            )
    return Voucher(
        id=ctx.new_sortable_id(IdPrefix.VOUCHER),
        project_id=ctx.project_id,
        code=code,
        campaign_id=campaign.id,
        created_at=ctx.now(),
        **fields,
    )


async def generate_one(
    uow: UnitOfWork,
    ctx: Context,
    campaign: Campaign,
    config: CodeConfig,
    overrides: Mapping[str, Any],
) -> Voucher:
    """One fresh code of the campaign, in the caller's transaction."""
    code = await draw_free_code(uow, ctx, CodeGenerator(config, ctx.rng))
    return await add_code(uow, ctx, campaign, code, overrides)


async def add_code(
    uow: UnitOfWork, ctx: Context, campaign: Campaign, code: str, overrides: Mapping[str, Any]
) -> Voucher:
    """The campaign's new voucher with ``code`` (known to be free), counted in the campaign."""
    voucher = new_campaign_voucher(ctx, campaign, code, overrides)
    await uow.vouchers.add(voucher)
    await uow.campaigns.add_vouchers_count(campaign.id, 1)
    return voucher


FREE_CODE_DRAWS = 20  # a config at most half full finds a free code in 20 draws but 1 in 10^6


async def draw_free_code(uow: UnitOfWork, ctx: Context, generator: CodeGenerator) -> str:
    """A code of the generator's config that no voucher of the project has."""
    for _ in range(FREE_CODE_DRAWS):
        (code,) = generator.batch(1)
        if is_reserved_code(code):
            continue
        if not await uow.vouchers.existing_codes(ctx.project_id, [code]):
            return code
    raise InvalidPayload(
        details="Could not find a free code: the code_config is nearly full",
        key="invalid_code_config",
    )


def check_code(code: str) -> None:
    if not code or len(code) > 128 or code != code.strip():
        raise InvalidPayload(
            details="A code is 1 to 128 characters without surrounding spaces",
            key="invalid_voucher",
        )
    if is_reserved_code(code):
        raise InvalidPayload(
            details=f"{code} names a route, not a code: codes may not be "
            f"{', '.join(sorted(RESERVED_CODES))}",
            key="invalid_voucher",
        )


def validity_from(
    timeframe: Mapping[str, Any] | None, days: Any, hours: Mapping[str, Any] | None
) -> Validity:
    checked = validate_day_of_week(days)
    return Validity(
        timeframe=timeframe,
        day_of_week=None if checked is None else tuple(checked),
        hours=hours,
    )
