"""The filters of template placeholders (``{{ order.created_at | date: "%d.%m" }}``, DESIGN.md §6):
what each does to a value, and the arguments it takes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DATE_DIRECTIVES = set("YmdHMSybBaAjpI%")


def as_text(value: Any) -> str:
    """How a value reads inside a string: JSON for numbers, booleans and structures."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.__class__ is int:  # what json.dumps writes, without its machinery
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _default(value: Any, fallback: Any = "") -> Any:
    return fallback if value is None or value == "" else value


def _money(value: Any) -> Any:
    """Minor units to a decimal string: 1999 → "19.99" (exact, no float)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    sign = "-" if value < 0 else ""
    units, cents = divmod(abs(value), 100)
    return f"{sign}{units}.{cents:02d}"


def _date(value: Any, fmt: str = "%Y-%m-%d") -> Any:
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime(fmt)


def _length(value: Any) -> Any:
    return len(value) if isinstance(value, str | list | dict) else 0


def _join(value: Any, separator: str = ", ") -> Any:
    if not isinstance(value, list):
        return value
    return separator.join(as_text(item) for item in value)


def _truncate(value: Any, size: int = 50) -> Any:
    text = as_text(value) if value is not None else None
    if text is None or len(text) <= size:
        return text
    return text[: max(0, size - 3)] + "..."


def _case(method: str) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        return getattr(value, method)() if isinstance(value, str) else value

    return apply


@dataclass(frozen=True, slots=True)
class FilterSpec:
    function: Callable[..., Any]
    #: accepted argument types, in order; fewer may be given
    args: tuple[type, ...] = ()


class InlineImage(str):
    """A code drawn as an image (``| qr``, ``| barcode``): in an HTML email, an ``<img>`` of
    an attached picture the email adapter draws; anywhere else (text, JSON) the code itself,
    which is why it is a ``str``."""

    kind: str

    def __new__(cls, kind: str, data: str) -> InlineImage:
        image = super().__new__(cls, data)
        image.kind = kind
        return image

    @property
    def data(self) -> str:
        return str.__str__(self)

    @property
    def cid(self) -> str:
        digest = hashlib.sha256(f"{self.kind}:{self.data}".encode()).hexdigest()[:24]
        return f"{self.kind}-{digest}@sendout"


def _image(kind: str) -> Callable[[Any], Any]:
    def draw(value: Any) -> Any:
        return None if value is None or value == "" else InlineImage(kind, as_text(value))

    return draw


FILTERS: dict[str, FilterSpec] = {
    "default": FilterSpec(_default, (object,)),
    "upper": FilterSpec(_case("upper")),
    "lower": FilterSpec(_case("lower")),
    "trim": FilterSpec(_case("strip")),
    "money": FilterSpec(_money),
    "date": FilterSpec(_date, (str,)),
    "json": FilterSpec(as_text),
    "length": FilterSpec(_length),
    "join": FilterSpec(_join, (str,)),
    "truncate": FilterSpec(_truncate, (int,)),
    "qr": FilterSpec(_image("qr")),
    "barcode": FilterSpec(_image("barcode")),
}
