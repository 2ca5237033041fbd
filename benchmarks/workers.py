"""Speed of `acw run --workers N` against one process, on the same recordings, side by side.

Usage: .venv/bin/python benchmarks/workers.py [FOLDER] [--workers 1 2]
Runs `acw run FOLDER` (default sample_audio/) once per worker count, each into a fresh temp folder, as a user
would (a new process: model loading is included, once per worker), and prints wall time, real-time factor and
the speed-up over the first count, and which calls got other statuses or transcripts than in the first run
(the thread count per process changes int8 decoding and speaker embeddings in the last digits, so a mono call's
turns, and so its words, can differ a little between worker counts).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from acw_speech.tables import read_calls

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT / "sample_audio")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{'workers':>7} {'wall s':>7} {'audio s':>8} {'RTF':>6} {'speed-up':>8}  statuses")
    first_wall, first_rows, differ = None, None, {}
    for workers in args.workers:
        out = Path(tempfile.mkdtemp(prefix=f"acw-workers-{workers}-"))
        command = [sys.executable, "-m", "acw_speech", "run", str(args.folder), "--out", str(out)]
        started = time.monotonic()
        run = subprocess.run([*command, "--workers", str(workers), "--log-json"], capture_output=True, text=True)
        wall = time.monotonic() - started
        if run.returncode not in (0, 2):
            print(f"--workers {workers} failed (exit {run.returncode}):\n{run.stderr[-2000:]}", file=sys.stderr)
            return 1
        summary = json.loads((out / "run_summary.json").read_text())
        audio_s = summary["audio_hours"] * 3600
        calls = read_calls(out).to_pandas().set_index("file_name").sort_index()
        rows = calls[["status", "transcript"]]
        first_wall = first_wall or wall
        if first_rows is None:
            first_rows = rows
        changed = [name for name in rows.index if not rows.loc[name].equals(first_rows.loc[name])]
        differ.update({f"{name} (--workers {workers})": rows.loc[name, "status"] for name in changed})
        print(
            f"{workers:>7} {wall:7.1f} {audio_s:8.1f} {wall / audio_s:6.3f} {first_wall / wall:7.2f}x  "
            f"{summary['status_counts']}"
        )
    print(f"other status or transcript than in the first run: {sorted(differ) or 'none'}")
    statuses = [status for status in differ.values()]
    return 0 if all(s == first_rows.loc[k.split(" (")[0], "status"] for k, s in differ.items()) or not statuses else 1


if __name__ == "__main__":
    sys.exit(main())
