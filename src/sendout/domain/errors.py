"""The one exception tree of Sendout.

    DomainError                      any refusal the API reports as a Voucherify-style error
    ├── InvalidPayload       400     malformed or semantically invalid input (key given per case)
    │   ├── InvalidQuery     400     a query parameter that cannot be understood
    │   └── InvalidTransition 400    a send-out asked to move where its lifecycle forbids
    ├── Unauthorized         401     missing or wrong X-App-Id / X-App-Token
    ├── NotFound             404     an unknown resource of the caller's project
    ├── Duplicate            409     a resource with the same unique key exists
    │   └── Conflict         409     a concurrent writer won a race on a unique key (retryable)
    ├── PayloadTooLarge      413     a request body over the configured limit
    ├── TooManyRequests      429     sign-ins refused for a while after repeated failures
    └── SecretsUnavailable   503     stored secrets are encrypted and no configured key opens them

Each class's docstring is its default message. The HTTP layer maps these to responses in one
place (``entrypoints/api/errors.py``); nothing else knows about status codes.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Something went wrong."""

    status: ClassVar[int] = 400
    default_key: ClassVar[str] = "error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: str | None = None,
        key: str | None = None,
        resource_id: str | None = None,
        resource_type: str | None = None,
    ) -> None:
        self.message = message or (type(self).__doc__ or "").strip()
        self.details = details
        self.key = key or self.default_key
        self.resource_id = resource_id
        self.resource_type = resource_type
        super().__init__(self.message if details is None else f"{self.message}: {details}")


class InvalidPayload(DomainError):
    """Invalid payload"""

    status = 400
    default_key = "invalid_payload"


class InvalidQuery(InvalidPayload):
    """Invalid query params"""

    default_key = "invalid_query_params"


class InvalidTransition(InvalidPayload):
    """Not allowed in this send-out's state"""

    default_key = "invalid_transition"


class Unauthorized(DomainError):
    """Unauthorized"""

    status = 401
    default_key = "unauthorized"


class NotFound(DomainError):
    """Resource not found"""

    status = 404
    default_key = "not_found"

    @classmethod
    def of(cls, resource_type: str, resource_id: str) -> NotFound:
        return cls(
            details=f"Cannot find {resource_type} with id {resource_id}",
            resource_id=resource_id,
            resource_type=resource_type,
        )


class Duplicate(DomainError):
    """Duplicate resource key"""

    status = 409
    default_key = "duplicate_found"


class Conflict(Duplicate):
    """Concurrent modification, please retry"""

    default_key = "multiple_requests"


class PayloadTooLarge(DomainError):
    """Payload too large"""

    status = 413
    default_key = "payload_too_large"


class TooManyRequests(DomainError):
    """Too many requests"""

    status = 429
    default_key = "too_many_requests"

    def __init__(self, retry_after: int, details: str | None = None) -> None:
        super().__init__(
            details=details or f"Too many failed sign-ins: retry in {retry_after} seconds"
        )
        #: whole seconds until the next attempt may succeed (the ``Retry-After`` header)
        self.retry_after = retry_after


class SecretsUnavailable(DomainError):
    """Stored secrets cannot be decrypted: check SENDOUT_ENCRYPTION_KEY"""

    status = 503
    default_key = "secrets_unavailable"


def invalid_resource(resource: str, details: str) -> InvalidPayload:
    """An ``invalid_<resource>`` refusal of what a request says a ``resource`` is."""
    return InvalidPayload(details=details, key=f"invalid_{resource}", resource_type=resource)


def invalid_field(details: str, field_name: str, resource: str = "distribution") -> InvalidPayload:
    """An ``invalid_<resource>`` refusal whose details start with the field at fault."""
    return invalid_resource(resource, f"{field_name}: {details}")
