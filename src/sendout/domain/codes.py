"""Unique voucher codes from a ``code_config``: pattern, charset, prefix, postfix.

Each ``#`` of the pattern becomes one random character of the charset (a ``length`` without a
pattern means that many ``#``). Codes are drawn in bulk from the injected random source
(``ids.random_chars``), so a million codes cost a few hundred milliseconds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sendout.domain.errors import InvalidPayload
from sendout.domain.ids import random_chars

CHARSETS: dict[str, str] = {
    "alphanumeric": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "alphabetic": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "alphabetic_lowercase": "abcdefghijklmnopqrstuvwxyz",
    "alphabetic_uppercase": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "numbers": "0123456789",
}
DEFAULT_CHARSET = CHARSETS["alphanumeric"]
DEFAULT_LENGTH = 8
MAX_CODE_LENGTH = 100
#: A config must offer at least this many times the codes it is asked for: beyond half full,
#: random draws mostly collide and generation slows to a crawl.
CAPACITY_MARGIN = 2
#: The words after ``/v1/vouchers/`` that name routes, not codes: a voucher with one of these
#: codes could never be read back by its path (``POST /v1/vouchers/import`` imports, it does
#: not create a voucher ``import``), so no code may be one of them.
RESERVED_CODES = frozenset({"import", "importCSV", "bulk", "metadata", "qualification"})


def is_reserved_code(code: str) -> bool:
    return code in RESERVED_CODES


def invalid(details: str) -> InvalidPayload:
    return InvalidPayload(details=details, key="invalid_code_config")


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeConfig:
    pattern: str = "#" * DEFAULT_LENGTH
    charset: str = DEFAULT_CHARSET
    prefix: str = ""
    postfix: str = ""

    @property
    def random_positions(self) -> int:
        return self.pattern.count("#")

    @property
    def space(self) -> int:
        """How many distinct codes this config can make."""
        space: int = len(self.charset) ** self.random_positions
        return space

    def as_object(self) -> dict[str, Any]:
        """The ``code_config`` object of the API (``length`` counts the ``#``)."""
        return {
            "length": self.random_positions,
            "charset": self.charset,
            "prefix": self.prefix,
            "postfix": self.postfix,
            "pattern": self.pattern,
        }

    def check_capacity(self, wanted: int) -> None:
        """Refuse a config that cannot hold ``wanted`` codes with a safe margin."""
        if self.space < wanted * CAPACITY_MARGIN:
            raise invalid(
                f"code_config can make {self.space} distinct codes; {wanted} codes need at least "
                f"{wanted * CAPACITY_MARGIN}: use a longer pattern or a larger charset"
            )


def parse_code_config(raw: Mapping[str, Any] | None) -> CodeConfig:
    """A validated ``CodeConfig`` from the API object (or the default for ``None``)."""
    if raw is None:
        return CodeConfig()
    charset = raw.get("charset")
    if charset is None:
        charset = DEFAULT_CHARSET
    elif not isinstance(charset, str) or not charset:
        raise invalid("charset must be a non-empty string")
    charset = CHARSETS.get(charset.lower().replace(" ", "_"), charset)
    if len(set(charset)) != len(charset):
        raise invalid("charset must not repeat a character")
    if len(charset) < 2 or len(charset) > 256 or not charset.isascii():
        raise invalid("charset must have between 2 and 256 ASCII characters")
    prefix, postfix = raw.get("prefix") or "", raw.get("postfix") or ""
    if not isinstance(prefix, str) or not isinstance(postfix, str):
        raise invalid("prefix and postfix must be strings")
    pattern = raw.get("pattern")
    length = raw.get("length")
    if pattern is not None:
        if not isinstance(pattern, str) or "#" not in pattern:
            raise invalid("pattern must be a string with at least one #")
    elif length is not None:
        if isinstance(length, bool) or not isinstance(length, int | float) or length != int(length):
            raise invalid("length must be a whole number")
        if not 1 <= int(length) <= MAX_CODE_LENGTH:
            raise invalid(f"length must be between 1 and {MAX_CODE_LENGTH}")
        pattern = "#" * int(length)
    else:
        pattern = "#" * DEFAULT_LENGTH
    if len(prefix) + len(pattern) + len(postfix) > MAX_CODE_LENGTH:
        raise invalid(f"codes must not be longer than {MAX_CODE_LENGTH} characters")
    return CodeConfig(pattern=pattern, charset=charset, prefix=prefix, postfix=postfix)


class CodeGenerator:
    """Draws codes for one config. Uniqueness is the caller's job (the database decides)."""

    def __init__(self, config: CodeConfig, rng: random.Random) -> None:
        self.config = config
        self._rng = rng
        self._pieces = config.pattern.split("#")  # literal text around each #
        self._width = config.random_positions
        self._plain = config.pattern == "#" * self._width

    def batch(self, count: int) -> list[str]:
        """``count`` random codes (they may repeat, or exist already)."""
        width, prefix, postfix = self._width, self.config.prefix, self.config.postfix
        stream = random_chars(self._rng, self.config.charset, count * width)
        starts = range(0, count * width, width)
        if self._plain:
            return [prefix + stream[i : i + width] + postfix for i in starts]
        pieces = self._pieces
        codes = []
        for start in starts:
            parts = [pieces[0]]
            for n, literal in enumerate(pieces[1:]):
                parts.append(stream[start + n])
                parts.append(literal)
            codes.append(prefix + "".join(parts) + postfix)
        return codes
