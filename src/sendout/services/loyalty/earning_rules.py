"""Earning rules of a loyalty program: create, list, read, change, delete, enable, disable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.earning_rules import (
    MAX_RULES_PER_REQUEST,
    EarningRule,
    parse_rule,
)
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.segments import SegmentType
from sendout.services.context import Context
from sendout.services.loyalty.loyalties import get_program


async def create_rules(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, raws: Sequence[Any]
) -> list[EarningRule]:
    program = await get_program(uow_factory, ctx, program_id)
    if not 1 <= len(raws) <= MAX_RULES_PER_REQUEST:
        raise InvalidPayload(
            details=f"give a list of 1 to {MAX_RULES_PER_REQUEST} earning rules",
            key="invalid_earning_rule",
        )
    now = ctx.now()
    rules = []
    for n, raw in enumerate(raws):
        spec = parse_rule(raw, n)
        rules.append(
            EarningRule(
                id=ctx.new_id(IdPrefix.EARNING_RULE),
                project_id=ctx.project_id,
                campaign_id=program.id,
                event=spec.event,
                custom_event=spec.custom_event,
                segment_id=spec.segment_id,
                loyalty_tier_id=spec.loyalty_tier_id,
                loyalty=spec.loyalty,
                pending_points=spec.pending_points,
                active=raw.get("active", True) is not False,
                metadata=raw.get("metadata") or {},
                banner=spec.banner,
                created_at=now,
            )
        )
    async with uow_factory() as uow:
        await _check_tiers(uow, ctx, program.id, rules)
        await _check_segments(uow, ctx, rules)
        await uow.earning_rules.add_many(rules)
        await uow.commit()
    return rules


async def _check_tiers(
    uow: UnitOfWork, ctx: Context, program_id: str, rules: Sequence[EarningRule]
) -> None:
    """A rule on tier moves names a tier of its own program."""
    wanted = {r.loyalty_tier_id for r in rules if r.loyalty_tier_id is not None}
    if not wanted:
        return
    tiers = {t.id for t in await uow.loyalty_tiers.of_campaign(ctx.project_id, program_id)}
    missing = sorted(wanted - tiers)
    if missing:
        raise NotFound.of("loyalty_tier", missing[0])


async def _check_segments(uow: UnitOfWork, ctx: Context, rules: Sequence[EarningRule]) -> None:
    """A rule on segment entries names an auto-update segment of the caller's project: another
    project's segment is as unknown as a made-up id, and only auto-update segments record
    ``customer.segment.entered`` (a static or passive one would never trigger the rule)."""
    for segment_id in sorted({r.segment_id for r in rules if r.segment_id is not None}):
        segment = await uow.segments.get(ctx.project_id, segment_id)
        if segment is None:
            raise NotFound.of("segment", segment_id)
        if segment.type is not SegmentType.AUTO_UPDATE:
            raise InvalidPayload(
                details=f"segment.id: {segment_id} is a {segment.type.value} segment; only "
                "auto-update segments announce customers entering them",
                key="invalid_earning_rule",
                resource_type="earning_rule",
            )


async def list_rules(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str
) -> Sequence[EarningRule]:
    program = await get_program(uow_factory, ctx, program_id)
    async with uow_factory() as uow:
        return await uow.earning_rules.of_campaign(ctx.project_id, program.id)


async def get_rule(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, rule_id: str
) -> EarningRule:
    found = next(
        (r for r in await list_rules(uow_factory, ctx, program_id) if r.id == rule_id), None
    )
    if found is None:
        raise NotFound.of("earning_rule", rule_id)
    return found


async def update_rule(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    rule_id: str,
    changes: Mapping[str, Any],
) -> EarningRule:
    """``PUT``: the rule's event, custom event, loyalty, banner, active flag or metadata
    change."""
    current = await get_rule(uow_factory, ctx, program_id, rule_id)
    merged = {
        "event": current.event.value,
        "custom_event": {"schema_id": current.custom_event},
        "segment": {"id": current.segment_id},
        "loyalty_tier": {"id": current.loyalty_tier_id},
        "loyalty": dict(current.loyalty),
        "pending_points": current.pending_points,
        "source": {"banner": current.banner},
        **changes,
    }
    spec = parse_rule(merged, 0)
    updated = replace(
        current,
        event=spec.event,
        custom_event=spec.custom_event,
        segment_id=spec.segment_id,
        loyalty_tier_id=spec.loyalty_tier_id,
        loyalty=spec.loyalty,
        pending_points=spec.pending_points,
        active=merged.get("active", current.active) is not False,
        metadata=merged.get("metadata") or current.metadata,
        banner=spec.banner,
        updated_at=ctx.now(),
    )
    async with uow_factory() as uow:
        await _check_tiers(uow, ctx, current.campaign_id, [updated])
        if updated.segment_id != current.segment_id:
            # Only a newly named segment is checked: a rule whose segment was deleted since
            # can still be disabled or changed otherwise.
            await _check_segments(uow, ctx, [updated])
        await uow.earning_rules.update(updated)
        await uow.commit()
    return updated


async def set_active(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, rule_id: str, active: bool
) -> EarningRule:
    return await update_rule(uow_factory, ctx, program_id, rule_id, {"active": active})


async def delete_rule(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, rule_id: str
) -> None:
    await get_rule(uow_factory, ctx, program_id, rule_id)
    async with uow_factory() as uow:
        await uow.earning_rules.remove(ctx.project_id, rule_id)
        await uow.commit()
