"""Dashboard sessions: who signed in (a project's key pair, or the operator's admin password),
for which project, until when, and the token forms must carry (CSRF).

The cookie holds a random token; the database keeps only its SHA-256 (as for API tokens), so
a leaked table opens no session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SESSION_TTL = timedelta(hours=12)
SESSION_TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class DashboardSession:
    token_hash: str
    project_id: str
    #: signed in with the admin password (may switch projects)
    admin: bool = False
    #: the token every form and script request must send back
    csrf_token: str
    created_at: datetime
    expires_at: datetime

    def valid_at(self, now: datetime) -> bool:
        return now < self.expires_at
