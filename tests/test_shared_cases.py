"""Every case the shared generator (../shared/cases/generate.py) writes gets the behaviour its expected.json states.

The generator runs here; the main batch (`audio/`) and the long batch (`long/`, two ten-minute files) go through
`acw run` as cron would run them, and every entry is checked by tests/case_checks.py. Fixture and re-run entries
are checked by the tests named in COVERED_ELSEWHERE.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from case_checks import GENERATOR, problems
from conftest import ROOT, calls_of, turns_of

from acw_speech.config import load_pipeline

RSS_BUDGET_MB = 1536  # issue 3: a long recording is processed in under 1.5 GB

# Where our result differs from expected.json, and why (patterns of the problems reported); the test fails if a
# difference changes or goes away.
KNOWN_DEVIATIONS = {
    # Whisper base hears the customer's "charged twice" as "charged wife" once the espeak voice is squeezed into
    # 8 kHz (the 16 kHz copy of the same call is right). Beam size, float32, generic prompts and hotwords,
    # resampling and VAD settings were all tried without changing it (only a prompt holding the very words
    # "charged twice" does, which would be tuning to the test): an accuracy limit of the bundled model.
    "audio/bl07_stereo_mulaw_8k.wav": [r"customer lacks 'twice'"],
    # The same 8 kHz "twice" in BL-14's ten minutes: every one of the 38 "charged" is there, some are "charged
    # wife". 31 here with the seeded temperature fallback; the range allows another CPU's int8 kernels.
    "long/bl14_10min_speech.wav": [r"'twice' said (2[89]|3[0-5]) times, expected 36-38"],
}

COVERED_ELSEWHERE = {
    "fixtures/bl04_looped_segments.json": "test_guards.py::test_every_fixture_expectation_holds",
    "fixtures/bl04_clean_segments.json": "test_guards.py::test_the_clean_control_comes_back_untouched",
    "fixtures/bl17_bad_timestamps.json": "test_guards.py::test_every_fixture_expectation_holds",
    "fixtures/bl19_formula_rows.json": "test_export.py::test_every_export_expectation_holds",
    "fixtures/bl20_batches.json": (
        "test_dataset.py::test_bl20_batches_written_as_parts_read_back_as_one_dataset_with_one_schema"
    ),
    "bl21_in/call_001.wav": "test_rerun.py::test_reruns_add_nothing_and_report_the_broken_file_again",
    "bl21_in/CALL_001_copy.wav": "test_rerun.py::test_reruns_add_nothing_and_report_the_broken_file_again",
    "bl21_in/call_002.wav": "test_rerun.py::test_reruns_add_nothing_and_report_the_broken_file_again",
    "bl21_in/call_003_broken.wav": "test_rerun.py::test_reruns_add_nothing_and_report_the_broken_file_again",
}

# Runs a command and prints its peak resident memory (kilobytes) on stderr's last line.
MEASURE = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shared_cases")
    subprocess.run([sys.executable, str(GENERATOR), str(folder)], check=True, capture_output=True)
    return folder


@pytest.fixture(scope="module")
def entries(cases) -> list[dict]:
    return json.loads((cases / "expected.json").read_text(encoding="utf-8"))


def _batch(cases: Path, name: str, out: Path) -> tuple[subprocess.CompletedProcess, int]:
    command = [sys.executable, "-c", MEASURE, sys.executable, "-m", "acw_speech", "run", str(cases / name)]
    run = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=1800)
    peak_mb = int(run.stderr.strip().splitlines()[-1]) // 1024
    return run, peak_mb


@pytest.fixture(scope="module")
def main_batch(cases, tmp_path_factory):
    out = tmp_path_factory.mktemp("cases_audio_out")
    run, _ = _batch(cases, "audio", out)
    return run, out


@pytest.fixture(scope="module")
def long_batch(cases, tmp_path_factory):
    out = tmp_path_factory.mktemp("cases_long_out")
    run, peak_mb = _batch(cases, "long", out)
    return run, out, peak_mb


def _unexplained(found: dict[str, list[str]], batch: str) -> dict[str, list[str]]:
    """The problems no KNOWN_DEVIATIONS pattern explains, and the known deviations of `batch` that did not occur."""
    left = {}
    for file in {*found, *(f for f in KNOWN_DEVIATIONS if f.startswith(f"{batch}/"))}:
        patterns, problems_found = KNOWN_DEVIATIONS.get(file, []), found.get(file, [])
        if len(patterns) != len(problems_found) or not all(map(re.fullmatch, patterns, problems_found)):
            left[file] = problems_found or ["(a known deviation that no longer occurs: take it out)"]
    return left


def _failures(entries: list[dict], batch: str, out: Path) -> dict[str, list[str]]:
    calls, turns, pipeline = calls_of(out), turns_of(out), load_pipeline()
    found = {}
    for entry in (e for e in entries if e["file"].startswith(f"{batch}/")):
        rows = calls[calls.file_name == Path(entry["file"]).name]
        if len(rows) != 1:
            found[entry["file"]] = [f"{len(rows)} rows"]
            continue
        row = rows.iloc[0]
        wrong = problems(entry["expect"], row, turns[turns.call_id == row.call_id], pipeline)
        if wrong:
            found[entry["file"]] = wrong
    return found


def test_the_main_batch_exits_2_with_one_row_per_file_and_counts_per_status(cases, main_batch):
    run, out = main_batch
    assert run.returncode == 2, run.stderr[-2000:]  # the batch holds undecodable files
    calls = calls_of(out)
    assert sorted(calls.file_name) == sorted(p.name for p in (cases / "audio").iterdir())
    summary = json.loads((out / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["status_counts"] == calls.status.value_counts().to_dict()


def test_every_main_batch_file_behaves_as_expected_json_states(entries, main_batch):
    _, out = main_batch
    assert _unexplained(_failures(entries, "audio", out), "audio") == {}


def test_the_long_batch_keeps_offsets_and_memory_bounded(entries, long_batch):
    run, out, peak_mb = long_batch
    assert run.returncode == 0, run.stderr[-2000:]
    assert _unexplained(_failures(entries, "long", out), "long") == {}
    assert all(e["expect"].get("rss_bounded") for e in entries if e["file"].startswith("long/"))
    assert peak_mb < RSS_BUDGET_MB, f"peak RSS {peak_mb} MB on two ten-minute recordings"


def test_every_entry_of_expected_json_is_checked_somewhere(entries):
    batches = {e["file"] for e in entries if e["file"].split("/")[0] in ("audio", "long")}
    assert {e["file"] for e in entries} - batches == set(COVERED_ELSEWHERE)
    for where in COVERED_ELSEWHERE.values():
        module, test = where.split("::")
        assert f"def {test}(" in (ROOT / "tests" / module).read_text(encoding="utf-8"), where
