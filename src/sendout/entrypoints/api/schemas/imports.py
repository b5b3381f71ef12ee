"""Bodies of the bulk and import routes (customers, vouchers, campaigns), and the rows of
their CSV files read as those bodies.

A CSV row is turned into the JSON object its resource's body would be (``Voucher Type`` →
``type``, ``Value`` → the discount, gift or points; unknown columns → ``metadata``) and
checked by the same model a JSON body is. A row that fails is not a 400 for the whole file:
it becomes a row with an ``error``, reported in the async action's result, as a row the
worker cannot apply is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, Field, RootModel, ValidationError
from pydantic_core import to_jsonable_python

from sendout.entrypoints.api.csv_upload import CsvRow
from sendout.entrypoints.api.deps import describe_validation
from sendout.entrypoints.api.schemas.campaigns import ImportItem
from sendout.entrypoints.api.schemas.common import Body
from sendout.entrypoints.api.schemas.customers import CustomerBody
from sendout.services.row_jobs import MAX_ROWS

Code = Field(min_length=1, max_length=128)
M = TypeVar("M", bound=BaseModel)


class CustomersBulkBody(RootModel[list[CustomerBody]]):
    def rows(self) -> list[dict[str, Any]]:
        return [{"row": n, "data": customer_data(c)} for n, c in enumerate(self.root, start=1)]


class CustomersMetadataBody(Body):
    source_ids: list[str] = Field(min_length=1, max_length=MAX_ROWS)
    metadata: dict[str, Any]


class VoucherMetadataItem(Body):
    code: str = Code
    metadata: dict[str, Any]


class VouchersBulkBody(RootModel[list[VoucherMetadataItem]]):
    def updates(self) -> list[dict[str, Any]]:
        return [{"code": item.code, "metadata": item.metadata} for item in self.root]


class VouchersMetadataBody(Body):
    codes: list[str] = Field(min_length=1, max_length=MAX_ROWS)
    metadata: dict[str, Any]


class VouchersImportBody(RootModel[list[ImportItem]]):
    def rows(self) -> list[dict[str, Any]]:
        return [{"row": n, "data": voucher_data(i)} for n, i in enumerate(self.root, start=1)]


def customer_data(body: CustomerBody) -> dict[str, Any]:
    """A customer row as the worker reads it: JSON values (dates as ISO text)."""
    data: dict[str, Any] = to_jsonable_python(body.changes())
    if body.source_id is not None:
        data["source_id"] = body.source_id
    return data


def voucher_data(item: ImportItem) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable_python(item.sent())
    data["code"] = item.code
    return data


# --- CSV rows -----------------------------------------------------------------------------

_CUSTOMER_COLUMNS = {
    "id": "id",
    "name": "name",
    "email": "email",
    "phone": "phone",
    "birthdate": "birthdate",
    "source_id": "source_id",
    "description": "description",
}
_ADDRESS_COLUMNS = {
    "address_line_1": "line_1",
    "address_line_2": "line_2",
    "address_postal_code": "postal_code",
    "address_city": "city",
    "address_state": "state",
    "address_country": "country",
}
#: columns a voucher CSV may hold that an import does not set (a new code is unredeemed)
_VOUCHER_IGNORED = {"redeemed_quantity", "redeemed_amount"}
_VOUCHER_COLUMNS = {
    "code": "code",
    "voucher_type": "type",
    "category": "category",
    "start_date": "start_date",
    "expiration_date": "expiration_date",
    "additional_info": "additional_info",
}


class CellError(ValueError):
    """A cell that does not read as its column's value."""


def _column(name: str) -> str:
    """A header as the documented names spell it in any case: ``Voucher Type`` → voucher_type."""
    return "_".join(name.lower().split())


