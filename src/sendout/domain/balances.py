"""Gift credits and loyalty points added or removed by hand, and the voucher transactions that
record every change (reference §1b Vouchers: ``/balance`` and ``/transactions``).

A gift card's ``amount`` is the credit it was given in all, ``balance`` what is left to spend;
adding credits raises both, removing lowers both (never below zero). A loyalty card's
``points`` and ``balance`` move the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.bounds import INT64_MAX
from sendout.domain.campaigns import VoucherType
from sendout.domain.clock import iso
from sendout.domain.errors import InvalidPayload
from sendout.domain.list_filters import ListFilter
from sendout.domain.vouchers import EffectiveVoucher

MAX_CHANGE = 10**12


class TransactionType(StrEnum):
    CREDITS_ADDITION = "CREDITS_ADDITION"
    CREDITS_REMOVAL = "CREDITS_REMOVAL"
    CREDITS_REDEMPTION = "CREDITS_REDEMPTION"
    CREDITS_REFUND = "CREDITS_REFUND"
    POINTS_ADDITION = "POINTS_ADDITION"
    POINTS_REMOVAL = "POINTS_REMOVAL"
    #: earned through an earning rule
    POINTS_ACCRUAL = "POINTS_ACCRUAL"
    #: spent on a reward
    POINTS_REDEMPTION = "POINTS_REDEMPTION"
    POINTS_EXPIRATION = "POINTS_EXPIRATION"
    PENDING_POINTS_ACTIVATION = "PENDING_POINTS_ACTIVATION"
    #: moved to another card (``POST …/members/{code}/transfers``), and received from one
    POINTS_TRANSFER_OUT = "POINTS_TRANSFER_OUT"
    POINTS_TRANSFER_IN = "POINTS_TRANSFER_IN"


def _bad(details: str) -> InvalidPayload:
    return InvalidPayload(details=details, key="invalid_add_balance_params")


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceChange:
    """The outcome of one manual change: the card's new values and the answer's fields."""

    kind: VoucherType
    #: the voucher's new ``gift`` or ``loyalty_card`` object
    card: Mapping[str, Any]
    delta: int
    total: int
    balance: int

    @property
    def transaction_type(self) -> TransactionType:
        if self.kind is VoucherType.GIFT_VOUCHER:
            adding = TransactionType.CREDITS_ADDITION, TransactionType.CREDITS_REMOVAL
        else:
            adding = TransactionType.POINTS_ADDITION, TransactionType.POINTS_REMOVAL
        return adding[0] if self.delta > 0 else adding[1]

    @property
    def card_delta_key(self) -> str:
        """What a card's own records (its transactions, its events) call the change: a gift
        card's ``amount``, a loyalty card's ``points`` (the SDK reads nothing else)."""
        return "amount" if self.kind is VoucherType.GIFT_VOUCHER else "points"

    def as_object(self, voucher_id: str, delta_key: str = "amount") -> dict[str, Any]:
        """``VouchersBalanceUpdateResponseBody``; the loyalty events' ``balance`` names the
        change ``points`` instead."""
        gift = self.kind is VoucherType.GIFT_VOUCHER
        return {
            delta_key: self.delta,
            "total": self.total,
            "balance": self.balance,
            "type": "gift_voucher" if gift else "loyalty_card",
            "operation_type": "MANUAL",
            "object": "balance",
            "related_object": {"type": "voucher", "id": voucher_id},
        }


def change_balance(voucher: EffectiveVoucher, delta: Any) -> BalanceChange:
    """Add (``delta`` > 0) or remove credits or points; refused when it makes no sense."""
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise _bad("amount must be a whole number other than 0 (negative removes)")
    if abs(delta) > MAX_CHANGE:
        raise _bad(f"amount must be at most {MAX_CHANGE} either way")
    kind = voucher.type
    if kind is VoucherType.GIFT_VOUCHER:
        card, total_key = dict(voucher.gift or {"amount": 0, "balance": 0}), "amount"
    elif kind is VoucherType.LOYALTY_CARD:
        if voucher.voucher.holder_id is None:
            raise _bad("a loyalty card must have a holder to change its points")
        card, total_key = dict(voucher.loyalty_card or {"points": 0, "balance": 0}), "points"
    else:
        raise _bad(f"voucher {voucher.voucher.code} is not a gift card or a loyalty card")
    balance = int(card.get("balance") or 0) + delta
    total = int(card.get(total_key) or 0) + delta
    if balance < 0:
        raise _bad(f"cannot remove {-delta}: the balance is {balance - delta}")
    if max(total, balance) > INT64_MAX:
        # Balances are 64-bit integers wherever they are stored or sent.
        raise _bad(f"cannot add {delta}: the {total_key} would pass {INT64_MAX}")
    card.update({total_key: max(total, balance), "balance": balance})
    return BalanceChange(kind=kind, card=card, delta=delta, total=card[total_key], balance=balance)


#: Source cards one transfer may take points from: each is locked for the transaction.
MAX_TRANSFER_SOURCES = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsTransfer:
    """One source of ``POST /v1/loyalties/{id}/members/{code}/transfers``: ``points`` taken
    from the card ``code`` (``LoyaltiesTransferPoints``)."""

    code: str
    points: int
    reason: str | None = None
    source_id: str | None = None


def check_transfers(destination: str, transfers: tuple[PointsTransfer, ...]) -> None:
    """The sources make sense on their own: some, not too many, each once, none the
    destination, each giving a positive number of points within the change bound."""
    if not 1 <= len(transfers) <= MAX_TRANSFER_SOURCES:
        raise _bad(f"a transfer takes from 1 to {MAX_TRANSFER_SOURCES} source cards")
    codes = [t.code for t in transfers]
    if len(set(codes)) != len(codes):
        raise _bad("each source card may appear once in a transfer")
    if destination in codes:
        raise _bad(f"loyalty card {destination} cannot transfer points to itself")
    for transfer in transfers:
        if not 1 <= transfer.points <= MAX_CHANGE:
            raise _bad(f"points to transfer must be between 1 and {MAX_CHANGE}")


@dataclass(frozen=True, slots=True, kw_only=True)
class VoucherTransaction:
    id: str
    project_id: str
    voucher_id: str
    campaign_id: str | None
    type: TransactionType
    source_id: str | None = None
    source: str | None = None
    reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    related_transaction_id: str | None = None
    created_at: datetime


def transaction_object(transaction: VoucherTransaction) -> dict[str, Any]:
    details = dict(transaction.details)
    balance = details.get("balance")
    if (
        isinstance(balance, Mapping)
        and balance.get("type") == "loyalty_card"
        and "amount" in balance
        and "points" not in balance
    ):
        # Manual changes of a loyalty card recorded before issue 25 named the points
        # ``amount``: they are answered as the ones recorded since.
        details["balance"] = {
            ("points" if key == "amount" else key): value for key, value in balance.items()
        }
    return {
        "id": transaction.id,
        "source_id": transaction.source_id,
        "voucher_id": transaction.voucher_id,
        "campaign_id": transaction.campaign_id,
        "source": transaction.source,
        "reason": transaction.reason,
        "type": transaction.type.value,
        "details": details,
        "related_transaction_id": transaction.related_transaction_id,
        "created_at": iso(transaction.created_at),
    }


#: What ``GET /v1/campaigns/{id}/transactions`` may filter on (``filters[<field>]``).
TRANSACTION_FILTER_FIELDS = frozenset({"id", "voucher_id"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionQuery:
    limit: int = 10
    descending: bool = True
    starting_after_id: str | None = None
    filters: ListFilter = field(default_factory=ListFilter)
