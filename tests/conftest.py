"""Shared fixtures: the demo run over sample_audio/ (done once per test session) and its references."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from acw_speech.tables import read_calls, read_turns

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_AUDIO = ROOT / "sample_audio"
SHARED_DATA = ROOT.parent / "shared" / "data"
# the dissatisfaction signals found in words (long_silence and interruption come from timings)
WORD_KINDS = {
    "escalation_request",
    "cancellation_threat",
    "repeat_contact",
    "complaint",
    "negative_sentiment",
    "agent_apology",
}


@dataclass
class CliRun:
    exit_code: int
    stdout: str
    stderr: str
    out_dir: Path

    @property
    def calls(self) -> pd.DataFrame:
        return calls_of(self.out_dir)

    @property
    def turns(self) -> pd.DataFrame:
        return turns_of(self.out_dir)


def calls_of(out_dir: Path) -> pd.DataFrame:
    """The calls dataset of an output folder, as the library reads it (one row per call)."""
    return read_calls(out_dir).to_pandas()


def turns_of(out_dir: Path) -> pd.DataFrame:
    return read_turns(out_dir).to_pandas()


def acw(*args: str, offline: bool = False, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the `acw` command as a user would; with `offline`, inside a network namespace with no network."""
    command = [sys.executable, "-m", "acw_speech", *args]
    if offline:
        command = ["unshare", "--net", "--", *command]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def can_unshare_network() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(["unshare", "--net", "true"]).returncode == 0


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> CliRun:
    out = tmp_path_factory.mktemp("sample_run")
    proc = acw("run", str(SAMPLE_AUDIO), "--out", str(out), offline=can_unshare_network())
    return CliRun(proc.returncode, proc.stdout, proc.stderr, out)


@pytest.fixture(scope="session")
def references() -> dict[str, dict]:
    refs = {}
    for path in sorted((SAMPLE_AUDIO / "references").glob("*.json")):
        ref = json.loads(path.read_text(encoding="utf-8"))
        refs[ref["file"]] = ref
    return refs
