"""Voucherify-style prefixed identifiers (``cust_…``, ``evcus_…``, ``v-…`` request ids).

The random source is passed in: ``random.SystemRandom()`` in production, a seeded
``random.Random`` in tests, so ids are reproducible where a test needs them to be.
"""

from __future__ import annotations

import random

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 24  # random characters after the prefix, as in Voucherify's examples
REQUEST_ID_HEX = 18  # `v-` + 18 hex characters, as Voucherify's request ids

# 62**24 > 2**142, so 143 random bits cover every 24-character string uniformly enough
# for identifiers (the modulo bias is below 2**-1).
_BITS = 143


def new_id(prefix: str, rng: random.Random) -> str:
    """A new id: ``prefix`` + ``_`` + 24 alphanumerics."""
    n = rng.getrandbits(_BITS)
    chars = []
    for _ in range(ID_LENGTH):
        n, r = divmod(n, 62)
        chars.append(ALPHANUMERIC[r])
    return f"{prefix}_{''.join(chars)}"


def new_request_id(rng: random.Random) -> str:
    """A request (and event group) id: ``v-`` + 18 hex characters."""
    return f"v-{rng.getrandbits(REQUEST_ID_HEX * 4):0{REQUEST_ID_HEX}x}"


def new_secret(rng: random.Random, nbytes: int = 32) -> str:
    """A hex secret of ``nbytes`` random bytes (API tokens)."""
    return f"{rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"