def customer_object(cells: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    address: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for header, cell in cells.items():
        if cell == "":
            continue
        column = _column(header)
        if column in _CUSTOMER_COLUMNS:
            body[_CUSTOMER_COLUMNS[column]] = cell
        elif column in _ADDRESS_COLUMNS:
            address[_ADDRESS_COLUMNS[column]] = cell
        else:
            metadata[header] = cell
    if address:
        body["address"] = address
    if metadata:
        body["metadata"] = metadata
    return body


def voucher_object(cells: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    metadata: dict[str, str] = {}
    value = discount_type = None
    for header, cell in cells.items():
        if cell == "":
            continue
        column = _column(header)
        if column in _VOUCHER_COLUMNS:
            body[_VOUCHER_COLUMNS[column]] = cell
        elif column == "value":
            value = _number(header, cell)
        elif column == "discount_type":
            discount_type = cell.upper()
        elif column == "redemption_limit":
            body["redemption"] = {"quantity": _integer(header, cell)}
        elif column == "active":
            body["active"] = _boolean(header, cell)
        elif column not in _VOUCHER_IGNORED:
            metadata[header] = cell
    if metadata:
        body["metadata"] = metadata
    if value is not None:
        body.update(_valued(body.get("type"), discount_type, value))
    return body


def _valued(voucher_type: Any, discount_type: str | None, value: Decimal) -> dict[str, Any]:
    """``Value`` as the code's worth: money in the currency's main unit (7.50 → 750 cents),
    a percentage, units or points as they are."""
    if voucher_type == "GIFT_VOUCHER":
        return {"gift": {"amount": _cents(value)}}
    if voucher_type == "LOYALTY_CARD":
        return {"loyalty_card": {"points": int(value)}}
    kind = discount_type or "AMOUNT"
    field = {
        "AMOUNT": ("amount_off", _cents(value)),
        "FIXED": ("fixed_amount", _cents(value)),
        "PERCENT": ("percent_off", float(value)),
        "UNIT": ("unit_off", int(value)),
    }.get(kind)
    if field is None:
        raise CellError(f"Discount Type: {kind} is not AMOUNT, PERCENT, UNIT or FIXED")
    return {"discount": {"type": kind, field[0]: field[1]}}


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _number(header: str, cell: str) -> Decimal:
    try:
        number = Decimal(cell.strip())
    except InvalidOperation:
        raise CellError(f"{header}: {cell!r} is not a number") from None
    if not number.is_finite() or abs(number) >= 10**15:
        raise CellError(f"{header}: {cell!r} is out of range")
    return number


def _integer(header: str, cell: str) -> int:
    number = _number(header, cell)
    if number != number.to_integral_value():
        raise CellError(f"{header}: {cell!r} is not a whole number")
    return int(number)


def _boolean(header: str, cell: str) -> bool:
    lowered = cell.strip().lower()
    if lowered not in ("true", "false"):
        raise CellError(f"{header}: {cell!r} is not true or false")
    return lowered == "true"


def csv_items(
    rows: Sequence[CsvRow],
    to_object: Callable[[dict[str, str]], dict[str, Any]],
    model: type[M],
    to_data: Callable[[M], dict[str, Any]],
) -> list[dict[str, Any]]:
    """The action's rows: each CSV row read as ``model`` (a JSON body's checks), or the
    reason it was refused."""
    items: list[dict[str, Any]] = []
    for row in rows:
        try:
            raw = to_object(row.cells)
            items.append({"row": row.number, "data": to_data(model.model_validate(raw))})
        except CellError as exc:
            items.append({"row": row.number, "data": _ref(row.cells), "error": str(exc)})
        except ValidationError as exc:
            error = describe_validation(exc.errors())
            items.append({"row": row.number, "data": _ref(row.cells), "error": error})
    return items


def _ref(cells: dict[str, str]) -> dict[str, str]:
    """What names a refused row in the report: its code or source_id, if it has one."""
    return {
        key: cell
        for header, cell in cells.items()
        if (key := _column(header)) in ("code", "source_id")
    }
