"""Peak memory of `acw run` on one long recording (default: two hours of back-to-back speech).

Usage: .venv/bin/python benchmarks/long_recording.py [--hours 2] [--window-s S] [--keep DIR]
Builds the recording from the shared generator's ten-minute BL-14 speech file (8 kHz mono, espeak-ng dialogue),
repeated with sox to the length asked for, then runs `acw run` on it in a child process, as cron would, and
prints its peak resident memory (the child's ru_maxrss: models, decoding, recognition, tables, all of it),
wall time, real-time factor, status and the last turn's end (it must sit at the recording's end: window offsets
are added right). `--window-s` runs with another `audio.window_s` than the default pipeline's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from acw_speech.tables import read_calls, read_turns

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "cases" / "generate.py"
PIECE_S = 600  # BL-14's speech file is ten minutes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--window-s", type=float, help="audio.window_s for this run (default: the pipeline's)")
    parser.add_argument("--keep", type=Path, help="build the recording and write the outputs here (kept)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="acw-long-"))
    work.mkdir(parents=True, exist_ok=True)
    recording = build_recording(work, args.hours)
    pipeline = ROOT / "pipelines" / "default.yaml"
    if args.window_s:
        settings = yaml.safe_load(pipeline.read_text())
        settings["audio"]["window_s"] = args.window_s
        pipeline = work / "pipeline.yaml"
        pipeline.write_text(yaml.safe_dump(settings))
    out = work / "out"
    command = [sys.executable, "-m", "acw_speech", "run", str(recording), "--out", str(out), "--force", "--log-json"]
    started = time.monotonic()
    run = subprocess.run([*command, "--pipeline", str(pipeline)], capture_output=True, text=True, cwd=ROOT)
    wall = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
    print(f"peak RSS       {peak_mb:.0f} MB  ({peak_mb / 1024:.2f} GB)", flush=True)
    if run.returncode != 0:
        print(f"acw run failed (exit {run.returncode}):\n{run.stderr[-3000:]}", file=sys.stderr)
        return 1
    call = read_calls(out).to_pandas().iloc[0]
    turns = read_turns(out).to_pandas()
    window = yaml.safe_load(pipeline.read_text())["audio"]["window_s"]
    print(f"recording      {recording.name}: {call.duration_decoded_s / 3600:.2f} h, 8 kHz mono, back-to-back speech")
    print(f"audio.window_s {window:g} s")
    print(f"status         {call.status}  flags {list(call['flags'])}")
    print(f"turns          {len(turns)}, last ends at {turns.end_s.max():.1f} s of {call.duration_decoded_s:.1f} s")
    print(f"wall           {wall:.0f} s  (RTF {wall / call.duration_decoded_s:.3f})")
    summary = json.loads(run.stderr.strip().splitlines()[-1])
    print(f"run summary    {summary.get('status_counts')}")
    return 0


def build_recording(work: Path, hours: float) -> Path:
    """BL-14's ten minutes of speech, repeated to `hours` (the last piece trimmed), as one WAV."""
    recording = work / f"speech_{hours:g}h.wav"
    if recording.exists():
        return recording
    cases = work / "cases"
    if not (cases / "long" / "bl14_10min_speech.wav").exists():
        generate = [sys.executable, str(GENERATOR), str(cases), "--only", "BL-14", "--force"]
        subprocess.run(generate, check=True, capture_output=True)
    piece = cases / "long" / "bl14_10min_speech.wav"
    pieces = [str(piece)] * max(1, -(-int(hours * 3600) // PIECE_S))
    subprocess.run(["sox", *pieces, str(recording), "trim", "0", str(hours * 3600)], check=True)
    return recording


if __name__ == "__main__":
    sys.exit(main())
