"""In-memory stores of the accounts area: projects and their keys, notifications (the in-app
list and the mailer's queue), dashboard sessions. Each matches its port in
``domain/ports.py`` and its SQL store in ``adapters/db/``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sendout.domain.errors import Conflict
from sendout.domain.notifications import EmailStatus, Notification, NotificationQuery
from sendout.domain.ports import Page
from sendout.domain.projects import ApiKey, Project
from sendout.domain.sessions import DashboardSession
from sendout.testing.rows import insert_new, paged


@dataclass(frozen=True, slots=True)
class EmailClaim:
    """The mailer's columns of a notification, which the domain value does not carry."""

    next_at: datetime | None = None
    token: str | None = None


@dataclass
class AccountTables:
    projects: dict[str, Project] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    #: in the order they were added
    notifications: list[Notification] = field(default_factory=list)
    #: notification id -> when the mailer may try it next, and under whose claim
    email_claims: dict[str, EmailClaim] = field(default_factory=dict)
    #: token hash -> session
    sessions: dict[str, DashboardSession] = field(default_factory=dict)


class InMemoryProjectStore:
    def __init__(self, data: AccountTables) -> None:
        self.data = data

    async def add(self, project: Project) -> None:
        insert_new(self.data.projects, project.id, project, "projects")

    async def get(self, project_id: str) -> Project | None:
        return self.data.projects.get(project_id)

    async def count(self) -> int:
        return len(self.data.projects)

    async def oldest(self, limit: int) -> Sequence[Project]:
        return sorted(self.data.projects.values(), key=lambda p: (p.created_at, p.id))[:limit]

    async def set_alert_email(self, project_id: str, alert_email: str | None) -> None:
        project = self.data.projects.get(project_id)
        if project is not None:
            self.data.projects[project_id] = replace(project, alert_email=alert_email)

    async def add_key(self, key: ApiKey) -> None:
        insert_new(self.data.keys, key.app_id, key, "api_keys")

    async def get_key(self, app_id: str) -> ApiKey | None:
        return self.data.keys.get(app_id)


class InMemoryNotificationStore:
    def __init__(self, data: AccountTables) -> None:
        self.data = data

    def _replace(self, changed: Notification) -> None:
        self.data.notifications = [
            changed if n.id == changed.id else n for n in self.data.notifications
        ]

    def _of(self, project_id: str) -> list[Notification]:
        return [n for n in self.data.notifications if n.project_id == project_id]

    async def add_unless_unread(self, notification: Notification) -> bool:
        for other in self._of(notification.project_id):
            if (
                other.read_at is None
                and other.type is notification.type
                and other.resource_id == notification.resource_id
            ):
                return False
        if any(n.id == notification.id for n in self.data.notifications):
            raise Conflict(details="Duplicate key in notifications")
        self.data.notifications.append(notification)
        self.data.email_claims[notification.id] = EmailClaim()
        return True

    async def get(self, project_id: str, notification_id: str) -> Notification | None:
        return next((n for n in self._of(project_id) if n.id == notification_id), None)

    async def list(self, project_id: str, query: NotificationQuery) -> Page[Notification]:
        found = [
            n
            for n in self._of(project_id)
            if (query.unread is None or (n.read_at is None) == query.unread)
            and (query.type is None or n.type is query.type)
        ]
        found.sort(key=lambda n: (n.created_at, n.id), reverse=True)
        return paged(found, query.limit, query.page)

    async def unread_count(self, project_id: str) -> int:
        return sum(1 for n in self._of(project_id) if n.read_at is None)

    async def mark_read(
        self, project_id: str, notification_ids: Collection[str] | None, now: datetime
    ) -> int:
        changed = [
            replace(n, read_at=now)
            for n in self._of(project_id)
            if n.read_at is None and (notification_ids is None or n.id in notification_ids)
        ]
        for notification in changed:
            self._replace(notification)
        return len(changed)

    async def due_emails(self, now: datetime, limit: int) -> Sequence[Notification]:
        def due(n: Notification) -> bool:
            next_at = self.data.email_claims.get(n.id, EmailClaim()).next_at
            return n.email_status is EmailStatus.PENDING and (next_at is None or next_at <= now)

        found = sorted(filter(due, self.data.notifications), key=lambda n: n.created_at)
        return found[:limit]

    def _write_email(self, notification: Notification, claim: EmailClaim) -> None:
        for stored in self.data.notifications:
            if stored.id == notification.id:
                self._replace(
                    replace(
                        stored,
                        email_status=notification.email_status,
                        email_attempts=notification.email_attempts,
                        email_error=notification.email_error,
                    )
                )
                self.data.email_claims[notification.id] = claim

    async def update_email(
        self, notification: Notification, next_attempt_at: datetime | None
    ) -> None:
        held = self.data.email_claims.get(notification.id, EmailClaim())
        self._write_email(notification, replace(held, next_at=next_attempt_at))

    async def lease_email(self, notification_id: str, until: datetime, token: str) -> None:
        if notification_id in self.data.email_claims:
            self.data.email_claims[notification_id] = EmailClaim(next_at=until, token=token)

    async def report_email(
        self, notification: Notification, next_attempt_at: datetime | None, token: str
    ) -> bool:
        held = self.data.email_claims.get(notification.id)
        if held is None or held.token != token:
            return False  # another mailer took the email over
        self._write_email(notification, EmailClaim(next_at=next_attempt_at))
        return True


class InMemorySessionStore:
    def __init__(self, data: AccountTables) -> None:
        self.data = data

    async def add(self, session: DashboardSession) -> None:
        insert_new(self.data.sessions, session.token_hash, session, "dashboard_sessions")

    async def get(self, token_hash: str) -> DashboardSession | None:
        return self.data.sessions.get(token_hash)

    async def set_project(self, token_hash: str, project_id: str) -> None:
        session = self.data.sessions.get(token_hash)
        if session is not None:
            self.data.sessions[token_hash] = replace(session, project_id=project_id)

    async def remove(self, token_hash: str) -> None:
        self.data.sessions.pop(token_hash, None)

    async def remove_expired(self, now: datetime) -> None:
        self.data.sessions = {h: s for h, s in self.data.sessions.items() if s.expires_at > now}
