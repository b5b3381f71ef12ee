"""Voucherify-style prefixed identifiers (``cust_…``, ``evcus_…``, ``v-…`` request ids).

The random source is passed in: ``random.SystemRandom()`` in production, a seeded
``random.Random`` in tests, so ids are reproducible where a test needs them to be.
"""

from __future__ import annotations

import random

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 24  # random characters after the prefix, as in Voucherify's examples
REQUEST_ID_HEX = 18  # `v-` + 18 hex characters, as Voucherify's request ids

# Bytes below 248 (= 4 x 62) map onto the alphabet without bias; 40 random bytes hold 24
# such bytes except with probability below 1e-9, and the loop covers even that.
_UNBIASED_BELOW = 248
_DRAW = 40


def new_id(prefix: str, rng: random.Random) -> str:
    """A new id: ``prefix`` + ``_`` + 24 alphanumerics."""
    chars: list[str] = []
    while len(chars) < ID_LENGTH:
        chars.extend(ALPHANUMERIC[b % 62] for b in rng.randbytes(_DRAW) if b < _UNBIASED_BELOW)
    return f"{prefix}_{''.join(chars[:ID_LENGTH])}"


def new_request_id(rng: random.Random) -> str:
    """A request (and event group) id: ``v-`` + 18 hex characters."""
    return f"v-{rng.getrandbits(REQUEST_ID_HEX * 4):0{REQUEST_ID_HEX}x}"


def new_secret(rng: random.Random, nbytes: int = 32) -> str:
    """A hex secret of ``nbytes`` random bytes (API tokens)."""
    return f"{rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"
