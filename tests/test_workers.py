"""`acw run --workers N`: the same rows as one process, a dead worker costs only its own call, Ctrl-C flushes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE_AUDIO, acw, calls_of

from acw_speech.config import load_pipeline, with_overrides
from acw_speech.errors import ModelError
from acw_speech.records import CallResult
from acw_speech.run import new_result
from acw_speech.workers import Task, run_in_workers, worker_config

COMPARED = [
    "call_id",
    "status",
    "error_message",
    "duplicate_of",
    "language",
    "n_turns",
    "transcript",
    "turns",
    "contact_reason",
    "summary",
]


def test_two_workers_give_the_same_rows_as_one(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("stereo_diarization.wav", "jfk.flac", "pisets_ru.wav"):
        shutil.copy(SAMPLE_AUDIO / name, folder / name)
    shutil.copy(SAMPLE_AUDIO / "stereo_diarization.wav", folder / "stereo_copy.wav")  # same bytes: transcribed once
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    # Whisper's int8 decoding and torch's speaker embeddings differ in the last digits with the thread count (and
    # a mono call's turns with them), so both runs use one thread each for the recogniser and for torch
    pipeline = tmp_path / "one_thread.yaml"
    pipeline.write_text("asr:\n  cpu_threads: 1\n")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    runs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out_{workers}"
        proc = acw(
            "run", str(folder), "--out", str(out), "--pipeline", str(pipeline), "--workers", workers, "--log-json"
        )
        assert proc.returncode == 2, proc.stderr  # the broken file
        assert "Traceback" not in proc.stderr
        summary = json.loads(proc.stderr.strip().splitlines()[-1])
        assert summary["workers"] == int(workers) and summary["status_counts"] == {"ok": 4, "decode_error": 1}
        runs[workers] = calls_of(out).set_index("file_name").sort_index()

    calls = runs["2"]
    assert calls.loc["broken.wav", "status"] == "decode_error"
    assert calls.call_id.nunique() == 4  # the first name in input order is transcribed, the other points to it
    assert calls.loc["stereo_diarization.wav", "duplicate_of"] == str(folder / "stereo_copy.wav")
    assert pd.isna(calls.loc["stereo_copy.wav", "duplicate_of"])
    assert list(calls.index) == list(runs["1"].index)
    for name in calls.index:
        assert _comparable(calls.loc[name]) == _comparable(runs["1"].loc[name]), name
    assert "fellow Americans" in calls.loc["jfk.flac", "transcript"]


def _comparable(row) -> list:
    turns = row["turns"]
    values = {**row[COMPARED], "turns": None if turns is None else [tuple(t.values()) for t in turns]}
    return [None if c != "turns" and pd.isna(values[c]) else values[c] for c in COMPARED]


def test_workers_share_the_cores_unless_the_pipeline_says(monkeypatch):
    monkeypatch.setattr("acw_speech.workers.usable_cpus", lambda: 8)
    config = load_pipeline()
    assert worker_config(config, 3).asr.cpu_threads == 2
    assert worker_config(config, 16).asr.cpu_threads == 1
    assert worker_config(with_overrides(config, asr={"cpu_threads": 4}), 3).asr.cpu_threads == 4


def _dies_on_request(config, conn, parent_pid):
    """A stand-in worker: answers at once, but dies like the OOM killer would on a file named die*.wav."""
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task.path.name.startswith("die"):
            os.kill(os.getpid(), signal.SIGKILL)
        if task.path.name == "no_model.wav":
            conn.send(("error", "ModelError", "cannot load ASR model 'x'"))
            return
        result = CallResult(task.call_id, str(task.path), "ok", datetime.now(timezone.utc), "test")
        conn.send(("result", result))


def _run_fake(names: list[str]) -> dict[str, CallResult]:
    config = load_pipeline()
    tasks = [Task(Path(f"/in/{name}"), f"id-{i}", None) for i, name in enumerate(names)]
    results = {}

    def failed(task, why):
        return new_result(config, task, why)

    def collect(result):
        assert Path(result.source_path).name not in results, "a call answered twice"
        results[Path(result.source_path).name] = result

    run_in_workers(config, 2, iter(tasks), collect, failed, serve=_dies_on_request)
    return results


def test_a_worker_that_dies_costs_only_its_own_call():
    names = ["a.wav", "die_1.wav", "b.wav", "c.wav", "die_2.wav", "d.wav"]
    results = _run_fake(names)
    assert sorted(results) == sorted(names)  # every call answered, none twice, the run not hung
    for name in ("die_1.wav", "die_2.wav"):
        assert results[name].status == "failed"
        assert "worker process died of SIGKILL" in results[name].error_message
    assert {results[n].status for n in ("a.wav", "b.wav", "c.wav", "d.wav")} == {"ok"}


def test_a_setup_problem_in_a_worker_stops_the_run_with_its_message():
    with pytest.raises(ModelError, match="cannot load ASR model"):
        _run_fake(["a.wav", "no_model.wav", "b.wav"])


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_workers_must_be_at_least_one(tmp_path, workers):
    proc = acw("run", str(SAMPLE_AUDIO), "--out", str(tmp_path / "out"), "--workers", workers)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Invalid value for '--workers'" in proc.stderr and "greater than or equal to 1" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_ctrl_c_with_workers_writes_the_finished_calls_and_exits_130(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    clip = str(SAMPLE_AUDIO / "stereo_diarization.wav")
    for i in range(16):  # enough that the run is still busy when Ctrl-C comes, however fast the machine is
        subprocess.run(["sox", clip, str(folder / f"call_{i}.wav"), "pad", "0", f"0.{i:02}"], check=True)
    pipeline = tmp_path / "every_call.yaml"
    pipeline.write_text("batch:\n  flush_every_calls: 1\n")  # every finished call written at once
    out = tmp_path / "out"
    command = [sys.executable, "-m", "acw_speech", "run", str(folder), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--pipeline", str(pipeline)],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("calls/*/*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    summary = json.loads((out / "run_summary.json").read_text())
    done = calls_of(out)
    assert summary["interrupted"] is True and 1 <= len(done) == summary["processed_now"] < 16
    assert set(done.status) == {"ok"}
