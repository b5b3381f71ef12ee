"""Secrets at rest: sealed with Fernet when ``SENDOUT_ENCRYPTION_KEY`` is set.

What it protects against: a copy of the database (a backup, a dump, a stolen disk, a read-only
SQL injection, a replica) reveals no webhook signing secret, secret header value or
integration secret without the key, which lives only in the environment of Sendout's
processes. What it does not: anyone who can run Sendout with its environment (or read that
environment) reads every secret, as Sendout must to send; ids, URLs, payloads and customers'
data stay in the clear; a database writer can still swap whole sealed values between rows.

A sealed value is ``enc:v1:`` + a Fernet token (AES-128-CBC and HMAC-SHA256, from the
``cryptography`` library). The key setting is a comma-separated list of Fernet keys: the first
seals, all of them open, so a new key is put first, ``sendout secrets rotate-key`` seals
everything again with it, and the old key can then be dropped. A value without the prefix is a
plain one from before the key was set: it is read as it is, and sealed by the next write or
rotation. Decrypting a value is cheap next to the query that loaded it, so stores open
secrets each time they load a row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from sendout.domain.errors import SecretsUnavailable

SEALED_PREFIX = "enc:v1:"


class SecretBox:
    """Seals and opens stored secrets with the configured keys (none: stores them plain)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    @property
    def sealing(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str) -> str:
        if self._fernet is None:
            return value
        return SEALED_PREFIX + self._fernet.encrypt(value.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(SEALED_PREFIX):
            return stored
        if self._fernet is None:
            raise SecretsUnavailable(
                details="the database holds encrypted secrets and SENDOUT_ENCRYPTION_KEY is not set"
            )
        try:
            return self._fernet.decrypt(stored[len(SEALED_PREFIX) :].encode()).decode()
        except InvalidToken:
            # Never send a wrong secret: a value no configured key opens stops its use.
            raise SecretsUnavailable(
                details="a stored secret opens with none of the keys in SENDOUT_ENCRYPTION_KEY"
            ) from None

    def seal_optional(self, value: str | None) -> str | None:
        return None if value is None else self.seal(value)

    def open_optional(self, stored: str | None) -> str | None:
        return None if stored is None else self.open(stored)

    def seal_values(self, values: Mapping[str, str]) -> dict[str, str]:
        return {name: self.seal(value) for name, value in values.items()}

    def open_values(self, stored: Mapping[str, str]) -> dict[str, str]:
        return {name: self.open(value) for name, value in stored.items()}


#: the box of an installation without a key: plain values in, plain values out
PLAIN = SecretBox()


def is_sealed(stored: str | None) -> bool:
    return stored is not None and stored.startswith(SEALED_PREFIX)
