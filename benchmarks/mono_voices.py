"""Telling two voices apart on a mono recording: frame accuracy against pyannote's reference (RTTM).

Usage: .venv/bin/python benchmarks/mono_voices.py
Runs both `turns.mono_voices` methods side by side on sample_audio/pyannote_two_speakers.wav and prints, for
each, the share of 10 ms frames (single-speaker frames of the reference only) whose voice label is right, under
the better of the two ways to match voices to speakers, plus the seconds it took.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from acw_speech.audio import load_audio
from acw_speech.config import AudioConfig
from acw_speech.speakers import find_voices

ROOT = Path(__file__).resolve().parent.parent
RTTM = ROOT.parent / "shared" / "data" / "audio-pyannote-sample" / "sample.rttm"


def main() -> None:
    samples = load_audio(ROOT / "sample_audio" / "pyannote_two_speakers.wav", AudioConfig()).channels[0]
    reference = [(float(f[3]), float(f[3]) + float(f[4]), f[7]) for f in map(str.split, RTTM.read_text().splitlines())]
    speakers = sorted({r[2] for r in reference})
    for method in ("pitch_timbre", "speaker_embedding"):
        started = time.monotonic()
        regions = find_voices(samples, 16000, 0.3, method)
        seconds = time.monotonic() - started
        agree, total = np.zeros(2), 0
        for region in regions:
            for t in np.arange(region.start, region.end, 0.01):
                who = [r[2] for r in reference if r[0] <= t < r[1]]
                if len(who) == 1:
                    total += 1
                    agree[0] += speakers.index(who[0]) == region.voice
                    agree[1] += speakers.index(who[0]) != region.voice
        print(f"{method:18} turns found {len(regions):2d}  frame accuracy {agree.max() / total:.3f}  ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
