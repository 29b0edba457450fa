import pytest

from core.testing import build_cast


@pytest.fixture
def cast(db):
    return build_cast()
