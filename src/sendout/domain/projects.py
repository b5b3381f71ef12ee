"""Projects (tenants) and their application key pairs."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    id: str
    name: str
    created_at: datetime
    #: where alert emails go; None: the operator's default (SENDOUT_ALERT_EMAIL)
    alert_email: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    """An ``X-App-Id`` / ``X-App-Token`` pair. Only a hash of the token is ever stored."""

    app_id: str
    project_id: str
    name: str
    token_hash: str
    created_at: datetime

    def accepts(self, token: str) -> bool:
        """Whether ``token`` is this key's token, compared in constant time."""
        return hmac.compare_digest(self.token_hash, hash_token(token))


def hash_token(token: str) -> str:
    """SHA-256 of the token.

    Tokens are 256-bit random values, not passwords: a fast hash is enough (nothing to
    brute-force), and it keeps authentication cheap on every request. A slow password hash
    (bcrypt, argon2) would cost milliseconds per call for no gain.
    """
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedKey:
    """A key pair just created: the only moment its plain token exists."""

    project: Project
    app_id: str
    app_token: str
