"""Mono calls: telling the two voices apart, measured against a reference diarisation."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import SAMPLE_AUDIO, SHARED_DATA

from acw_speech.audio import load_audio
from acw_speech.config import AudioConfig
from acw_speech.speakers import find_voices

CONFIG = AudioConfig()


def _samples(path):
    return load_audio(path, CONFIG).channels[0]


def test_two_real_speakers_are_told_apart_on_most_of_the_speech():
    """pyannote's sample: two speakers talking with short pauses; frame accuracy against its RTTM (0.74 measured)."""
    regions = find_voices(_samples(SAMPLE_AUDIO / "pyannote_two_speakers.wav"), 16000, 0.3)
    reference = []
    for line in (SHARED_DATA / "audio-pyannote-sample" / "sample.rttm").read_text().splitlines():
        fields = line.split()
        reference.append((float(fields[3]), float(fields[3]) + float(fields[4]), fields[7]))
    speakers = sorted({r[2] for r in reference})
    agree, total = np.zeros(2), 0
    for region in regions:
        for t in np.arange(region.start, region.end, 0.01):
            who = [r[2] for r in reference if r[0] <= t < r[1]]
            if len(who) == 1:  # overlap and silence are not scored
                total += 1
                agree[0] += speakers.index(who[0]) == region.voice
                agree[1] += speakers.index(who[0]) != region.voice
    assert total > 1500
    assert agree.max() / total >= 0.70


@pytest.mark.parametrize("method", ["speaker_embedding", "pitch_timbre"])
def test_scripted_mono_call_alternates_voices_turn_by_turn(method):
    regions = find_voices(_samples(SAMPLE_AUDIO / "angry_cancellation.wav"), 16000, 0.3, method)
    assert [r.voice for r in regions] == [0, 1] * 4


def test_one_voice_alone_is_one_voice(tmp_path):
    agent_side = tmp_path / "agent.wav"
    subprocess.run(["sox", str(SAMPLE_AUDIO / "double_charge_refund.wav"), str(agent_side), "remix", "1"], check=True)
    regions = find_voices(_samples(agent_side), 16000, 0.3)
    assert {r.voice for r in regions} == {0} and len(regions) == 1
