"""Mono recordings: who spoke when (two voices told apart by their sound) and which of them is the agent.

A stereo call tells us the roles through its channels. A mono call does not, so we cut the words into stretches at
pauses, describe each stretch by the shape of its spectrum (MFCC means and spreads), group the stretches into two
voices, and call the agent the voice that talks like one: greets, names the company, offers help, asks to verify.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.fft import dct

from acw_speech.records import AGENT, CUSTOMER

MIN_REGION_S = 0.4  # shorter stretches of speech carry too little sound to tell voices apart


@dataclass(frozen=True)
class VoiceRegion:
    """Speech of one voice (0 or 1) until the other voice speaks."""

    start: float
    end: float
    voice: int


def find_voices(samples: np.ndarray, rate: int, pause_s: float, method: str = "speaker_embedding") -> list[VoiceRegion]:
    """Cut the audio at pauses and label each stretch with voice 0 or 1 (all 0 when one voice is heard).

    The pauses come from the voice activity detector on the audio itself: Whisper's word timestamps stretch
    across short silences, so gaps between words hide most changes of speaker. With `speaker_embedding`, stretches
    are further cut into windows of about WINDOW_S, so a change of speaker without a pause is found too.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(
        samples, VadOptions(min_silence_duration_ms=int(pause_s * 1000), speech_pad_ms=30), sampling_rate=rate
    )
    regions = [(r["start"] / rate, r["end"] / rate) for r in found]
    by_embedding = method == "speaker_embedding"
    spans = [w for region in regions for w in _windows(*region)] if by_embedding else regions
    judged = [i for i, (s, e) in enumerate(spans) if e - s >= MIN_REGION_S]
    voices = [0] * len(spans)
    if len(judged) >= 3:
        clips = [samples[int(spans[i][0] * rate) : int(spans[i][1] * rate)] for i in judged]
        labels = (
            _two_voices_by_embedding(clips, rate)
            if by_embedding
            else _two_voices(np.stack([_voice_print(c, rate) for c in clips]))
        )
        for i, label in zip(judged, labels):
            voices[i] = label
        _fill_short(voices, set(judged))
    if by_embedding:
        voices = _smooth(voices, spans)
    if voices and voices[0] == 1:  # the first voice heard is voice 0, so labels read naturally
        voices = [1 - v for v in voices]
    merged: list[VoiceRegion] = []  # one region per turn: Whisper hears a whole turn better than its pieces
    for (start, end), voice in zip(spans, voices):
        if merged and merged[-1].voice == voice:
            merged[-1] = VoiceRegion(merged[-1].start, round(end, 3), voice)
        else:
            merged.append(VoiceRegion(round(start, 3), round(end, 3), voice))
    return merged


WINDOW_S = 1.0  # long enough for a speaker embedding, short enough to catch a quick reply
MIN_VOICE_SHARE = 0.1  # a "second voice" holding less of the speech than this is the same voice, mislabelled
# Even the least similar pairs of windows (5th percentile of cosine similarity) this close: one voice. Measured on
# sample_audio: one synthetic voice 0.73-0.76, two-party calls 0.60-0.62; a real single speaker (jfk) 0.64 is
# still taken for two voices.
SAME_VOICE_SIMILARITY = 0.68


def _windows(start: float, end: float) -> list[tuple[float, float]]:
    count = max(1, round((end - start) / WINDOW_S))
    edges = np.linspace(start, end, count + 1)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


def _two_voices_by_embedding(clips: list[np.ndarray], rate: int) -> list[int]:
    """Group clips into two voices by a speaker-verification embedding (Resemblyzer's GE2E encoder)."""
    from sklearn.cluster import KMeans

    encoder = _speaker_encoder()
    embeddings = np.stack([encoder.embed_utterance(clip.astype(np.float32)) for clip in clips])  # unit length
    similarities = (embeddings @ embeddings.T)[np.triu_indices(len(clips), 1)]
    if np.percentile(similarities, 5) >= SAME_VOICE_SIMILARITY:
        return [0] * len(clips)
    labels = KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(embeddings)
    if min(np.bincount(labels, minlength=2)) < MIN_VOICE_SHARE * len(labels):
        return [0] * len(clips)
    return [int(x) for x in labels]


