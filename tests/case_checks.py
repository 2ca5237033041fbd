"""Checks one result row of `acw run` against an entry of the shared cases' expected.json (../shared/cases).

`problems(expect, row, said, pipeline)` returns what is wrong (empty: the row behaves as the entry states). The
entry's "segments" are our turns (`said`, the call's rows of the turns dataset). Used by tests/test_shared_cases.py;
run it as a script for a per-file report:

    .venv/bin/python tests/case_checks.py [--cases DIR] [--out DIR]
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

from acw_speech.config import PipelineConfig, load_pipeline
from acw_speech.dissatisfaction import combined_score
from acw_speech.records import Signal

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "cases" / "generate.py"
SHARED_PHRASE_WORDS = 4  # two roles sharing this many words in a row means one channel leaked into the other


def problems(expect: dict, row, said: pd.DataFrame, pipeline: PipelineConfig) -> list[str]:
    """Everything about `row` (a calls row) and `said` (its turns) that differs from `expect`."""
    statuses = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
    if row.status not in statuses:
        return [f"status {row.status} not in {statuses} ({row.error_message})"]
    conditional = expect.get(f"when_{row.status}") or (expect.get("when_not_ok") if row.status != "ok" else None)
    expect = {**expect, **(conditional or {})}
    said = said.sort_values("start_s")
    found = []
    for check in CHECKS:
        found += check(expect, row, said, pipeline)
    return found


def _status_and_flags(expect, row, said, pipeline) -> list[str]:
    found, flags = [], set(row["flags"])
    if expect.get("flags_any") and not flags & set(expect["flags_any"]):
        found.append(f"none of flags {expect['flags_any']} in {sorted(flags)}")
    if expect.get("flags_all") and not set(expect["flags_all"]) <= flags:
        found.append(f"flags {expect['flags_all']} not all in {sorted(flags)}")
    if flags & set(expect.get("flags_none", [])):
        found.append(f"flags {sorted(flags & set(expect['flags_none']))} must not be set")
    if expect.get("error_message_nonempty") and not (isinstance(row.error_message, str) and row.error_message):
        found.append("empty error message")
    for key in ("status", "error_message", "flags", "duration_decoded_s"):
        if key not in row.index:
            found.append(f"row lacks {key}")
    return found


def _duration_and_format(expect, row, said, pipeline) -> list[str]:
    found = []
    if "duration_s" in expect and (
        pd.isna(row.duration_decoded_s)
        or abs(row.duration_decoded_s - expect["duration_s"]) > expect.get("max_duration_error_s", 0.01)
    ):
        found.append(f"duration {row.duration_decoded_s} vs {expect['duration_s']}")
    if "codec_in" in expect and row.codec not in expect["codec_in"]:
        found.append(f"codec {row.codec} not in {expect['codec_in']}")
    if "detected_format_in" in expect:
        wanted = set(expect["detected_format_in"])
        if row.detected_format not in wanted and not set(str(row.detected_format).split(",")) & wanted:
            found.append(f"format {row.detected_format} not in {sorted(wanted)}")
    return found


def _text(expect, row, said, pipeline) -> list[str]:
    found, text = [], " ".join(said.text)
    plain = _plain(text)
    if row.status in ("ok", "no_speech") and not isinstance(row.transcript, str):
        found.append("transcript is null (must be a string, '' when nothing was said)")
    if expect.get("no_text") and (text or len(said) or row.transcript):
        found.append(f"text where none expected: {text[:60]!r}")
    if "max_segments" in expect and len(said) > expect["max_segments"]:
        found.append(f"{len(said)} turns > {expect['max_segments']}")
    found += [f"text lacks {w!r}: {text[:80]!r}" for w in expect.get("text_contains", []) if _plain(w) not in plain]
    found += [f"text has {w!r}" for w in expect.get("text_not_contains", []) if _plain(w) in plain]
    summary = _plain(row.summary) if isinstance(row.summary, str) else ""
    found += [f"summary has {w!r}" for w in expect.get("summary_not_contains", []) if _plain(w) in summary]
    if "phrase_count" in expect:
        spec = expect["phrase_count"]
        count = len(re.findall(rf"\b{re.escape(_plain(spec['phrase']))}\b", plain))
        if not spec["min"] <= count <= spec["max"]:
            found.append(f"{spec['phrase']!r} said {count} times, expected {spec['min']}-{spec['max']}")
    if "max_text_chars" in expect and len(text) > expect["max_text_chars"]:
        found.append(f"{len(text)} characters > {expect['max_text_chars']}")
    return found


def _language(expect, row, said, pipeline) -> list[str]:
    found, text = [], " ".join(said.text)
    if "language" in expect:
        allowed = expect["language"] if isinstance(expect["language"], list) else [expect["language"]]
        if (None if pd.isna(row.language) else row.language) not in allowed:
            found.append(f"language {row.language} not in {allowed}")
    if "language_allow_list" in expect and set(pipeline.languages) != set(expect["language_allow_list"]):
        found.append(f"run configured with languages {pipeline.languages}, not {expect['language_allow_list']}")
    scripts = _scripts(text)
    if "scripts_in_order" in expect and scripts != expect["scripts_in_order"]:
        found.append(f"scripts {scripts} != {expect['scripts_in_order']}")
    if expect.get("no_translation") and "cyrillic" in expect.get("scripts_in_order", []) and "cyrillic" not in scripts:
        found.append("the Russian speech came back in Latin letters (translated or transliterated)")
    return found


def _roles(expect, row, said, pipeline) -> list[str]:
    found = []
    if "channel_roles" in expect:
        configured = dict(enumerate(pipeline.channels.roles))
        if {int(k): v for k, v in expect["channel_roles"].items()} != configured:
            found.append(f"run configured with channel roles {configured}, not {expect['channel_roles']}")
    if "roles_in_order" in expect:
        roles = [r for i, r in enumerate(said.role) if i == 0 or r != said.role.iloc[i - 1]]
        if roles != expect["roles_in_order"]:
            found.append(f"roles {roles} != {expect['roles_in_order']}")
    tolerance = expect.get("turn_tolerance_s", 0.5)
    for turn in expect.get("turns", []):
        mine = said[(said.role == turn["role"]) & (said.end_s > turn["start"]) & (said.start_s < turn["end"])]
        if mine.empty:
            found.append(f"no {turn['role']} turn over {turn['start']}-{turn['end']} s")
        elif abs(mine.start_s.min() - turn["start"]) > tolerance or abs(mine.end_s.max() - turn["end"]) > tolerance:
            found.append(
                f"{turn['role']} turn {mine.start_s.min():.2f}-{mine.end_s.max():.2f} s, "
                f"expected {turn['start']}-{turn['end']} s ± {tolerance}"
            )
    if "speakers_allowed" in expect and not set(said.role) <= set(expect["speakers_allowed"]):
        found.append(f"speakers {sorted(set(said.role))} not all in {expect['speakers_allowed']}")
    for role, words in expect.get("text_by_role", {}).items():
        role_text = _plain(" ".join(said[said.role == role].text))
        found += [f"{role} lacks {w!r}" for w in words if _plain(w) not in role_text]
    for role, most in expect.get("max_segments_by_role", {}).items():
        if (said.role == role).sum() > most:
            found.append(f"{(said.role == role).sum()} {role} turns > {most}")
    if expect.get("no_text_duplicated_across_roles"):
        by_role = [_phrases(" ".join(said[said.role == role].text)) for role in sorted(set(said.role))]
        shared = set.intersection(*by_role) if len(by_role) > 1 else set()
        if shared:
            found.append(f"the same words under two roles: {sorted(shared)[:3]}")
    return found


def _downstream(expect, row, said, pipeline) -> list[str]:
    found = []
    for column, value in expect.get("downstream", {}).items():
        actual = row[column]
        actual = None if not isinstance(actual, str) and pd.isna(actual) else actual
        if actual != value:
            found.append(f"{column} = {actual!r}, expected {value!r}")
    if "dissatisfaction_from_roles" in expect and row.status == "ok":
        roles = set(expect["dissatisfaction_from_roles"]) | {"unknown"}  # a long silence belongs to no one
        listed = row.dissatisfaction_signals
        signals = [s for s in (() if listed is None else listed) if s["role"] in roles]
        score = combined_score([Signal(**s) for s in signals], pipeline.dissatisfaction.repeat_decay)
        if pd.isna(row.dissatisfaction) or abs(row.dissatisfaction - score) > 1e-4:
            found.append(f"dissatisfaction {row.dissatisfaction} is not the score of {sorted(roles)} signals ({score})")
    return found


def _timing(expect, row, said, pipeline) -> list[str]:
    found = []
    for start, end in expect.get("no_segment_within", []):
        inside = said[(said.start_s >= start) & (said.end_s <= end)]
        if len(inside):
            found.append(f"{len(inside)} turns inside [{start}, {end}]")
    if not len(said):
        return found
    if "max_segment_end_s" in expect and said.end_s.max() > expect["max_segment_end_s"]:
        found.append(f"turn ends at {said.end_s.max()} > {expect['max_segment_end_s']}")
    if "min_segment_start_s" in expect and said.start_s.min() < expect["min_segment_start_s"]:
        found.append(f"turn starts at {said.start_s.min()} < {expect['min_segment_start_s']}")
    if "no_segment_start_after_s" in expect and said.start_s.max() > expect["no_segment_start_after_s"]:
        found.append(f"turn starts at {said.start_s.max()} > {expect['no_segment_start_after_s']}")
    if "last_segment_end_s" in expect:
        last, tolerance = said.end_s.max(), expect.get("last_segment_tolerance_s", 1.0)
        if abs(last - expect["last_segment_end_s"]) > tolerance:
            found.append(f"last turn ends at {last:.2f} s, expected {expect['last_segment_end_s']} ± {tolerance}")
    if (said.start_s > said.end_s).any():
        found.append("a turn ends before it starts")
    return found


CHECKS = (_status_and_flags, _duration_and_format, _text, _language, _roles, _downstream, _timing)
# expected.json keys checked elsewhere: rss_bounded (the long batch's peak memory, in the test), fixture and re-run
# keys (tests/test_guards.py, test_export.py, test_dataset.py, test_rerun.py).


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def _phrases(text: str) -> set[tuple[str, ...]]:
    words = _plain(text).split()
    return {tuple(words[i : i + SHARED_PHRASE_WORDS]) for i in range(len(words) - SHARED_PHRASE_WORDS + 1)}


def _scripts(text: str) -> list[str]:
    """Writing systems of the spoken words in order; redaction placeholders ("[PERSON_NAME]") are our markup, not
    words that were said, so they are left out."""
    order = []
    for ch in re.sub(r"\[[A-Z_]+\]", " ", text):
        script = "cyrillic" if "\u0400" <= ch <= "\u04ff" else "latin" if ch.isascii() and ch.isalpha() else None
        if script and (not order or order[-1] != script):
            order.append(script)
    return order


def report(cases: Path, out: Path, batch: str = "audio") -> int:
    """Run `acw run` over one batch folder of a generated set and print PASS/FAIL per file; returns the failures."""
    from acw_speech.tables import read_calls, read_turns

    run = subprocess.run([sys.executable, "-m", "acw_speech", "run", str(cases / batch), "--out", str(out)], cwd=ROOT)
    print(f"acw run exit code {run.returncode}")
    calls, turns = read_calls(out).to_pandas(), read_turns(out).to_pandas()
    pipeline, failures = load_pipeline(), 0
    for entry in json.loads((cases / "expected.json").read_text(encoding="utf-8")):
        if not entry["file"].startswith(f"{batch}/"):
            continue
        rows = calls[calls.file_name == Path(entry["file"]).name]
        found = [f"{len(rows)} rows"] if len(rows) != 1 else []
        if not found:
            row = rows.iloc[0]
            found = problems(entry["expect"], row, turns[turns.call_id == row.call_id], pipeline)
        failures += bool(found)
        print(
            f"{'FAIL' if found else 'PASS'} {entry['case']} {entry['file']}" + (f": {'; '.join(found)}" * bool(found))
        )
    print(f"{failures} failing file(s)")
    return failures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, help="an existing generated set (default: generate into a temp folder)")
    parser.add_argument("--out", type=Path, help="output folder for the run (default: a temp folder)")
    parser.add_argument("--batch", default="audio", help="audio (default) or long")
    args = parser.parse_args()
    cases = args.cases or Path(tempfile.mkdtemp(prefix="acw-cases-"))
    if not (cases / "expected.json").exists():
        subprocess.run([sys.executable, str(GENERATOR), str(cases)], check=True, capture_output=True)
    sys.exit(1 if report(cases, args.out or Path(tempfile.mkdtemp(prefix="acw-cases-out-")), args.batch) else 0)
