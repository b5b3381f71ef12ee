"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.requests import Request

from sendout.domain.ports import UnitOfWorkFactory
from sendout.entrypoints.api.auth import Authenticator
from sendout.services.context import Context


async def request_context(request: Request) -> Context:
    """The authenticated caller's context (401 without a valid key pair)."""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.context(request)


def uow_factory(request: Request) -> UnitOfWorkFactory:
    factory: UnitOfWorkFactory = request.app.state.container.uow_factory
    return factory


Ctx = Annotated[Context, Depends(request_context)]
Uow = Annotated[UnitOfWorkFactory, Depends(uow_factory)]
#: A raw query parameter; parsing (and the SDK's quirks) is left to ``query.py``.
Q = Annotated[str | None, Query()]
