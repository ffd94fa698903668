"""What `pip install .` and the Docker image carry: every package, and every data file the code reads.

An editable install (make run, make test) reads files from the tree, so a data file left out of
the wheel only fails for those who install the package: the Docker image, `pip install .`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
PACKAGES = [pattern.rstrip("*") for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
NOT_SHIPPED = ("benchmarks/results/",)  # the benchmark's figures, read by people, not by the code


def test_every_data_file_in_a_package_is_in_the_wheel() -> None:
    package_data: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
    left_out = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            relative = path.relative_to(ROOT / package).as_posix()
            if (
                not path.is_file()
                or path.suffix in {".py", ".pyc"}
                or "__pycache__" in path.parts
                or f"{package}/{relative}".startswith(NOT_SHIPPED)
            ):
                continue
            if not any(fnmatch.fnmatch(relative, glob) for glob in package_data.get(package, [])):
                left_out.append(f"{package}/{relative}")
    assert left_out == [], "add them to [tool.setuptools.package-data] in pyproject.toml"


def test_the_docker_image_copies_every_package_the_cli_imports() -> None:
    copied = set(re.findall(r"^COPY (\S+) ", (ROOT / "Dockerfile").read_text("utf-8"), re.MULTILINE))
    assert set(PACKAGES) <= copied
