"""A run killed with SIGKILL at any moment, then run again: every call exactly once, every table readable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, SAMPLE_AUDIO, acw, calls_of

from acw_speech.output import prepare_output
from acw_speech.tables import read_calls, read_turns


@pytest.fixture(scope="module")
def calls_folder(tmp_path_factory):
    """Six short, distinct recordings (the same clip padded differently, so the content differs)."""
    folder = tmp_path_factory.mktemp("calls")
    for i in range(6):
        subprocess.run(
            [
                "sox",
                str(SAMPLE_AUDIO / "stereo_diarization.wav"),
                str(folder / f"call_{i}.wav"),
                "pad",
                "0",
                f"0.{i + 1}",
            ],
            check=True,
        )
    return folder


@pytest.fixture(scope="module")
def flush_every_call(tmp_path_factory):
    """The default pipeline, but every finished call is flushed at once: a kill then lands between part writes."""
    path = tmp_path_factory.mktemp("pipeline") / "every_call.yaml"
    pipeline = yaml.safe_load((ROOT / "pipelines" / "default.yaml").read_text())
    pipeline["batch"] = {"flush_every_calls": 1}
    path.write_text(yaml.safe_dump(pipeline))
    return path


def _check_consistent(out, expected_files=None):
    """Whatever is in `out` reads as one dataset, to plain readers and to ours, without doubles."""
    if not list(out.glob("calls/*/*.parquet")):
        assert read_turns(out).num_rows == 0
        return 0
    calls = pq.read_table(out / "calls").to_pandas()  # every part readable
    has_turns = list(out.glob("turns/*/*.parquet"))
    turns = pq.read_table(out / "turns").to_pandas() if has_turns else pd.DataFrame(columns=["call_id", "turn_index"])
    assert not calls.duplicated(["call_id", "source_path"]).any()
    assert not turns.duplicated(["call_id", "turn_index"]).any()
    ok_calls = set(calls[calls.status == "ok"].call_id)
    assert ok_calls <= set(turns.call_id)  # a call marked done has its turns
    assert sorted(read_calls(out).column("file_name").to_pylist()) == sorted(calls.file_name)
    assert set(read_turns(out).column("call_id").to_pylist()) == ok_calls  # turns of unfinished calls not shown
    if expected_files is not None:
        assert sorted(calls.file_name) == expected_files
        assert set(turns.call_id) == ok_calls  # the re-run's repair removed the killed run's orphan turns
    return len(calls)


def _start_run(inputs, out, *options) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "acw_speech", "run", str(inputs), "--out", str(out), *options]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize(
    "workers, kill_after_s", [(1, 0.5), (1, 3.0), (1, 6.0), (1, 9.0), (1, 12.0), (2, 10.0), (2, 16.0)]
)
def test_sigkill_then_rerun_leaves_every_call_exactly_once(
    tmp_path, calls_folder, flush_every_call, workers, kill_after_s
):
    out = tmp_path / "out"
    proc = _start_run(calls_folder, out, "--pipeline", str(flush_every_call), "--workers", str(workers))
    time.sleep(kill_after_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _check_consistent(out)  # whatever was written is readable and has no duplicates

    rerun = acw("run", str(calls_folder), "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr  # the dead run's lock is not in the way
    assert _check_consistent(out, sorted(f"call_{i}.wav" for i in range(6))) == 6
    assert not list(out.rglob(".*.tmp"))


def test_second_run_on_the_same_output_is_refused(tmp_path, calls_folder):
    out = tmp_path / "out"
    first = _start_run(calls_folder, out)
    try:
        for _ in range(100):  # wait until the first run holds the lock
            if (out / ".acw-run.lock").exists() and (out / ".acw-run.lock").read_text():
                break
            time.sleep(0.1)
        second = acw("run", str(calls_folder), "--out", str(out))
        assert second.returncode == 1
        assert "is writing to" in second.stderr and "wait for it to finish" in second.stderr
    finally:
        first.kill()
        first.wait()


def test_recordings_are_found_by_content_and_misnamed_ones_flagged(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "call_without_extension").write_bytes((SAMPLE_AUDIO / "stereo_diarization.wav").read_bytes())
    (folder / "notes.txt").write_text("not a call")
    mp3_named = folder / "mp3_named.wav"  # MP3 content behind a .wav name
    command = ["ffmpeg", "-loglevel", "error", "-i", str(SAMPLE_AUDIO / "jfk.flac"), "-ac", "1", "-f", "mp3"]
    subprocess.run([*command, str(mp3_named)], check=True)
    out = tmp_path / "out"
    proc = acw("run", str(folder), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    calls = calls_of(out).set_index("file_name")
    assert sorted(calls.index) == ["call_without_extension", "mp3_named.wav"]
    assert calls.loc["call_without_extension", "detected_format"] == "wav"
    assert "ext_mismatch" not in list(calls.loc["call_without_extension", "flags"])
    assert calls.loc["mp3_named.wav", "detected_format"] == "mp3"
    assert "ext_mismatch" in list(calls.loc["mp3_named.wav", "flags"])


def test_a_half_written_file_left_by_a_killed_run_is_cleaned_up(tmp_path):
    out = tmp_path / "out"
    partition = out / "calls" / "run_date=2026-12-03"
    partition.mkdir(parents=True)
    (partition / ".part-20261203T010203-4242-00003.parquet.4242.tmp").write_bytes(b"PAR1 half a table")
    (out / ".run_summary.json.4242.tmp").write_text("{")
    assert prepare_output(out).rows == {}
    assert not list(out.rglob(".*.tmp"))


def test_sigterm_stops_like_ctrl_c_and_writes_what_is_finished(tmp_path, calls_folder, flush_every_call):
    out = tmp_path / "out"
    proc = _start_run(calls_folder, out, "--pipeline", str(flush_every_call))
    for _ in range(600):  # until the first call is written
        if list(out.glob("calls/*/*.parquet")):
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)  # what systemd, `timeout` and `kill` send
    assert proc.wait(timeout=120) == 143
    done = _check_consistent(out)
    summary = json.loads((out / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] and 1 <= done == summary["processed_now"] < 6
    assert summary["exit_code"] == 143 and summary["not_reached"] == 6 - done
    rerun = acw("run", str(calls_folder), "--out", str(out))
    assert rerun.returncode == 0 and _check_consistent(out, sorted(f"call_{i}.wav" for i in range(6))) == 6
