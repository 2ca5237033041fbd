"""Run `acw run` over the shared hard cases (../shared/cases) and check each row against expected.json.

Usage: .venv/bin/python benchmarks/shared_cases.py [--cases DIR] [--out DIR]
Generates the cases (unless --cases points at an existing set), runs the main batch (`audio/`) once, and prints
one line per file: PASS, or FAIL with the checks that failed. Checks cover status, flags, duration, text, language,
scripts, codec/format, roles and timing; fixture stages and the long/re-run batches are not covered here yet.
Segments in expected.json are our turns.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from acw_speech.tables import read_calls, read_turns

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "cases" / "generate.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, help="an existing generated set (default: generate into a temp folder)")
    parser.add_argument("--out", type=Path, help="output folder for the run (default: a temp folder)")
    args = parser.parse_args()
    cases = args.cases or Path(tempfile.mkdtemp(prefix="acw-cases-"))
    if not (cases / "expected.json").exists():
        subprocess.run([sys.executable, str(GENERATOR), str(cases)], check=True, capture_output=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="acw-cases-out-"))
    run = subprocess.run(
        [sys.executable, "-m", "acw_speech", "run", str(cases / "audio"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    print(f"acw run exit code {run.returncode} (expected 2: the batch holds undecodable files)")
    calls = read_calls(out).to_pandas()
    turns = read_turns(out).to_pandas()
    failures = 0
    for entry in json.loads((cases / "expected.json").read_text()):
        if not entry["file"].startswith("audio/"):
            continue
        rows = calls[calls.file_name == Path(entry["file"]).name]
        if len(rows) != 1:
            print(f"FAIL {entry['case']} {entry['file']}: {len(rows)} rows")
            failures += 1
            continue
        row = rows.iloc[0]
        said = turns[turns.call_id == row.call_id].sort_values("start_s")
        problems = check(entry["expect"], row, said)
        failures += bool(problems)
        print(
            f"{'FAIL' if problems else 'PASS'} {entry['case']} {entry['file']}"
            + (f": {'; '.join(problems)}" if problems else "")
        )
    print(f"{failures} failing file(s)")
    return 1 if failures else 0


def check(expect: dict, row, said: pd.DataFrame) -> list[str]:
    problems = []
    statuses = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
    if row.status not in statuses:
        return [f"status {row.status} not in {statuses} ({row.error_message})"]
    conditional = expect.get(f"when_{row.status}", {}) or (expect.get("when_not_ok", {}) if row.status != "ok" else {})
    expect = {**expect, **conditional}
    text = " ".join(said.text)
    plain = _plain(text)
    flags = set(row["flags"])
    if expect.get("flags_any") and not flags & set(expect["flags_any"]):
        problems.append(f"none of flags {expect['flags_any']} in {sorted(flags)}")
    if expect.get("flags_all") and not set(expect["flags_all"]) <= flags:
        problems.append(f"flags {expect['flags_all']} not all in {sorted(flags)}")
    if "duration_s" in expect and (
        pd.isna(row.duration_decoded_s)
        or abs(row.duration_decoded_s - expect["duration_s"]) > expect.get("max_duration_error_s", 0.01)
    ):
        problems.append(f"duration {row.duration_decoded_s} vs {expect['duration_s']}")
    if expect.get("no_text") and (text or len(said)):
        problems.append(f"text where none expected: {text[:60]!r}")
    if "max_segments" in expect and len(said) > expect["max_segments"]:
        problems.append(f"{len(said)} turns > {expect['max_segments']}")
    for word in expect.get("text_contains", []):
        if _plain(word) not in plain:
            problems.append(f"text lacks {word!r}: {text[:80]!r}")
    for word in expect.get("text_not_contains", []):
        if _plain(word) in plain:
            problems.append(f"text has {word!r}")
    if "phrase_count" in expect:
        spec = expect["phrase_count"]
        count = len(re.findall(rf"\b{re.escape(_plain(spec['phrase']))}\b", plain))
        if not spec["min"] <= count <= spec["max"]:
            problems.append(f"{spec['phrase']!r} said {count} times, expected {spec['min']}-{spec['max']}")
    if "max_text_chars" in expect and len(text) > expect["max_text_chars"]:
        problems.append(f"{len(text)} characters > {expect['max_text_chars']}")
    if "codec_in" in expect and row.codec not in expect["codec_in"]:
        problems.append(f"codec {row.codec} not in {expect['codec_in']}")
    if (
        "detected_format_in" in expect
        and not set(str(row.detected_format).split(",")) & set(expect["detected_format_in"])
        and row.detected_format not in expect["detected_format_in"]
    ):
        problems.append(f"format {row.detected_format} not in {expect['detected_format_in']}")
    if "language" in expect:
        allowed = expect["language"] if isinstance(expect["language"], list) else [expect["language"]]
        if (None if pd.isna(row.language) else row.language) not in allowed:
            problems.append(f"language {row.language} not in {allowed}")
    if "scripts_in_order" in expect and _scripts(text) != expect["scripts_in_order"]:
        problems.append(f"scripts {_scripts(text)} != {expect['scripts_in_order']}")
    if "roles_in_order" in expect:
        roles = [r for i, r in enumerate(said.role) if i == 0 or r != said.role.iloc[i - 1]]
        if roles != expect["roles_in_order"]:
            problems.append(f"roles {roles} != {expect['roles_in_order']}")
    for role, words in expect.get("text_by_role", {}).items():
        role_text = _plain(" ".join(said[said.role == role].text))
        problems += [f"{role} lacks {w!r}" for w in words if _plain(w) not in role_text]
    for role, most in expect.get("max_segments_by_role", {}).items():
        if (said.role == role).sum() > most:
            problems.append(f"{(said.role == role).sum()} {role} turns > {most}")
    for column, value in expect.get("downstream", {}).items():
        actual = row[column]
        actual = None if not isinstance(actual, str) and pd.isna(actual) else actual
        if actual != value:
            problems.append(f"{column} = {actual!r}, expected {value!r}")
    if expect.get("error_message_nonempty") and not (isinstance(row.error_message, str) and row.error_message):
        problems.append("empty error message")
    for start, end in expect.get("no_segment_within", []):
        inside = said[(said.start_s >= start) & (said.end_s <= end)]
        if len(inside):
            problems.append(f"{len(inside)} turns inside [{start}, {end}]")
    if "max_segment_end_s" in expect and len(said) and said.end_s.max() > expect["max_segment_end_s"]:
        problems.append(f"turn ends at {said.end_s.max()} > {expect['max_segment_end_s']}")
    if "no_segment_start_after_s" in expect and len(said) and said.start_s.max() > expect["no_segment_start_after_s"]:
        problems.append(f"turn starts at {said.start_s.max()} > {expect['no_segment_start_after_s']}")
    return problems


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def _scripts(text: str) -> list[str]:
    order = []
    for ch in text:
        script = "cyrillic" if "\u0400" <= ch <= "\u04ff" else "latin" if ch.isascii() and ch.isalpha() else None
        if script and (not order or order[-1] != script):
            order.append(script)
    return order


if __name__ == "__main__":
    sys.exit(main())
