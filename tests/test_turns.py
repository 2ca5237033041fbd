"""Words -> turns: stereo merging by word timestamps, and the agent guess on mono calls."""

from __future__ import annotations

import numpy as np

from acw_speech.asr import ChannelWords, Recognition
from acw_speech.audio import Audio
from acw_speech.config import ChannelsConfig, TurnsConfig
from acw_speech.records import Word
from acw_speech.speakers import VoiceRegion, guess_agent_voice
from acw_speech.turns import build_transcript


def _words(channel, *timed):
    return tuple(Word(text, start, start + 0.3, 0.9, channel) for text, start in timed)


def _stereo(left, right):
    audio = Audio(np.zeros((2, 16000 * 20), np.float32), 16000, 2, 16000, "pcm_s16le", "stereo")
    return audio, Recognition((ChannelWords(0, left), ChannelWords(1, right)), "en", 0.99)


def test_a_segment_spanning_the_other_side_is_cut_where_the_other_side_speaks():
    # The agent's words 0-1 s and 4-5 s would be one Whisper segment; the customer speaks in the pause.
    left = _words(0, ("Hello,", 0.0), ("how", 0.4), ("can", 0.8), ("I", 4.0), ("see.", 4.4))
    right = _words(1, ("My", 1.5), ("bill", 1.9), ("is", 2.3), ("wrong.", 2.7))
    audio, heard = _stereo(left, right)
    transcript = build_transcript(audio, heard, ChannelsConfig(), TurnsConfig())
    assert [(t.role, t.text) for t in transcript.turns] == [
        ("agent", "Hello, how can"),
        ("customer", "My bill is wrong."),
        ("agent", "I see."),
    ]
    assert [t.index for t in transcript.turns] == [0, 1, 2]


def test_overlapping_speech_does_not_shred_a_turn():
    left = _words(0, *[(f"w{i}", i * 0.35) for i in range(10)])  # continuous speech 0-3.5 s
    right = _words(1, ("mm-hm", 1.0))  # a backchannel under it
    audio, heard = _stereo(left, right)
    transcript = build_transcript(audio, heard, ChannelsConfig(), TurnsConfig())
    assert [t.role for t in transcript.turns] == ["agent", "customer"]
    assert len(transcript.turns[0].text.split()) == 10


def test_channel_map_from_config_is_used():
    left = _words(0, ("Hi", 0.0))
    right = _words(1, ("Hello", 1.0))
    audio, heard = _stereo(left, right)
    transcript = build_transcript(audio, heard, ChannelsConfig(roles=["customer", "agent"]), TurnsConfig())
    assert [t.role for t in transcript.turns] == ["customer", "agent"]


def test_mono_roles_follow_the_voices_and_the_agent_is_who_offers_help():
    words = _words(
        0,
        ("Thank", 0.0),
        ("you", 0.3),
        ("for", 0.6),
        ("calling,", 0.9),
        ("how", 1.2),
        ("can", 1.5),
        ("I", 1.8),
        ("help?", 2.1),
        ("I'm", 3.0),
        ("calling", 3.3),
        ("about", 3.6),
        ("my", 3.9),
        ("bill.", 4.2),
    )
    regions = [VoiceRegion(0.0, 2.5, 0), VoiceRegion(2.9, 4.6, 1)]
    audio = Audio(np.zeros((1, 16000 * 5), np.float32), 16000, 1, 16000, "pcm_s16le", "mono")
    heard = Recognition((ChannelWords(0, words),), "en", 0.99)
    transcript = build_transcript(audio, heard, ChannelsConfig(), TurnsConfig(), regions)
    assert [t.role for t in transcript.turns] == ["agent", "customer"]
    assert transcript.role_source == "inferred" and transcript.role_confidence > 0.9


def test_agent_guess_works_when_the_customer_speaks_first():
    roles, confidence = guess_agent_voice(
        {
            0: "Hello? I want to cancel my contract.",
            1: "Good morning, my name is Anna, how can I help you? Let me check.",
        }
    )
    assert roles == {0: "customer", 1: "agent"} and confidence > 0.8


def test_agent_guess_in_russian():
    roles, confidence = guess_agent_voice(
        {
            0: "Здравствуйте, компания Север, меня зовут Ольга, чем могу помочь?",
            1: "Я звоню по поводу заказа, он не пришёл.",
        }
    )
    assert roles == {0: "agent", 1: "customer"} and confidence > 0.9


def test_one_voice_gets_no_invented_roles():
    words = _words(0, ("Ask", 0.0), ("not", 0.4))
    audio = Audio(np.zeros((1, 16000 * 2), np.float32), 16000, 1, 16000, "flac", "mono")
    transcript = build_transcript(
        audio,
        Recognition((ChannelWords(0, words),), "en", 0.99),
        ChannelsConfig(),
        TurnsConfig(),
        [VoiceRegion(0.0, 1.0, 0)],
    )
    assert {t.role for t in transcript.turns} == {"unknown"} and transcript.role_source == "single_speaker"
