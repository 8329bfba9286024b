"""scripts/setup's decision to run pip, on a copy of the project in a temporary folder
whose .venv is a stub: its python records the commands it is given (and fails pip when
told to), its qa records ``qa model``. Nothing is installed; nothing is timed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "$STUB_LOG"
case "$*" in *"-m pip"*) [ -z "$STUB_PIP_FAILS" ] || exit 1 ;; esac
exit 0
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: the real setup script and pyproject.toml, a stub .venv."""
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "setup", tmp_path / "scripts" / "setup")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "qa"):
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def _setup(project: Path, *args: str, pip_fails: bool = False) -> tuple[int, str, list[str]]:
    """Run scripts/setup; its exit status, output, and the stub commands it ran."""
    log = project / "stub.log"
    log.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHON": sys.executable,  # the Python 3.11 check
        "STUB_LOG": str(log),
        "STUB_PIP_FAILS": "1" if pip_fails else "",
    }
    done = subprocess.run(
        [str(project / "scripts" / "setup"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    ran = log.read_text().splitlines() if log.exists() else []
    return done.returncode, done.stdout + done.stderr, ran


def _pip(ran: list[str]) -> list[str]:
    return [line for line in ran if "-m pip" in line]


def test_a_first_setup_says_each_step_installs_and_stamps(project: Path) -> None:
    status, out, ran = _setup(project)
    assert status == 0, out
    for step in ("[2/4] installing torch==2.13.0", "[3/4] installing qa and", "[4/4]"):
        assert f"setup: {step}" in out, out
    assert out.count("setup:   done in ") == 3  # the venv existed: no step 1
    pip = _pip(ran)
    assert len(pip) == 2 and pip[0].endswith("install torch==2.13.0"), pip
    assert pip[1].endswith("install -e ."), pip
    assert "qa model" in ran
    assert (project / ".venv" / ".qa-setup").read_text().strip()


def test_a_second_setup_with_nothing_changed_skips_pip(project: Path) -> None:
    _setup(project)
    status, out, ran = _setup(project)
    assert status == 0, out
    assert _pip(ran) == [] and "pip skipped" in out
    assert ran == ["qa model"]  # the model is still checked


@pytest.mark.parametrize("changed", ["pyproject.toml", "scripts/setup"])
def test_a_changed_pyproject_or_setup_script_reinstalls(project: Path, changed: str) -> None:
    _setup(project)
    with (project / changed).open("a") as f:
        f.write("\n# changed\n")
    status, out, ran = _setup(project)
    assert status == 0, out
    assert len(_pip(ran)) == 2 and "pip skipped" not in out


def test_the_stamp_tells_dev_from_plain(project: Path) -> None:
    _setup(project)
    status, _, ran = _setup(project, "--dev")  # a plain install lacks the dev extras
    assert status == 0 and _pip(ran)[-1].endswith("install -e .[dev]"), ran
    _, out, ran = _setup(project)  # a dev install holds the plain one
    assert _pip(ran) == [] and "pip skipped" in out
    _, _, ran = _setup(project, "--dev")
    assert _pip(ran) == []


def test_a_failed_install_leaves_no_stamp_and_the_next_setup_installs(project: Path) -> None:
    _setup(project)
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text() + "\n# a new dependency\n"
    )
    status, _, _ = _setup(project, pip_fails=True)
    assert status != 0
    assert not (project / ".venv" / ".qa-setup").exists()  # the old stamp is gone too
    status, _, ran = _setup(project)
    assert status == 0 and len(_pip(ran)) == 2