@lru_cache(maxsize=1)
def _speaker_encoder():
    import warnings

    with warnings.catch_warnings():  # its audio helpers import the deprecated pkg_resources
        warnings.simplefilter("ignore")
        from resemblyzer import VoiceEncoder

    return VoiceEncoder("cpu", verbose=False)


def _smooth(voices: list[int], spans: list[tuple[float, float]]) -> list[int]:
    """A lone window whose neighbours on both sides, with no pause between, belong to the other voice joins them."""
    smoothed = list(voices)
    for i in range(1, len(voices) - 1):
        touching = spans[i - 1][1] >= spans[i][0] - 1e-3 and spans[i][1] >= spans[i + 1][0] - 1e-3
        if touching and voices[i - 1] == voices[i + 1] != voices[i]:
            smoothed[i] = voices[i - 1]
    return smoothed


def _voice_print(clip: np.ndarray, rate: int) -> np.ndarray:
    """Pitch (median and spread, in octaves) and timbre (mean MFCC 1-12) of one stretch of speech."""
    pitch = _pitch_octaves(clip, rate)
    mfcc = dct(_log_mel(clip, rate), type=2, axis=0, norm="ortho")[1:13]
    median, spread = (np.median(pitch), np.subtract(*np.percentile(pitch, [75, 25]))) if pitch.size else (7.0, 0.0)
    return np.concatenate([[median, spread], mfcc.mean(axis=1)])


def _pitch_octaves(clip: np.ndarray, rate: int, frame: int = 640, hop: int = 160) -> np.ndarray:
    """log2 of the fundamental frequency of the voiced frames (autocorrelation peak between 60 and 400 Hz)."""
    if clip.size < frame:
        return np.array([])
    frames = np.lib.stride_tricks.sliding_window_view(clip, frame)[::hop]
    frames = frames - frames.mean(axis=1, keepdims=True)
    autocorr = np.fft.irfft(np.abs(np.fft.rfft(frames, 2 * frame, axis=1)) ** 2, axis=1)[:, :frame]
    autocorr /= autocorr[:, :1] + 1e-9
    low, high = rate // 400, rate // 60
    window = autocorr[:, low - 1 : high + 1]
    inner = window[:, 1:-1]
    is_peak = (inner >= window[:, :-2]) & (inner >= window[:, 2:])
    # the first peak nearly as high as the highest: the highest alone often sits at twice the period
    strong = is_peak & (inner >= 0.85 * inner.max(axis=1, keepdims=True))
    lag = low + strong.argmax(axis=1)
    peak = autocorr[np.arange(len(frames)), lag]
    energy = (frames**2).mean(axis=1)
    voiced = (peak > 0.45) & (energy > np.percentile(energy, 40))
    return np.log2(rate / lag[voiced])


