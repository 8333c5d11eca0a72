"""The real sample (../shared/data/sparkify-sample): skip without it, or fail under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.prerequisites import require_sample


@pytest.fixture(scope="session")
def sample_root() -> Path:
    return require_sample()
