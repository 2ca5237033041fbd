"""Re-runs over the same inputs (shared case BL-21): nothing transcribed twice, no rows added, failures reported."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, acw, calls_of, turns_of


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
    calls = calls_of(out).set_index("file_name")
    assert len(calls) == 4
    copies = calls.loc[["call_001.wav", "CALL_001_copy.wav"]]
    assert copies.call_id.nunique() == 1 and copies.duplicate_of.notna().sum() == 1  # transcribed once
    assert calls.loc["call_003_broken.wav", "status"] == "decode_error"
    turns_before = turns_of(out)
    parts_before = sorted(out.glob("*/run_date=*/*.parquet"))

    for step in ("unchanged", "touched"):
        if step == "touched":
            os.utime(bl21 / "call_002.wav", (1_000_000_000, 1_000_000_000))
        again = acw("run", str(bl21), "--out", str(out))
        assert again.returncode == 2, again.stderr
        assert "done in an earlier run" in again.stdout
        after = calls_of(out).set_index("file_name")
        pd.testing.assert_frame_equal(after.sort_index(), calls.sort_index())  # same rows, same processed_at
        pd.testing.assert_frame_equal(turns_of(out), turns_before)
        assert sorted(out.glob("*/run_date=*/*.parquet")) == parts_before  # no part added, none rewritten


def test_force_processes_again_and_takes_the_old_rows_out_of_the_older_parts(tmp_path, bl21):
    out = tmp_path / "out"
    acw("run", str(bl21 / "call_002.wav"), str(bl21 / "call_001.wav"), "--out", str(out))
    before = calls_of(out).set_index("file_name")
    forced = acw("run", str(bl21 / "call_002.wav"), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    # a plain dataset reader (no de-duplication) sees every call exactly once, with the new row for the forced one
    raw = pd.read_parquet(out / "calls").set_index("file_name")
    assert sorted(raw.index) == ["call_001.wav", "call_002.wav"]
    assert raw.loc["call_002.wav", "processed_at"] > before.loc["call_002.wav", "processed_at"]
    assert raw.loc["call_001.wav", "processed_at"] == before.loc["call_001.wav", "processed_at"]
    raw_turns = pq.read_table(out / "turns").to_pandas()
    assert not raw_turns.duplicated(["call_id", "turn_index"]).any()
    assert set(raw_turns.call_id) == set(raw.call_id)
    assert len(list((out / "calls").glob("run_date=*/*.parquet"))) == 2  # the older part rewritten, not dropped


def test_retry_failed_processes_only_the_failed_recordings_again(tmp_path, bl21):
    out = tmp_path / "out"
    files = [str(bl21 / "call_002.wav"), str(bl21 / "call_003_broken.wav")]
    assert acw("run", *files, "--out", str(out)).returncode == 2
    before = calls_of(out).set_index("file_name")
    again = acw("run", *files, "--out", str(out), "--retry-failed")
    assert again.returncode == 2, again.stderr  # broken bytes stay broken
    after = pd.read_parquet(out / "calls").set_index("file_name")  # raw parts: no double row left behind
    assert sorted(after.index) == ["call_002.wav", "call_003_broken.wav"]
    assert after.loc["call_003_broken.wav", "status"] == "decode_error"
    assert after.loc["call_003_broken.wav", "processed_at"] > before.loc["call_003_broken.wav", "processed_at"]
    assert after.loc["call_002.wav", "processed_at"] == before.loc["call_002.wav", "processed_at"]


def test_a_listed_file_that_is_missing_gets_a_failed_row_and_a_replaced_broken_file_leaves_no_stale_row(tmp_path, bl21):
    calls_dir, out = tmp_path / "calls", tmp_path / "out"
    calls_dir.mkdir()
    (calls_dir / "upload.wav").write_bytes((bl21 / "call_003_broken.wav").read_bytes())
    listing = tmp_path / "tonight.txt"
    listing.write_text(f"{calls_dir / 'upload.wav'}\n{calls_dir / 'deleted.wav'}\n", encoding="utf-8")
    first = acw("run", "--files-from", str(listing), "--out", str(out))
    assert first.returncode == 2, first.stderr
    rows = calls_of(out).set_index("file_name")
    assert rows.loc["deleted.wav", "status"] == "failed"
    assert "recording not found" in rows.loc["deleted.wav", "error_message"]
    assert rows.loc["upload.wav", "status"] == "decode_error"

    # the upload finishes (the file now holds a whole recording) and the missing one turns up
    (calls_dir / "upload.wav").write_bytes((bl21 / "call_002.wav").read_bytes())
    (calls_dir / "deleted.wav").write_bytes((bl21 / "call_001.wav").read_bytes())
    second = acw("run", "--files-from", str(listing), "--out", str(out))
    assert second.returncode == 0, second.stderr
    rows = pd.read_parquet(out / "calls")  # a plain reader: the two failures are gone from the parts already
    assert sorted(rows.file_name) == ["deleted.wav", "upload.wav"]
    assert set(rows.status) == {"ok"}
