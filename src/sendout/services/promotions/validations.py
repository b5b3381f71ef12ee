"""Validations (``POST /v1/validations``): a redemption's checks and amounts, computed by the
same code (``redemption_checks.evaluate``), with nothing redeemed; and validation sessions,
which hold back what a valid validation would use until its redemption, its release or the
end of its time (``domain/validation_sessions.py``).

A validation runs in two transactions when it opens a session. The first evaluates the
request and is never committed (the inline customer and order it upserts are not kept). The
second holds each code's row, checks the code again against the holds of every other session
(two customers validating a code's last use at once: the second finds the first's hold and is
``quantity_exceeded``), and writes the holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sendout.domain.errors import NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.redemptions import Applied, Failure, check_voucher
from sendout.domain.validation_sessions import SessionHold, SessionRequest
from sendout.services.context import Context
from sendout.services.promotions.redemption_checks import (
    Evaluation,
    RedemptionRequest,
    check_request,
    evaluate,
    others_see,
    priced,
)
from sendout.services.promotions.redemption_records import Target
from sendout.services.promotions.voucher_lookup import effective
from sendout.services.retries import retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class Validated:
    evaluation: Evaluation
    #: the session opened, with its key (None: none asked for, or the request is not valid)
    session: SessionRequest | None = None


async def validate(
    uow_factory: UnitOfWorkFactory, ctx: Context, request: RedemptionRequest
) -> Validated:
    check_request(request)
    async with uow_factory() as uow:
        evaluation = await evaluate(uow, ctx, request, lock=False, unknown_fails=True)
        # leaving without commit: the inline customer or order upserts are not kept
    if request.session is None or evaluation.failure is not None:
        return Validated(evaluation=evaluation)
    session = request.session
    key = session.key or ctx.new_id(IdPrefix.SESSION)
    return await retry_on_conflict(
        lambda: _hold(uow_factory, ctx, evaluation, replace(session, key=key))
    )


async def _hold(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    evaluation: Evaluation,
    session: SessionRequest,
) -> Validated:
    key = session.key
    assert key is not None  # given, or made by ``validate``
    async with uow_factory() as uow:
        now = ctx.now()
        targets: list[Target] = []
        holds: list[SessionHold] = []
        for target in evaluation.targets:
            if target.voucher is None:
                targets.append(target)  # a promotion tier: nothing to hold
                continue
            hold = SessionHold(
                project_id=ctx.project_id,
                key=key,
                voucher_id=target.voucher.voucher.id,
                credits=target.applied.gift_credits,
                ttl=session.ttl,
                ttl_unit=session.ttl_unit,
                created_at=now,
                expires_at=now + session.lasts(),
            )
            failure = await _still_free(uow, ctx, target, evaluation, key)
            targets.append(target if failure is None else _failed(target, failure))
            holds.append(hold)
        if any(t.failure is not None for t in targets):
            # Lost the race for a code: nothing held, the answer says why.
            order = evaluation.base_order
            return Validated(
                evaluation=replace(
                    evaluation,
                    targets=targets,
                    order=None if order is None else priced(order, targets),
                )
            )
        for hold in holds:
            await uow.validation_sessions.put(hold)
        await uow.commit()
    return Validated(evaluation=evaluation, session=session)


async def _still_free(
    uow: UnitOfWork, ctx: Context, target: Target, evaluation: Evaluation, key: str
) -> Failure | None:
    """Whether the code, under its row's lock, still has what the validation would use once
    every other session's hold is taken out."""
    assert target.voucher is not None
    voucher_id = target.voucher.voucher.id
    await uow.vouchers.lock(ctx.project_id, voucher_id)
    found = await uow.vouchers.get_many(ctx.project_id, [voucher_id])
    if not found:
        return Failure("not_found", NotFound.of("voucher", target.ref.id).details or "", 404)
    (current,) = await effective(uow, ctx, found)
    seen = await others_see(uow, ctx, current, key)
    failure = check_voucher(seen, ctx.now(), evaluation.base_order, target.ref.credits)
    balance = int((seen.gift or {}).get("balance") or 0)
    if failure is None and target.applied.gift_credits > balance:
        code = target.ref.id
        failure = Failure("gift_amount_exceeded", f"Voucher {code} has {balance} credits left")
    return failure


def _failed(target: Target, failure: Failure) -> Target:
    return replace(target, failure=failure, applied=Applied())


async def release_session(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str, key: str
) -> None:
    """``DELETE /v1/vouchers/{code}/sessions/{key}``: the session lets go of the code;
    ``NotFound`` for an unknown code, or a session that holds nothing of it."""

    async def attempt() -> None:
        async with uow_factory() as uow:
            found = await uow.vouchers.get_by_code(ctx.project_id, code)
            if found is None:
                raise NotFound.of("voucher", code)
            if not await uow.validation_sessions.release(ctx.project_id, key, found.id):
                raise NotFound.of("session", key)
            await uow.commit()

    await retry_on_conflict(attempt)
