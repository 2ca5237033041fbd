"""The batch: duplicates, earlier outputs, interruptions; driven through the library API."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import SAMPLE_AUDIO, acw, calls_of, turns_of

from acw_speech.config import load_pipeline, with_overrides
from acw_speech.errors import OutputError
from acw_speech.run import run_batch

CONFIG = load_pipeline()


@pytest.fixture
def two_copies(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE_AUDIO / "stereo_diarization.wav", folder / "one.wav")
    shutil.copy(SAMPLE_AUDIO / "stereo_diarization.wav", folder / "two.wav")
    return folder


def test_same_recording_under_two_names_is_transcribed_once_and_keeps_two_rows(tmp_path, two_copies):
    out = tmp_path / "out"
    every_call = with_overrides(CONFIG, batch={"flush_every_calls": 1})
    summary = run_batch([two_copies], out, every_call)
    calls = calls_of(out).set_index("file_name")
    assert len(calls) == 2 and calls.call_id.nunique() == 1
    assert calls.loc["two.wav", "duplicate_of"] == str(two_copies / "one.wav")
    assert pd.isna(calls.loc["one.wav", "duplicate_of"])
    assert [t["role"] for t in calls.loc["two.wav", "turns"]] == ["agent", "customer"]  # inline for both rows
    turns = turns_of(out)
    assert not turns.duplicated(["call_id", "turn_index"]).any() and len(turns) == 2
    assert summary.exit_code == 0
    # flushed after every call: two calls parts; the copy has no turns of its own, so one turns part
    assert summary.parts_written == 2 and len(list((out / "calls").glob("run_date=*/part-*.parquet"))) == 2
    assert len(list((out / "turns").glob("run_date=*/part-*.parquet"))) == 1

    again = run_batch([two_copies / "two.wav"], out, CONFIG)  # re-running one name keeps the other's row
    assert again.parts_written == 0 and len(again.already_done) == 1
    calls = calls_of(out)
    assert sorted(calls.file_name) == ["one.wav", "two.wav"]
    assert len(turns_of(out)) == 2


def test_a_foreign_calls_parquet_is_refused_before_any_work(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "calls.parquet").write_text("garbage")
    with pytest.raises(OutputError, match="not a table acw-speech can add to"):
        run_batch([SAMPLE_AUDIO / "stereo_diarization.wav"], out, CONFIG)
    assert (out / "calls.parquet").read_text() == "garbage"


def test_interrupted_run_keeps_the_calls_already_done(tmp_path, two_copies):
    shutil.copy(SAMPLE_AUDIO / "pisets_ru.wav", two_copies / "three.wav")
    out = tmp_path / "out"

    def stop_after_first(result, earlier):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([two_copies], out, CONFIG, on_done=stop_after_first)
    calls = calls_of(out)
    assert list(calls.file_name) == ["one.wav"] and calls.status.iloc[0] == "ok"
    assert len(turns_of(out)) == 2
    summary = json.loads((out / "run_summary.json").read_text())
    assert summary["interrupted"] is True and summary["processed_now"] == 1 and summary["exit_code"] == 130
    assert summary["not_reached"] == 2 and summary["out_dir"] == str(out.resolve())


def test_more_than_two_channels_uses_the_mapped_two_and_says_so(tmp_path):
    import subprocess

    five = tmp_path / "five.wav"
    subprocess.run(
        [
            "sox",
            str(SAMPLE_AUDIO / "stereo_diarization.wav"),
            "-c",
            "5",
            str(five),
            "remix",
            "1",
            "2",
            "1v0.1",
            "2v0.1",
            "1v0.1",
        ],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "out"
    run_batch([five], out, CONFIG)
    row = calls_of(out).iloc[0]
    assert row.status == "ok" and row.source_channels == 5 and row.channel_layout == "stereo"
    assert "extra_channels_ignored:3" in list(row["flags"])
    turns = turns_of(out)
    assert set(turns.role) == {"agent", "customer"}


def test_a_copy_under_a_name_with_the_wrong_extension_gets_its_own_ext_mismatch_flag(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(SAMPLE_AUDIO / "pisets_ru.wav"), "-f", "mp3", str(folder / "a.mp3")],
        check=True,
    )
    shutil.copy(folder / "a.mp3", folder / "b_really_mp3.wav")
    out = tmp_path / "out"
    assert acw("run", str(folder), "--out", str(out)).returncode == 0
    calls = calls_of(out).set_index("file_name")
    assert calls.duplicate_of.notna().sum() == 1  # one transcription for the two names
    assert "ext_mismatch" not in calls.loc["a.mp3", "flags"]
    assert "ext_mismatch" in calls.loc["b_really_mp3.wav", "flags"]
