"""Fixtures of the signature tests: the official CEB311 (import) and CEB603 (export) samples, unsigned."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.signature.builders import unsigned_sample


@pytest.fixture(scope="session")
def ceb311(official_dir: Path) -> bytes:
    return unsigned_sample(official_dir, "import/CEB311Message.xml")


@pytest.fixture(scope="session")
def ceb603(official_dir: Path) -> bytes:
    return unsigned_sample(official_dir, "export/CEB603Message.xml")
