"""Bad recordings among good ones: each gets its own row and message, the good ones are processed, exit code 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from conftest import ROOT, SAMPLE_AUDIO, acw, calls_of, turns_of


def test_truncated_empty_and_fake_wavs_fail_alone(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE_AUDIO / "stereo_diarization.wav", batch / "good.wav")
    whole = (SAMPLE_AUDIO / "double_charge_refund.wav").read_bytes()
    (batch / "truncated.wav").write_bytes(whole[: len(whole) // 3])
    (batch / "empty.wav").write_bytes(b"")
    (batch / "notes.wav").write_text("Customer called about a refund. This is a text file, not audio.\n")
    out = tmp_path / "out"

    proc = acw("run", str(batch), "--out", str(out))

    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    calls = calls_of(out).set_index("file_name")
    assert sorted(calls.index) == ["empty.wav", "good.wav", "notes.wav", "truncated.wav"]
    assert calls.loc["good.wav", "status"] == "ok"
    assert calls.loc["good.wav", "n_turns"] >= 2
    for name in ("truncated.wav", "empty.wav", "notes.wav"):
        assert calls.loc[name, "status"] == "decode_error", name
        assert calls.loc[name, "error_message"], name
    assert "truncated" in calls.loc["truncated.wav", "error_message"]
    assert "0 bytes" in calls.loc["empty.wav", "error_message"]
    turns = turns_of(out)
    assert set(turns.call_id) == {calls.loc["good.wav", "call_id"]}


def test_missing_input_is_a_clear_error(tmp_path):
    proc = acw("run", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "input not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_wrong_pipeline_key_is_named(tmp_path):
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("asr:\n  beam_sise: 5\n")
    proc = acw("run", str(SAMPLE_AUDIO / "jfk.flac"), "--out", str(tmp_path / "out"), "--pipeline", str(pipeline))
    assert proc.returncode == 1
    assert "asr.beam_sise" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = acw("run", str(SAMPLE_AUDIO / "jfk.flac"), "--out", str(blocker / "out"))
    assert proc.returncode == 1
    assert "is inside a file, not a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_usage_mistake_exits_1_not_2(tmp_path):
    proc = acw("run", "--no-such-option", str(SAMPLE_AUDIO))
    assert proc.returncode == 1
    assert "No such option" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_language_is_refused_at_start(tmp_path):
    proc = acw("run", str(SAMPLE_AUDIO / "jfk.flac"), "--out", str(tmp_path / "out"), "--language", "xx")
    assert proc.returncode == 1 and "unknown language" in proc.stderr
    assert not (tmp_path / "out" / "calls").exists()


def test_markup_like_file_names_are_shown_as_they_are(tmp_path):
    proc = acw("run", str(tmp_path / "[red]missing.wav"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "[red]missing.wav" in proc.stderr


def test_files_from_a_list_and_json_log_lines_for_cron(tmp_path):
    import json

    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEnot really")
    listing = tmp_path / "tonight.txt"
    listing.write_text(f"# tonight's calls\n{SAMPLE_AUDIO / 'stereo_diarization.wav'}\n\nbroken.wav\n")
    proc = acw("run", "--files-from", str(listing), "--out", str(tmp_path / "out"), "--log-json")
    assert proc.returncode == 2
    events = [json.loads(line) for line in proc.stderr.splitlines()]
    assert [e["event"] for e in events] == ["call", "call", "run"]
    assert {e["status"] for e in events[:2]} == {"ok", "decode_error"}
    assert events[-1]["status_counts"] == {"ok": 1, "decode_error": 1} and events[-1]["exit_code"] == 2
    assert proc.stdout == ""


def test_a_file_name_that_is_not_utf8_gets_its_row_with_the_bytes_escaped(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    odd = os.fsdecode(b"caf\xe9.wav")  # Latin-1 "café", as an old recorder writes it
    shutil.copy(SAMPLE_AUDIO / "stereo_diarization.wav", folder / odd)
    (folder / os.fsdecode(b"empty\xff.wav")).write_bytes(b"")
    out = tmp_path / "out"
    proc = acw("run", str(folder), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    calls = calls_of(out).set_index("file_name")
    assert calls.loc["caf\\xe9.wav", "status"] == "ok" and calls.loc["empty\\xff.wav", "status"] == "decode_error"
    again = acw("run", str(folder), "--out", str(out))
    assert again.returncode == 2 and len(calls_of(out)) == 2  # known again by the same stored name


def test_a_model_cache_that_cannot_be_written_stops_the_run_before_any_row(tmp_path):
    env_cache = tmp_path / "cache"
    env_cache.write_text("a file, not a folder")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "acw_speech", "run", str(SAMPLE_AUDIO / "jfk.flac"), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "ACW_SPEECH_CACHE": str(env_cache)},
        cwd=ROOT,
    )
    assert proc.returncode == 1 and "ACW_SPEECH_CACHE" in proc.stderr and "Traceback" not in proc.stderr
    assert not list(out.glob("calls/*/*.parquet"))


def test_with_log_json_a_run_that_cannot_start_says_so_in_a_json_line(tmp_path):
    proc = acw("run", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), "--log-json")
    assert proc.returncode == 1
    line = json.loads(proc.stderr.strip().splitlines()[-1])
    assert line["event"] == "error" and line["exit_code"] == 1
    assert "input not found" in line["message"]