def _log_mel(clip: np.ndarray, rate: int, n_fft: int = 400, hop: int = 160, n_mels: int = 40) -> np.ndarray:
    if clip.size < n_fft:
        clip = np.pad(clip, (0, n_fft - clip.size))
    frames = np.lib.stride_tricks.sliding_window_view(clip, n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.log10(power @ _mel_filters(rate, n_fft, n_mels).T + 1e-10).T


def _mel_filters(rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    def to_mel(hz):
        return 2595 * np.log10(1 + hz / 700)

    edges = 700 * (10 ** (np.linspace(to_mel(60), to_mel(min(rate / 2, 7600)), n_mels + 2) / 2595) - 1)
    bins = np.fft.rfftfreq(n_fft, 1 / rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0, np.minimum((bins - lower) / (centre - lower), (upper - bins) / (upper - centre)))


PITCH_WEIGHT = 3.0  # pitch separates two callers better than timbre does on narrow-band phone audio


def _two_voices(prints: np.ndarray) -> list[int]:
    """Split the stretches into two voices when they form two clear groups; else one voice."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    scaled = StandardScaler().fit_transform(prints)
    scaled[:, 0] *= PITCH_WEIGHT
    labels = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(scaled)
    if len(set(labels)) < 2 or silhouette_score(scaled, labels) < SEPARATION:
        return [0] * len(prints)
    return [int(x) for x in labels]


SEPARATION = 0.25  # silhouette below which the stretches are taken to be one voice


def _fill_short(voices: list[int], judged: set[int]) -> None:
    """A stretch too short to judge takes the voice of the nearest judged stretch before it (else after it)."""
    for i in range(len(voices)):
        if i in judged:
            continue
        before = [j for j in judged if j < i]
        after = [j for j in judged if j > i]
        voices[i] = voices[max(before)] if before else voices[min(after)] if after else 0


# What agents say and customers do not. Patterns are matched on lower-cased text.
AGENT_CUES = [
    r"thank(s| you) for (calling|contacting|holding|waiting)",
    r"how (can|may|could) i (help|assist)",
    r"my name is",
    r"this is \w+ (from|at|with|speaking)",
    r"\bspeaking\b",
    r"is there anything else",
    r"have a (nice|great|good|lovely) (day|evening)",
    r"let me (check|look|see|pull)",
    r"one moment",
    r"(can|could|may) i (have|get|take) your",
    r"for (security|verification)",
    r"i (do )?apologi[sz]e",
    r"sorry (for|about) (the|that|this)",
    r"i('ll| will) (check|look|transfer|send|process|arrange|book|issue|open)",
    r"i('ve| have) (processed|issued|booked|opened|sent|raised|logged)",
    r"welcome to",
    r"спасибо за (звонок|обращение|ожидание)",
    r"чем (я )?могу (вам )?помочь",
    r"меня зовут",
    r"компани[яи]",
    r"оператор",
    r"подскажите,? (пожалуйста,? )?(ваш|номер)",
    r"одну (минуту|секунду)",
    r"(ещё|еще) вопрос",
    r"хорошего дня",
    r"(оформлю|оформила|оформил|создам|создала|проверю|передам)",
    r"приносим извинения",
]
CUSTOMER_CUES = [
    r"i('m| am) calling",
    r"i (want|need|would like|'d like) to",
    r"\bmy (order|bill|internet|account|card|parcel)",
    r"i was charged",
    r"(can|could) you help me",
    r"i (have|got) a problem",
    r"it (still )?(does not|doesn't) work",
    r"я звоню",
    r"\bхочу\b",
    r"у меня",
    r"мо[йяеи] (заказ|счёт|счет|карт)",
    r"мне нужно",
    r"не работает",
]


def agent_likeness(text: str) -> float:
    """How much `text` sounds like the agent's side: agent cues found minus customer cues found."""
    lowered = text.lower()
    agent = sum(1 for p in AGENT_CUES if re.search(p, lowered))
    customer = sum(1 for p in CUSTOMER_CUES if re.search(p, lowered))
    return agent - customer


def guess_agent_voice(text_of: dict[int, str]) -> tuple[dict[int, str], float]:
    """Map voice 0/1 to agent/customer from what each said; the confidence is the chance the guess is right."""
    margin = agent_likeness(text_of[0]) - agent_likeness(text_of[1])
    margin += 0.5  # voice 0 spoke first; on inbound calls the agent answers
    p_voice0_agent = 1 / (1 + math.exp(-1.5 * margin))
    if p_voice0_agent >= 0.5:
        return {0: AGENT, 1: CUSTOMER}, round(p_voice0_agent, 3)
    return {0: CUSTOMER, 1: AGENT}, round(1 - p_voice0_agent, 3)
