"""The context a use case runs in: its project, request, time and chance."""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.events import EventChannel
from sendout.services.context import internal_context
from sendout.testing import FakeClock, make_context, seeded_rng


def test_ids_carry_their_prefix_and_are_reproducible_from_the_seed() -> None:
    one, two = make_context(rng=seeded_rng(7)), make_context(rng=seeded_rng(7))
    assert one.new_id("cust") == two.new_id("cust")
    assert one.new_id("cust").startswith("cust_")


def test_sortable_ids_sort_by_creation_time() -> None:
    clock = FakeClock()
    ctx = make_context(clock=clock)
    earlier = ctx.new_sortable_id("evcus")
    clock.advance(timedelta(milliseconds=5))
    later = ctx.new_sortable_id("evcus")
    assert earlier < later
    assert len(earlier) == len(later)


def test_now_is_the_clocks() -> None:
    clock = FakeClock()
    ctx = make_context(clock=clock)
    clock.advance(timedelta(hours=1))
    assert ctx.now() == clock.now()


def test_the_workers_own_work_comes_from_the_internal_channel() -> None:
    ctx = internal_context("proj_1", "aa_1", FakeClock(), seeded_rng())
    assert (ctx.project_id, ctx.request_id) == ("proj_1", "aa_1")
    assert ctx.source.channel is EventChannel.INTERNAL
    assert ctx.source.api_key_name is None
