"""Accuracy and speed of `acw run` on sample_audio/: WER per call, roles, reasons, real-time factor.

Usage: .venv/bin/python benchmarks/sample_audio.py [--out DIR]
WER uses the normalisation written down in acw_speech/scoring.py. Stereo calls are scored per role (agent words
against the agent's script, customer against the customer's), mono calls on all words in order.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from acw_speech.config import load_pipeline
from acw_speech.run import run_batch
from acw_speech.scoring import word_error_rate
from acw_speech.tables import read_calls, read_turns

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the outputs here (default: a temp folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="acw-bench-"))
    started = time.monotonic()
    summary = run_batch([ROOT / "sample_audio"], out, load_pipeline())
    wall = time.monotonic() - started
    calls, turns = read_calls(out).to_pandas(), read_turns(out).to_pandas()
    print(f"{'file':28} {'dur s':>6} {'proc s':>6} {'RTF':>5} {'WER':>6} {'roles':>7} {'reason':>24} expected")
    for ref_path in sorted((ROOT / "sample_audio" / "references").glob("*.json")):
        ref = json.loads(ref_path.read_text(encoding="utf-8"))
        row = calls[calls.file_name == ref["file"]].iloc[0]
        said = turns[turns.call_id == row.call_id].sort_values("turn_index")
        wer = _wer(ref, said)
        roles = _roles_right(ref, said)
        print(
            f"{ref['file']:28} {row.duration_decoded_s:6.1f} {row.processing_s:6.1f} "
            f"{row.processing_s / row.duration_decoded_s:5.2f} {wer:6.1%} {roles:>7} {row.contact_reason:>24} "
            f"{ref.get('reason') or '-'}"
        )
    print(
        f"total: {summary.audio_s:.1f} s of audio in {wall:.1f} s wall (models loaded once) -> "
        f"real-time factor {wall / summary.audio_s:.3f}"
    )


def _wer(ref: dict, said: pd.DataFrame) -> float:
    if ref["layout"] == "stereo" and all(t.get("role") for t in ref["turns"]):
        errors = words = 0
        for role in ("agent", "customer"):
            reference = " ".join(t["text"] for t in ref["turns"] if t["role"] == role)
            n = len(reference.split())
            errors += word_error_rate(reference, " ".join(said[said.role == role].text)) * n
            words += n
        return errors / words
    return word_error_rate(" ".join(t["text"] for t in ref["turns"]), " ".join(said.text))


def _roles_right(ref: dict, said: pd.DataFrame) -> str:
    """Turns whose role matches the scripted turn they overlap most, e.g. '8/8' (or '-' without timings)."""
    scripted = [t for t in ref["turns"] if t.get("role") and "start" in t]
    if not scripted:
        return "-"
    right = 0
    for turn in said.itertuples():
        best = max(scripted, key=lambda t: min(t["end"], turn.end_s) - max(t["start"], turn.start_s))
        right += best["role"] == turn.role
    return f"{right}/{len(said)}"


if __name__ == "__main__":
    main()
