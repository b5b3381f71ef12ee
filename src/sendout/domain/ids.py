"""Voucherify-style prefixed identifiers (``cust_…``, ``evcus_…``, ``v-…`` request ids).

The random source is passed in: ``random.SystemRandom()`` in production, a seeded
``random.Random`` in tests, so ids are reproducible where a test needs them to be.
"""

from __future__ import annotations

import random
from datetime import datetime
from enum import StrEnum, unique


@unique
class IdPrefix(StrEnum):
    """What an id starts with, per kind of thing (``cust_…``): every prefix, each once
    (``@unique``: a second kind given a taken prefix fails at import).

    The values are Voucherify's where it has the resource (so ids look familiar to its
    clients) and short made-up ones for Sendout's own (send-outs ``whs``, leases).
    """

    ASYNC_ACTION = "aa"
    BUCKET = "lopb"  # a loyalty point bucket (points that expire together)
    CAMPAIGN = "camp"
    CHANNEL = "ch"  # a distribution's channel
    CUSTOMER = "cust"
    DISTRIBUTION = "distr"
    EARNING_RULE = "ern"
    EVENT = "evcus"  # a recorded customer event
    EVENT_SCHEMA = "ms"  # a custom event's name (``event_schema``)
    EXPORT = "exp"
    LEASE = "lease"  # a fencing token of a claim (``fencing_token``)
    LOYALTY_TIER = "ltr"
    NOTIFICATION = "ntf"
    ORDER = "ord"
    ORDER_ITEM = "orditm"
    PENDING_POINTS = "lopp"
    PERMANENT_DELETION = "del"
    PROJECT = "proj"
    PROMOTION_STACK = "stack"
    PROMOTION_TIER = "promo"
    PUBLICATION = "pub"
    REDEMPTION = "r"
    REDEMPTION_ROLLBACK = "rr"
    REFERRAL = "rfr"
    REFERRAL_HOLDER = "rh"  # a referral code's holder (``redeemable_holder``)
    REWARD = "rew"
    REWARD_ASSIGNMENT = "rewa"
    REWARD_REDEMPTION = "rewr"
    SEGMENT = "seg"
    SESSION = "ssn"  # a validation session's key (when the client gives none)
    SENDOUT = "whs"  # one message to one target (the webhook envelope's id)
    TRANSACTION = "vtx"
    VOUCHER = "v"
    WEBHOOK = "wh"  # a project webhook


ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 24  # random characters after the prefix, as in Voucherify's examples
REQUEST_ID_HEX = 18  # `v-` + 18 hex characters, as Voucherify's request ids


def random_chars(rng: random.Random, alphabet: str, count: int) -> str:
    """``count`` characters drawn uniformly from ``alphabet`` (at most 256 ASCII characters).

    Random bytes are mapped onto the alphabet with ``bytes.translate``, which also drops the
    bytes that would favour the first characters, so bulk draws (a million codes or ids) cost
    C speed rather than a Python step per character.
    """
    tables = _tables(alphabet)
    out = bytearray()
    while len(out) < count:
        # 25% extra covers the rejected bytes of any alphabet size in one draw, nearly always.
        raw = rng.randbytes((count - len(out)) * 5 // 4 + 16)
        out += raw.translate(tables[0], tables[1])
    del out[count:]
    return out.translate(tables[2]).decode("ascii")


_TABLES: dict[str, tuple[bytes, bytes, bytes]] = {}


def _tables(alphabet: str) -> tuple[bytes, bytes, bytes]:
    tables = _TABLES.get(alphabet)
    if tables is None:
        size = len(alphabet)
        if not alphabet.isascii() or not 2 <= size <= 256:
            raise ValueError("alphabet must be 2 to 256 ASCII characters")
        usable = 256 // size * size
        tables = (
            bytes(b % size for b in range(256)),  # byte -> index
            bytes(range(usable, 256)),  # bytes that would bias the draw
            bytes(ord(alphabet[i % size]) for i in range(256)),  # index -> character
        )
        _TABLES[alphabet] = tables
    return tables


def new_id(prefix: str, rng: random.Random) -> str:
    """A new id: ``prefix`` + ``_`` + 24 alphanumerics."""
    return f"{prefix}_{random_chars(rng, ALPHANUMERIC, ID_LENGTH)}"


TIME_DIGITS = 8  # base62 milliseconds since 1970: good until the year 8888
_RANDOM_DIGITS = ID_LENGTH - TIME_DIGITS


def new_sortable_ids(prefix: str, rng: random.Random, count: int, now: datetime) -> list[str]:
    """``count`` ids that sort by creation time (same shape as ``new_id``).

    Eight characters of time, then sixteen random ones. Rows keyed by them are appended to
    the end of their index instead of landing anywhere in it, which is what makes a million
    codes a quick insert. Digits are ordered 0-9, A-Z, a-z, so text order is time order.
    """
    head = f"{prefix}_{_time_digits(now)}"
    chars = random_chars(rng, ALPHANUMERIC, _RANDOM_DIGITS * count)
    return [head + chars[i : i + _RANDOM_DIGITS] for i in range(0, len(chars), _RANDOM_DIGITS)]


def _time_digits(now: datetime) -> str:
    millis = int(now.timestamp() * 1000)
    stamp = []
    for _ in range(TIME_DIGITS):
        millis, r = divmod(millis, 62)
        stamp.append(ALPHANUMERIC[r])
    return "".join(reversed(stamp))


class SortableIds:
    """``new_sortable_ids`` one at a time, for work that makes ids as it goes (dispatch).

    The random characters are drawn ``chunk`` ids at a time: with ``SystemRandom`` each
    draw is a system call, which cost more than the rest of making an id.
    """

    def __init__(self, prefix: str, rng: random.Random, chunk: int = 64) -> None:
        self._prefix = prefix
        self._rng = rng
        self._chunk = chunk
        self._chars = ""
        self._used = 0
        self._stamped_at: datetime | None = None
        self._head = ""  # the prefix and time digits of ``_stamped_at``

    def next(self, now: datetime) -> str:
        if self._used >= len(self._chars):
            self._chars = random_chars(self._rng, ALPHANUMERIC, _RANDOM_DIGITS * self._chunk)
            self._used = 0
        start, self._used = self._used, self._used + _RANDOM_DIGITS
        if now != self._stamped_at:
            self._head = f"{self._prefix}_{_time_digits(now)}"
            self._stamped_at = now
        return self._head + self._chars[start : self._used]


def new_request_id(rng: random.Random) -> str:
    """A request (and event group) id: ``v-`` + 18 hex characters."""
    return f"v-{rng.getrandbits(REQUEST_ID_HEX * 4):0{REQUEST_ID_HEX}x}"


def new_secret(rng: random.Random, nbytes: int = 32) -> str:
    """A hex secret of ``nbytes`` random bytes (API tokens)."""
    return f"{rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"


def fencing_token(rng: random.Random) -> str:
    """A fresh token for one claim of leased work (send-outs, an async action, alert emails):
    every write that follows from the claim is conditional on it still being the current
    one, so a worker that outlived its lease (frozen, swapped out) cannot overwrite the work
    of the worker that took over."""
    return new_id(IdPrefix.LEASE, rng)
