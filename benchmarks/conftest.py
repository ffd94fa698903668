"""Fixtures of the end-to-end benchmarks: the Kafka broker and PostgreSQL that `make bench` started."""

from __future__ import annotations

import pytest

from benchmarks.harness.processes import Services


@pytest.fixture(scope="session")
def services() -> Services:
    found = Services.from_env()
    if found is None:
        pytest.skip("needs CEBSIM_TEST_KAFKA and CEBSIM_TEST_DATABASE_URL (make bench starts the services)")
    return found
