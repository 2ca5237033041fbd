"""Re-runs over the same inputs (shared case BL-21): nothing transcribed twice, no rows added, failures reported."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, acw


@pytest.fixture(scope="module")
def bl21(tmp_path_factory):
    cases = tmp_path_factory.mktemp("cases")
    generator = ROOT.parent / "shared" / "cases" / "generate.py"
    subprocess.run([sys.executable, str(generator), str(cases), "--only", "BL-21"], check=True, capture_output=True)
    return cases / "bl21_in"


def test_reruns_add_nothing_and_report_the_broken_file_again(tmp_path, bl21):
    out = tmp_path / "out"
    first = acw("run", str(bl21), "--out", str(out))
    assert first.returncode == 2, first.stderr
    calls = pd.read_parquet(out / "calls.parquet").set_index("file_name")
    assert len(calls) == 4
    copies = calls.loc[["call_001.wav", "CALL_001_copy.wav"]]
    assert copies.call_id.nunique() == 1 and copies.duplicate_of.notna().sum() == 1  # transcribed once
    assert calls.loc["call_003_broken.wav", "status"] == "decode_error"
    turns_before = pd.read_parquet(out / "turns.parquet")

    for step in ("unchanged", "touched"):
        if step == "touched":
            os.utime(bl21 / "call_002.wav", (1_000_000_000, 1_000_000_000))
        again = acw("run", str(bl21), "--out", str(out))
        assert again.returncode == 2, again.stderr
        assert "done in an earlier run" in again.stdout
        after = pd.read_parquet(out / "calls.parquet").set_index("file_name")
        pd.testing.assert_frame_equal(after.sort_index(), calls.sort_index())  # same rows, same processed_at
        pd.testing.assert_frame_equal(pd.read_parquet(out / "turns.parquet"), turns_before)


def test_force_processes_again(tmp_path, bl21):
    out = tmp_path / "out"
    acw("run", str(bl21 / "call_002.wav"), "--out", str(out))
    before = pd.read_parquet(out / "calls.parquet").processed_at.iloc[0]
    acw("run", str(bl21 / "call_002.wav"), "--out", str(out), "--force")
    after = pd.read_parquet(out / "calls.parquet")
    assert len(after) == 1 and after.processed_at.iloc[0] > before
