"""Session-wide test fixtures shared by every test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def official_root() -> Path:
    """The official 202205 XSDs and samples (`../shared/ceb-official/2022`), an oracle read at test time."""
    configured = os.environ.get("CEBSIM_OFFICIAL_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "ceb-official" / "2022"


@pytest.fixture(scope="session")
def official_dir() -> Path:
    root = official_root()
    if not (root / "xsd" / "ceb-import.xsd").is_file():
        pytest.fail(f"the official CEB oracle is missing at {root} (set CEBSIM_OFFICIAL_DIR)")
    return root
