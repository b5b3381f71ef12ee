"""CSV exports: what may be exported, which columns and filters each kind allows, and how a
value becomes a CSV cell.

An export is an async action of its own type (``AsyncActionType.EXPORT``): the worker leases
it, writes its CSV file batch by batch and records where it got to, exactly as it runs an
import. The API shows it in Voucherify's export shape (``export_object``), never among the
async actions.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncStatus
from sendout.domain.clock import iso
from sendout.domain.errors import InvalidPayload, InvalidQuery
from sendout.domain.list_filters import ListFilter, parse_list_filter

#: the most rows an export writes; past it the export ends in ERROR (a file must stay a file
#: a spreadsheet opens, and a worker's batch loop must end)
MAX_ROWS = 1_000_000
#: the most bytes of CSV an export writes (same reason)
MAX_BYTES = 256 * 1024 * 1024
MAX_FIELDS = 100  # columns one export may ask for
#: values ``filters`` may compare with, all conditions together (each is a bound parameter of
#: every batch's query)
MAX_FILTER_VALUES = 1_000
#: cells that start with these are formulas to a spreadsheet (CSV injection): they are written
#: with a leading apostrophe, which spreadsheets show as text
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportedObject(StrEnum):
    VOUCHER = "voucher"
    REDEMPTION = "redemption"
    CUSTOMER = "customer"
    PUBLICATION = "publication"
    ORDER = "order"
    POINTS_EXPIRATION = "points_expiration"
    VOUCHER_TRANSACTIONS = "voucher_transactions"
    #: Sendout's own: the send-outs of the project's distributions and webhooks
    SENDOUT = "sendout"


class ExportStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    ERROR = "ERROR"


_STATUS = {
    AsyncStatus.ENQUEUED: ExportStatus.SCHEDULED,
    AsyncStatus.IN_PROGRESS: ExportStatus.IN_PROGRESS,
    AsyncStatus.DONE: ExportStatus.DONE,
    AsyncStatus.FAILED: ExportStatus.ERROR,
}


@dataclass(frozen=True, slots=True)
class ExportKind:
    """What one exported object allows: its columns (the reference's ``fields`` enum, in the
    reference's order), the columns written when none are asked for, what ``filters`` may
    name, and the orders Sendout can page it in."""

    fields: tuple[str, ...]
    default_fields: tuple[str, ...]
    filters: frozenset[str]
    orders: frozenset[str] = frozenset({"created_at", "-created_at"})
    default_order: str = "created_at"


def _names(text: str) -> tuple[str, ...]:
    """Column names written as one string (the reference's lists are long)."""
    return tuple(text.split())


KINDS: Mapping[ExportedObject, ExportKind] = {
    ExportedObject.VOUCHER: ExportKind(
        fields=_names(
            "code voucher_type value discount_type campaign category start_date expiration_date "
            "gift_balance loyalty_balance redemption_quantity redemption_count active metadata id "
            "is_referral_code created_at updated_at campaign_id additional_info customer_id"
        ),
        default_fields=("code", "voucher_type", "value", "discount_type", "campaign"),
        filters=frozenset({"id", "code", "campaign_id", "voucher_type", "category"}),
    ),
    ExportedObject.REDEMPTION: ExportKind(
        fields=_names(
            "id object date voucher_code campaign promotion_tier_id customer_id "
            "customer_source_id customer_name tracking_id order_id order_amount gift_amount "
            "loyalty_points result failure_code failure_message metadata"
        ),
        default_fields=("id", "object", "voucher_code", "customer_id", "date", "result"),
        filters=frozenset(
            {"voucher_code", "campaign_id", "customer_id", "tracking_id", "order_id", "status"}
        ),
    ),
    ExportedObject.CUSTOMER: ExportKind(
        fields=_names(
            "name id description email source_id created_at address_city address_state "
            "address_line_1 address_line_2 address_country address_postal_code "
            "redemptions_total_redeemed redemptions_total_failed redemptions_total_succeeded "
            "redemptions_total_rolled_back redemptions_total_rollback_failed "
            "redemptions_total_rollback_succeeded orders_total_amount orders_total_count "
            "orders_average_amount orders_last_order_amount orders_last_order_date "
            "loyalty_referred_customers updated_at phone birthday birthdate metadata"
        ),
        default_fields=("name", "source_id"),
        filters=frozenset({"id", "source_id", "email", "name"}),
    ),
    ExportedObject.PUBLICATION: ExportKind(
        fields=_names(
            "voucher_code customer_id customer_source_id date channel campaign is_winner metadata"
        ),
        default_fields=("voucher_code", "customer_id", "date", "channel"),
        filters=frozenset({"customer_id", "campaign_id", "channel"}),
    ),
    ExportedObject.ORDER: ExportKind(
        fields=_names(
            "id source_id created_at updated_at status amount discount_amount "
            "items_discount_amount total_discount_amount total_amount customer_id referrer_id "
            "metadata"
        ),
        default_fields=("id", "source_id", "status"),
        filters=frozenset({"id", "source_id", "status", "customer_id", "referrer_id"}),
    ),
    ExportedObject.POINTS_EXPIRATION: ExportKind(
        fields=("id", "campaign_id", "voucher_id", "points", "status", "expires_at"),
        default_fields=("id", "campaign_id", "voucher_id", "points", "status", "expires_at"),
        filters=frozenset({"campaign_id", "voucher_id", "status"}),
        orders=frozenset({"expires_at", "-expires_at", "created_at", "-created_at"}),
        default_order="expires_at",
    ),
    ExportedObject.VOUCHER_TRANSACTIONS: ExportKind(
        fields=_names(
            "id campaign_id voucher_id type source_id reason source balance amount "
            "related_transaction_id created_at details"
        ),
        default_fields=("id", "type", "source_id", "reason", "balance", "amount", "created_at"),
        filters=frozenset({"campaign_id", "voucher_id", "type", "source"}),
    ),
    ExportedObject.SENDOUT: ExportKind(
        fields=_names(
            "id distribution_id source_kind channel event_id event_type customer_id status url "
            "reason attempts_count next_attempt_at created_at updated_at"
        ),
        default_fields=("id", "distribution_id", "channel", "status", "created_at"),
        filters=frozenset({"distribution_id", "channel", "status", "event_type", "customer_id"}),
    ),
}


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """What the worker reads: the rows of one kind, in one order, narrowed by ``filters`` and
    by ``scope`` (fixed equalities a nested route sets, e.g. one voucher's transactions)."""

    exported_object: ExportedObject
    fields: tuple[str, ...]
    order: str = "created_at"
    filters: ListFilter = field(default_factory=ListFilter)
    scope: Mapping[str, str] = field(default_factory=dict)


def export_query(
    exported_object: str,
    parameters: Mapping[str, Any],
    scope: Mapping[str, str] | None = None,
) -> ExportQuery:
    """The query of a requested export, every part checked against its kind (400 otherwise):
    ``parameters`` is the request's ``{fields, order, filters}``."""
    try:
        kind_name = ExportedObject(exported_object)
    except ValueError:
        raise InvalidPayload(
            details=f"exported_object must be one of {', '.join(ExportedObject)}"
        ) from None
    kind = KINDS[kind_name]
    fields = tuple(parameters.get("fields") or kind.default_fields)
    unknown = [f for f in fields if f not in kind.fields]
    if unknown or len(fields) > MAX_FIELDS or len(set(fields)) != len(fields):
        raise InvalidPayload(
            "Invalid export fields",
            key="invalid_export_fields",
            details=f"{kind_name} exports may have up to {MAX_FIELDS} distinct fields of "
            f"{', '.join(kind.fields)}" + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
        )
    order = parameters.get("order") or kind.default_order
    if order not in kind.orders:
        raise InvalidPayload(
            details=f"order of a {kind_name} export must be one of {', '.join(sorted(kind.orders))}"
        )
    try:
        filters = parse_list_filter(parameters.get("filters"), kind.filters)
    except InvalidQuery as exc:
        raise InvalidPayload(details=exc.details) from None
    if sum(len(c.values) for c in filters.conditions) > MAX_FILTER_VALUES:
        raise InvalidPayload(details=f"filters may hold up to {MAX_FILTER_VALUES} values")
    return ExportQuery(kind_name, fields, order, filters, dict(scope or {}))


def query_of(action: AsyncAction) -> ExportQuery:
    """The query an export's stored request describes (checked when it was made)."""
    request = action.request
    return export_query(request["exported_object"], request["parameters"], request["scope"])


def file_name(action: AsyncAction) -> str:
    """Where the export's CSV is kept among the export files (a name Sendout makes: ids are
    alphanumeric, so it cannot point anywhere else)."""
    return f"{action.project_id}/{action.id}.csv"


def export_status(action: AsyncAction) -> ExportStatus:
    return _STATUS[action.status]


def export_object(action: AsyncAction, download_url: str | None) -> dict[str, Any]:
    """The export as Voucherify shows it; ``download_url`` once its file is written."""
    request = action.request
    done = action.status is AsyncStatus.DONE
    return {
        "id": action.id,
        "object": "export",
        "created_at": iso(action.created_at),
        "status": export_status(action).value,
        "channel": request.get("channel", "API"),
        "result": {"url": download_url} if done and download_url else None,
        "user_id": None,
        "exported_object": request["exported_object"],
        "parameters": dict(request["parameters"]),
    }


def cell(value: object) -> str:
    """One CSV cell: timestamps in the API's format, objects as JSON, and text a spreadsheet
    would run as a formula prefixed with an apostrophe (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = iso(value)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, Mapping | list | tuple):
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    elif isinstance(value, int | float):
        return str(value)  # a negative number is a number, not a formula
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Sequence[object]]) -> str:
    """Rows of values as CSV text (RFC 4180 quoting, ``\\r\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()
