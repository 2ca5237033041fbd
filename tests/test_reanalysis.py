"""`acw analyze`: reasons, dissatisfaction and drafts re-run on stored turns after a taxonomy or model change."""

from __future__ import annotations

import hashlib
import shutil

from conftest import acw, calls_of

from acw_speech.taxonomy import load_taxonomy


def _digests(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.parquet")}


def test_a_new_taxonomy_changes_past_reasons_without_running_asr(tmp_path, sample_run):
    out = tmp_path / "out"
    shutil.copytree(sample_run.out_dir, out)
    before = calls_of(out).set_index(["call_id", "source_path"]).sort_index()
    turns_before = _digests(out / "turns")
    no_asr = tmp_path / "no_asr.yaml"  # a recogniser that cannot load: the command must not need one
    no_asr.write_text(f"asr:\n  model: {tmp_path / 'no-such-model'}\n")

    proc = acw("analyze", "--out", str(out), "--taxonomy", "banking", "--pipeline", str(no_asr))

    assert proc.returncode == 0, proc.stderr
    after = calls_of(out).set_index(["call_id", "source_path"]).sort_index()
    assert list(after.index) == list(before.index)  # the same calls, no row added or lost
    ok = before["status"] == "ok"
    assert set(after.loc[ok, "taxonomy"]) == {"banking"}
    assert set(after.loc[ok, "contact_reason"]) <= set(load_taxonomy("banking").ids)
    changed = (after.loc[ok, "contact_reason"] != before.loc[ok, "contact_reason"]).sum()
    assert changed >= 3 and f"{changed} changed reason" in proc.stdout
    for column in ("transcript", "processed_at", "duration_decoded_s", "status"):
        assert after[column].equals(before[column]), column
    assert after.loc[~ok, "contact_reason"].equals(before.loc[~ok, "contact_reason"])
    assert _digests(out / "turns") == turns_before  # turns are read, never rewritten

    back = acw("analyze", "--out", str(out), "--pipeline", str(no_asr))  # the pipeline's taxonomy again
    assert back.returncode == 0, back.stderr
    restored = calls_of(out).set_index(["call_id", "source_path"]).sort_index()
    assert restored["contact_reason"].equals(before["contact_reason"])
    assert restored["summary"].equals(before["summary"])


def test_analyze_on_a_folder_without_calls_is_a_clear_error(tmp_path):
    proc = acw("analyze", "--out", str(tmp_path))
    assert proc.returncode == 1 and "holds no calls/ table" in proc.stderr and "Traceback" not in proc.stderr
