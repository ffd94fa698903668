"""The real services for integration tests: Apache Kafka and PostgreSQL.

`make test` starts both once (infra/services.py) and passes their addresses in
CEBSIM_TEST_KAFKA and CEBSIM_TEST_DATABASE_URL. Run alone (`pytest tests/integration`), the
session starts its own with the same launcher and stops them at the end.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration


@functools.cache
def load_launcher() -> ModuleType:
    """infra/services.py, loaded once: it keeps the broker processes it started."""
    spec = importlib.util.spec_from_file_location("cebsim_services", REPO_ROOT / "infra" / "services.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    given = {
        key: os.environ[key] for key in ("CEBSIM_TEST_KAFKA", "CEBSIM_TEST_DATABASE_URL") if key in os.environ
    }
    if len(given) == 2:
        yield given
        return
    launcher = load_launcher()
    state: Path = tmp_path_factory.mktemp("services")
    started = launcher.start(state)
    try:
        yield started
    finally:
        launcher.stop(state)


@pytest.fixture(scope="session")
def kafka_bootstrap(services: dict[str, str]) -> str:
    return services["CEBSIM_TEST_KAFKA"]


@pytest.fixture(scope="session")
def postgres_url(services: dict[str, str]) -> str:
    return services["CEBSIM_TEST_DATABASE_URL"]


@pytest.fixture
def unique_topic() -> str:
    """A topic name no other test uses, so nothing leaks between tests."""
    return f"cebsim.test.{uuid.uuid4().hex[:12]}"
