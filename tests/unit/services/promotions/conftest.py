from __future__ import annotations

import pytest

from tests.unit.services.shop import Shop


@pytest.fixture
def shop() -> Shop:
    return Shop()
