"""Manifests: call metadata lands in the call's row; phone numbers only as a keyed hash; bad rows are named."""

from __future__ import annotations

import pytest
from conftest import SAMPLE_AUDIO, acw, calls_of, turns_of

from acw_speech.errors import ConfigError
from acw_speech.manifest import PHONE_KEY_VARIABLE, read_manifest

KEY = "a-test-key-of-enough-length"
HEADER = "path,call_id,start_time,agent_id,queue,direction,customer_phone,language,channel_map\n"


def _manifest(tmp_path, *rows, name="calls.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows))
    return path


def test_rows_become_call_details(tmp_path, monkeypatch):
    monkeypatch.setenv(PHONE_KEY_VARIABLE, KEY)
    (tmp_path / "a.wav").write_bytes(b"")
    path = _manifest(
        tmp_path,
        'a.wav,CRM-1,2026-12-01T09:15:00+01:00,A-17,billing,Inbound,+44 (20) 7946-0000,ru,"customer,agent"',
    )
    details = read_manifest(path)[(tmp_path / "a.wav").resolve()]
    assert details.source_call_id == "CRM-1" and details.agent_id == "A-17" and details.queue == "billing"
    assert details.call_start_time.isoformat() == "2026-12-01T08:15:00+00:00"
    assert details.direction == "inbound" and details.language_hint == "ru"
    assert details.channel_roles == ("customer", "agent")
    assert len(details.customer_phone_hash) == 32 and "7946" not in details.customer_phone_hash
    # the same number written differently is the same customer; another key gives another hash
    again = read_manifest(_manifest(tmp_path, "a.wav,,,,,,+442079460000,,", name="b.csv"))
    assert again[(tmp_path / "a.wav").resolve()].customer_phone_hash == details.customer_phone_hash
    monkeypatch.setenv(PHONE_KEY_VARIABLE, KEY + "-other")
    other = read_manifest(_manifest(tmp_path, "a.wav,,,,,,+442079460000,,", name="c.csv"))
    assert other[(tmp_path / "a.wav").resolve()].customer_phone_hash != details.customer_phone_hash


@pytest.mark.parametrize(
    "row, words",
    [
        ("a.wav,,yesterday,,,,,,", "row 2: start_time 'yesterday'"),
        ("a.wav,,,,,sideways,,,", "row 2: direction must be"),
        ("a.wav,,,,,,,xx,", "row 2: language 'xx'"),
        ("a.wav,,,,,,,,agent", "row 2: channel_map 'agent'"),
    ],
)
def test_bad_values_name_the_row(tmp_path, row, words):
    with pytest.raises(ConfigError, match=words):
        read_manifest(_manifest(tmp_path, row))


def test_phone_numbers_without_a_key_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(PHONE_KEY_VARIABLE, raising=False)
    with pytest.raises(ConfigError, match=PHONE_KEY_VARIABLE):
        read_manifest(_manifest(tmp_path, "a.wav,,,,,,+442079460000,,"))


def test_unknown_column_is_named(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("path,agnet_id\na.wav,A-1\n")
    with pytest.raises(ConfigError, match="agnet_id"):
        read_manifest(path)


def test_run_with_a_manifest_fills_the_rows_and_reports_missing_recordings(tmp_path):
    path = _manifest(
        tmp_path,
        f'{SAMPLE_AUDIO / "stereo_diarization.wav"},CRM-7,2026-12-01T10:00:00Z,A-9,support,outbound,,,"customer,agent"',
        "gone.wav,CRM-8,,,,,,,",
    )
    out = tmp_path / "out"
    proc = acw("run", "--manifest", str(path), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    calls = calls_of(out).set_index("source_call_id")
    assert calls.loc["CRM-7", "status"] == "ok" and calls.loc["CRM-7", "agent_id"] == "A-9"
    assert calls.loc["CRM-8", "status"] == "failed" and "recording not found" in calls.loc["CRM-8", "error_message"]
    turns = turns_of(out)
    first = turns[turns.call_id == calls.loc["CRM-7", "call_id"]].sort_values("turn_index").iloc[0]
    assert first.role == "customer" and first.text.startswith("He began")  # channel_map put the customer left


def test_a_recording_listed_twice_or_in_a_language_the_pipeline_does_not_allow_is_refused(tmp_path):
    twice = tmp_path / "twice.csv"
    twice.write_text("path,call_id\na.wav,C1\n./a.wav,C2\n", encoding="utf-8")
    proc = acw("run", "--manifest", str(twice), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "row 3" in proc.stderr and "already listed in row 2" in proc.stderr
    french = tmp_path / "french.csv"
    french.write_text("path,language\na.wav,fr\n", encoding="utf-8")
    proc = acw("run", "--manifest", str(french), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "language fr is not among the pipeline's languages" in proc.stderr
    assert not (tmp_path / "out" / "calls").exists()
