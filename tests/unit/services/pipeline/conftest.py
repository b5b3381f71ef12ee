"""The pipeline's services run over ``tests/factories/pipeline.py``'s ``Pipeline``: a
dispatcher and a sender on the in-memory fakes, a fake clock, a recording transport."""

from __future__ import annotations

import pytest

from tests.factories.pipeline import Pipeline


@pytest.fixture
def pipe() -> Pipeline:
    return Pipeline()
