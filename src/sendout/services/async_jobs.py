"""The worker's side of async actions: claim one, run it batch by batch, record progress.

Every batch commits its work together with the action's progress, so a worker that dies
loses nothing: once its lease runs out another worker takes the action over and carries on
from the last committed batch. Between batches the event loop is free, so API requests
interleave with a long generation instead of waiting for it.

Fencing: the claim writes a fresh token, and each batch commits only while the action still
carries it. A worker that stalled past its lease (frozen, swapped out) while another took the
action over rolls its batch back and stops: a batch is never done twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.campaigns import Campaign, GenerationStatus
from sendout.domain.clock import Clock
from sendout.domain.codes import CodeGenerator, is_reserved_code, parse_code_config
from sendout.domain.errors import DomainError
from sendout.domain.ids import IdPrefix, fencing_token, new_sortable_ids
from sendout.domain.ports import ExportFiles, UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context, internal_context
from sendout.services.customers import customer_bulk
from sendout.services.customers.segments import sync_step
from sendout.services.export_jobs import drop_deleted_export, export_step
from sendout.services.promotions import order_import, voucher_bulk
from sendout.services.promotions.campaign_codes import from_json_dates, new_campaign_voucher
from sendout.services.row_jobs import HandlerMaker, rows_step

log = logging.getLogger("sendout.worker")

GENERATION_BATCH = 50_000
IMPORT_BATCH = 1_000
DELETE_BATCH = 10_000
LEASE = timedelta(seconds=60)  # a worker silent this long is presumed dead

#: the actions made of rows (``row_jobs``), and who applies each one's rows
ROW_JOBS: dict[AsyncActionType, HandlerMaker] = {
    AsyncActionType.CAMPAIGN_VOUCHERS_IMPORT_CSV: voucher_bulk.campaign_rows,
    AsyncActionType.STANDALONE_VOUCHERS_IMPORT: voucher_bulk.standalone_rows,
    AsyncActionType.STANDALONE_VOUCHERS_IMPORT_CSV: voucher_bulk.standalone_rows,
    AsyncActionType.VOUCHERS_BULK_UPDATE: voucher_bulk.update_rows,
    AsyncActionType.VOUCHERS_METADATA_UPDATE: voucher_bulk.update_rows,
    AsyncActionType.CUSTOMERS_BULK_UPDATE: customer_bulk.upsert_rows,
    AsyncActionType.CUSTOMERS_IMPORT_CSV: customer_bulk.upsert_rows,
    AsyncActionType.CUSTOMERS_METADATA_UPDATE: customer_bulk.metadata_rows,
}

#: one step of an action, in the step's transaction: the action as it is afterwards
_Work = Callable[[UnitOfWork, Context, AsyncAction], Awaitable[AsyncAction]]


class AsyncActionRunner:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random,
        export_files: ExportFiles | None = None,
    ) -> None:
        """``export_files``: where exports are written (None: this runner fails them)."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        self._export_files = export_files

    async def run_next(self) -> int:
        """Run the next waiting action to its end; 1 if there was one, else 0."""
        async with self._uow_factory() as uow:
            now = self._clock.now()
            token = fencing_token(self._rng)
            action = await uow.async_actions.claim_next(now, now + LEASE, token)
            await uow.commit()
        if action is None:
            return 0
        log.info("async action %s (%s) started", action.id, action.type.value)
        current: AsyncAction | None = action
        try:
            while current is not None and current.status is AsyncStatus.IN_PROGRESS:
                current = await self._step(current)
                await asyncio.sleep(0)  # let waiting requests in between batches
        except Exception as exc:
            log.exception("async action %s failed", action.id)
            await self._fail(current or action, exc)
            return 1
        if current is None:
            log.warning("async action %s was taken over by another worker: stopped", action.id)
        else:
            log.info("async action %s finished: %s", action.id, current.status.value)
        return 1

    def _context(self, action: AsyncAction) -> Context:
        return internal_context(action.project_id, action.id, self._clock, self._rng)

    async def _step(self, action: AsyncAction) -> AsyncAction | None:
        """One batch, committed with the action's progress; None (rolled back) when the
        action's lease is no longer this worker's."""
        if action.type is not AsyncActionType.ORDERS_IMPORT:
            return await self._held(action, self._batch)
        try:
            return await self._held(action, order_import.import_next)
        except DomainError as refused:
            # The row's writes rolled back with its transaction; its refusal is recorded
            # with the progress in one of its own.
            return await self._held(action, partial(_refuse, refused=refused))

    async def _held(self, action: AsyncAction, work: _Work) -> AsyncAction | None:
        async with self._uow_factory() as uow:
            action = await work(uow, self._context(action), action)
            now = self._clock.now()
            action = replace(action, updated_at=now, lease_until=now + LEASE)
            held = await uow.async_actions.update_if_held(action)
            if held:
                await uow.commit()
        if not held and self._export_files is not None:
            # An export deleted while this batch was written: its file goes too.
            await drop_deleted_export(self._uow_factory, self._export_files, action)
        return action if held else None

    async def _batch(self, uow: UnitOfWork, ctx: Context, action: AsyncAction) -> AsyncAction:
        rows_of = ROW_JOBS.get(action.type)
        if rows_of is not None:
            return await rows_step(uow, ctx, action, rows_of)
        if action.type is AsyncActionType.VOUCHERS_GENERATE:
            return await self._generate(uow, ctx, action)
        if action.type is AsyncActionType.VOUCHERS_IMPORT:
            return await self._import(uow, ctx, action)
        if action.type is AsyncActionType.SEGMENT_SYNC:
            return await sync_step(uow, ctx, action)
        if action.type is AsyncActionType.EXPORT:
            if self._export_files is None:
                raise RuntimeError("this worker has no export files")
            return await export_step(uow, self._export_files, action)
        if action.type is AsyncActionType.CAMPAIGN_DELETE:
            return await self._delete(uow, ctx, action)
        raise ValueError(f"No worker runs {action.type.value} actions")

    async def _campaign(self, uow: UnitOfWork, action: AsyncAction) -> Campaign | None:
        found = await uow.campaigns.get_many(action.project_id, [action.request["campaign_id"]])
        return found.get(action.request["campaign_id"])

    async def _finish_generation(
        self, uow: UnitOfWork, campaign: Campaign, status: GenerationStatus
    ) -> None:
        if campaign.deleted_at is None:
            await uow.campaigns.update(
                replace(campaign, creation_status=status, vouchers_generation_status=status)
            )

    async def _generate(self, uow: UnitOfWork, ctx: Context, action: AsyncAction) -> AsyncAction:
        campaign = await self._campaign(uow, action)
        if campaign is None or campaign.deleted_at is not None or campaign.template is None:
            return replace(
                action, status=AsyncStatus.FAILED, result={"message": "campaign deleted"}
            )
        raw_config = action.request.get("code_config")
        config = parse_code_config(raw_config) if raw_config else campaign.template.code_config
        wanted = min(GENERATION_BATCH, action.total - action.done)
        drawn = dict.fromkeys(CodeGenerator(config, ctx.rng).batch(wanted))
        # A reserved word is skipped like a taken code: the next batch makes up for it.
        codes = [code for code in drawn if not is_reserved_code(code)]
        overrides = from_json_dates(action.request.get("overrides"))
        now = ctx.now()
        if overrides:
            taken = await uow.vouchers.existing_codes(ctx.project_id, codes)
            fresh = [code for code in codes if code not in taken]
            for code in fresh:
                await uow.vouchers.add(new_campaign_voucher(ctx, campaign, code, overrides))
            added = len(fresh)
        else:
            # Codes taken already (by this campaign or another) are skipped by the insert;
            # the shortfall is drawn again in the next batch.
            ids = new_sortable_ids(IdPrefix.VOUCHER, ctx.rng, len(codes), now)
            # In code order, the inserts walk the code index once instead of hopping about it.
            codes.sort()
            pairs = list(zip(ids, codes, strict=True))
            added = await uow.vouchers.add_codes(ctx.project_id, campaign.id, pairs, now)
        await uow.campaigns.add_vouchers_count(campaign.id, added)
        done = action.done + added
        if done < action.total:
            return replace(action, done=done)
        await self._finish_generation(uow, campaign, GenerationStatus.DONE)
        return replace(
            action,
            done=done,
            status=AsyncStatus.DONE,
            result={"message": f"{done} vouchers generated", "count": done},
        )

    async def _import(self, uow: UnitOfWork, ctx: Context, action: AsyncAction) -> AsyncAction:
        campaign = await self._campaign(uow, action)
        if campaign is None or campaign.deleted_at is not None:
            return replace(
                action, status=AsyncStatus.FAILED, result={"message": "campaign deleted"}
            )
        items = action.request["items"][action.done : action.done + IMPORT_BATCH]
        taken = await uow.vouchers.existing_codes(ctx.project_id, [i["code"] for i in items])
        previous = dict(action.result or {"done_count": 0, "failed": []})
        failed = list(previous["failed"])
        added = 0
        for item in items:
            if item["code"] in taken:
                failed.append({"code": item["code"], "reason": "duplicate_found"})
                continue
            overrides = from_json_dates({k: v for k, v in item.items() if k != "code"})
            await uow.vouchers.add(new_campaign_voucher(ctx, campaign, item["code"], overrides))
            added += 1
        await uow.campaigns.add_vouchers_count(campaign.id, added)
        done = action.done + len(items)
        result = {"done_count": previous["done_count"] + added, "failed": failed}
        if done < action.total:
            return replace(action, done=done, result=result)
        return replace(
            action,
            done=done,
            result=result,
            status=AsyncStatus.DONE if result["done_count"] else AsyncStatus.FAILED,
        )

    async def _delete(self, uow: UnitOfWork, ctx: Context, action: AsyncAction) -> AsyncAction:
        removed = await uow.vouchers.remove_some_of_campaign(
            ctx.project_id, action.request["campaign_id"], DELETE_BATCH
        )
        done = action.done + removed
        if removed == DELETE_BATCH:
            return replace(action, done=done)
        return replace(
            action, done=done, status=AsyncStatus.DONE, result={"vouchers_deleted": done}
        )

    async def _fail(self, action: AsyncAction, exc: Exception) -> None:
        async with self._uow_factory() as uow:
            now = self._clock.now()
            failed = replace(
                action,
                status=AsyncStatus.FAILED,
                result={"message": f"{type(exc).__name__}: {exc}"},
                updated_at=now,
                lease_until=None,
            )
            if not await uow.async_actions.update_if_held(failed):
                return  # another worker has it now: its outcome stands
            if action.type is AsyncActionType.VOUCHERS_GENERATE:
                campaign = await self._campaign(uow, action)
                if campaign is not None:
                    await self._finish_generation(uow, campaign, GenerationStatus.FAILED)
            await uow.commit()


async def _refuse(
    uow: UnitOfWork, ctx: Context, action: AsyncAction, *, refused: DomainError
) -> AsyncAction:
    return order_import.refuse_next(action, refused)
