"""Audio -> words: faster-whisper on each channel, with word timestamps and the language kept to the allowed list.

What the recogniser returns is checked before anyone sees it (`acw_speech.guards`): loops cut, timestamps kept
inside the audio and in order, text invented over silence dropped, each with its flag.

A call is transcribed in one language, the allowed one Whisper finds most likely. Only when Whisper is unsure
of that (probability under `asr.language_min_probability`: a call in two languages, a voice it hears badly) is
the language decided stretch by stretch (`plan_languages`): the call's language is the one most of its speech is
in, and a stretch moves to another allowed language only when Whisper is sure of it twice over, detecting it
with high probability and then decoding it in that language with sure words and a better score than in the
call's language. Nothing is translated: every stretch is written in the language it was heard in.

Whisper is given at most ASR_PIECE_S of audio at a time (cut in a pause): its voice detector and features cost
memory in proportion to what it is given, so a five-minute window would otherwise need some 450 MB more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import ctranslate2
import numpy as np

from acw_speech.asr_model import resolve_asr_model
from acw_speech.audio import Audio, quiet_cut
from acw_speech.config import AsrConfig
from acw_speech.errors import ModelError
from acw_speech.guards import Segment, guard_segments, segment_from_whisper
from acw_speech.records import Word
from acw_speech.speakers import VoiceRegion

RATE = 16000  # what faster-whisper takes
ASR_PIECE_S = 120.0  # the most audio Whisper is given at once
SAMPLING_SEED = 20261204  # for the temperature fallback (see `_transcribe`)
PIECE_CUT_SEARCH_S = 15.0  # a piece ends in the quietest moment (or the last pause between clips) this close to its end

# Whisper skips a 30 s window it thinks holds no speech; on narrowband calls it skipped whole windows of speech.
# The voice detector already removed the silence, and `guards.drop_invented_text` drops what Whisper invents
# where it doubted there was speech, so the skip is off (None).
NO_SPEECH_SKIP = None

LOW_CONFIDENCE_FLAG = "language_low_confidence"
CODE_SWITCHING_FLAG = "code_switching"

# Deciding the language stretch by stretch (only for calls whose language Whisper is unsure of).
STRETCH_PAUSE_MS = 300  # a pause this long ends a stretch; sentences in another language start after one
STRETCH_MAX_S = 30.0  # Whisper hears 30 s at a time
SWITCH_MIN_S = 1.0  # shorter stretches say too little to tell the language
SWITCH_MIN_DETECTED = 0.8  # Whisper's probability (among all its languages) that the stretch is in the other one
SWITCH_MIN_WORD_PROBABILITY = 0.75  # mean word probability of the stretch decoded in the other language


@dataclass(frozen=True)
class ChannelWords:
    """What the recogniser heard on one channel."""

    channel: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Recognition:
    channels: tuple[ChannelWords, ...]
    language: str | None
    language_probability: float | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stretch:
    """Speech between two pauses on one channel, with the language it is to be transcribed in."""

    start: float
    end: float
    language: str
    detected: dict[str, float] | None = None  # Whisper's probability of each allowed language for this stretch

    @property
    def duration(self) -> float:
        return self.end - self.start


class SpeechRecognizer:
    """Loads the Whisper model once and transcribes any number of recordings with it."""

    def __init__(self, config: AsrConfig, languages: list[str]):
        from faster_whisper import WhisperModel  # imported here: loading it costs a second

        self.config = config
        self.languages = languages
        self.model_path = resolve_asr_model(config.model, verify=True)  # a damaged cached copy is rebuilt
        device = config.device if config.device != "auto" else _best_device()
        if device == "cuda" and _best_device() != "cuda":
            raise ModelError("--device cuda was asked for, but no CUDA GPU is usable here; use --device cpu or auto")
        compute_type = config.compute_type
        if compute_type == "default":
            compute_type = "float16" if device == "cuda" else "int8"
        threads = config.cpu_threads or os.cpu_count() or 1
        try:
            self.model = WhisperModel(self.model_path, device=device, compute_type=compute_type, cpu_threads=threads)
        except Exception as exc:  # faster-whisper raises RuntimeError, OSError, ValueError, hub errors...
            hint = (
                " (if the cached copy is damaged, `acw models prepare` rebuilds it)"
                if config.model == "whisper-base"
                else ""
            )
            raise ModelError(f"cannot load ASR model {config.model!r}: {exc}{hint}") from None
        self.device, self.compute_type = device, compute_type

    def recognize(
        self, audio: Audio, regions: list[VoiceRegion] | None = None, languages: list[str] | None = None
    ) -> Recognition:
        """Transcribe each non-silent channel on its own, checked by the guards.

        With `regions` (mono calls), each stretch of one voice is transcribed on its own, so every word belongs
        to exactly one stretch and so to one voice.
        """
        voiced = {i: audio.channels[i] for i in range(audio.channels.shape[0]) if i not in audio.silent_channels}
        if not voiced or regions == []:
            return Recognition((), None, None)
        allowed = languages or self.languages
        language, probability = self._call_language(list(voiced.values()), allowed)
        flags, plans = [], None
        if probability is not None and probability < self.config.language_min_probability:
            flags.append(LOW_CONFIDENCE_FLAG)
            if len(allowed) > 1:
                language, plans = self._plan_languages(voiced, regions, allowed, audio.sample_rate)
        heard = []
        for i, samples in voiced.items():
            others = [s for s in plans[i] if s.language != language] if plans else []
            if not others:
                segments = self._segments(samples, i, language, regions)
            else:
                segments, switched = self._switch_languages(samples, i, others, language, audio.duration_s)
                if switched and CODE_SWITCHING_FLAG not in flags:
                    flags.append(CODE_SWITCHING_FLAG)
            segments, found = guard_segments(segments, audio.duration_s)
            flags.extend(f for f in found if f not in flags)
            heard.append(ChannelWords(i, tuple(w for s in segments for w in s.words)))
        if not any(c.words for c in heard):
            return Recognition(tuple(heard), None, None, tuple(flags))
        return Recognition(tuple(heard), language, probability, tuple(flags))

    def _call_language(self, channels: list[np.ndarray], languages: list[str]) -> tuple[str, float | None]:
        """The allowed language Whisper finds most likely (probabilities summed over channels).

        The probability returned is Whisper's own for that language among all it knows, averaged over channels,
        so a call forced into a language it is not in shows a low value (and gets `language_low_confidence`).
        """
        totals = dict.fromkeys(languages, 0.0)
        measured = 0
        for samples in channels:
            all_probs = None
            for start, end in asr_pieces(samples):  # the first piece with speech in it
                try:
                    _, _, all_probs = self.model.detect_language(
                        samples[int(start * RATE) : int(end * RATE)],
                        vad_filter=self.config.vad,
                        language_detection_segments=2,
                    )
                    break
                except (ValueError, IndexError, RuntimeError):
                    continue  # no speech left after VAD in this piece
            if all_probs is None:
                continue
            measured += 1
            for code, prob in all_probs:
                if code in totals:
                    totals[code] += prob
        best = max(totals, key=totals.get)
        if not measured:
            return best, None
        return best, round(totals[best] / measured, 4)

    def _plan_languages(
        self, voiced: dict[int, np.ndarray], regions: list[VoiceRegion] | None, allowed: list[str], rate: int
    ) -> tuple[str, dict[int, list[Stretch]]]:
        """Each channel's stretches with the language Whisper detects in each; see `plan_languages`."""
        detected = {}
        for i, samples in voiced.items():
            detected[i] = []
            stretches = []
            for start, end in asr_pieces(samples, regions):
                piece = samples[int(start * rate) : int(end * rate)]
                stretches += [
                    (start + s, start + e) for s, e in speech_stretches(piece, rate, _clips_in(regions, start, end))
                ]
            for start, end in stretches:
                clip = samples[int(start * rate) : int(end * rate)]
                _, _, all_probs = self.model.detect_language(clip)
                probs = dict(all_probs)
                detected[i].append(Stretch(start, end, "", {code: probs.get(code, 0.0) for code in allowed}))
        return plan_languages(detected, allowed)

    def _switch_languages(
        self, samples: np.ndarray, channel: int, others: list[Stretch], language: str, duration: float
    ) -> tuple[list[Segment], bool]:
        """A channel with stretches planned in another language: the rest decoded in the call's language (in as
        few pieces as the stretches allow, so Whisper keeps its context), each stretch decoded in both languages
        and kept in the other one only when that decode is sure and surer than the call-language one."""
        rest, start = [], 0.0
        for stretch in others:
            if stretch.start > start:
                rest.append(Stretch(start, stretch.start, language))
            start = stretch.end
        if duration > start:
            rest.append(Stretch(start, duration, language))
        segments = list(self._segments(samples, channel, language, rest)) if rest else []
        switched = False
        for stretch in others:
            theirs = self._segments(samples, channel, stretch.language, [stretch])
            ours = self._segments(samples, channel, language, [stretch])
            better = decoded_better(theirs, [w for s in ours for w in s.words])
            segments.extend(theirs if better else ours)
            switched = switched or better
        return sorted(segments, key=lambda s: s.start), switched

    def _segments(self, samples: np.ndarray, channel: int, language: str, clips=None) -> tuple[Segment, ...]:
        """One channel (or the `clips` of it: voice regions, stretches) transcribed in `language`, a piece at a time."""
        segments = []
        for start, end in asr_pieces(samples, clips):
            inside = _clips_in(clips, start, end)
            if clips is not None and not inside:
                continue
            piece = samples[int(start * RATE) : int(end * RATE)]
            segments += [shift_segment(s, start) for s in self._transcribe(piece, channel, language, inside)]
        return tuple(segments)

    def _transcribe(self, samples: np.ndarray, channel: int, language: str, clips) -> tuple[Segment, ...]:
        options = {"clip_timestamps": [t for c in clips for t in (c.start, c.end)]} if clips else {}
        # Where a greedy decode looks wrong, Whisper retries at higher temperatures, i.e. by sampling: seeded here,
        # the same audio gives the same words on every run, whatever was transcribed before it in the process.
        ctranslate2.set_random_seed(SAMPLING_SEED)
        segments, _ = self.model.transcribe(
            samples,
            language=language,
            beam_size=self.config.beam_size,
            vad_filter=self.config.vad,
            vad_parameters={"min_silence_duration_ms": self.config.min_silence_ms},
            word_timestamps=True,
            condition_on_previous_text=False,
            no_speech_threshold=NO_SPEECH_SKIP,
            **options,
        )
        return tuple(segment_from_whisper(s, channel) for s in segments)


def asr_pieces(samples: np.ndarray, clips=None) -> list[tuple[float, float]]:
    """(start, end) seconds of the pieces Whisper is given: at most ASR_PIECE_S each, cut in the quietest moment
    near that length, or with `clips` (voice regions, stretches) after the last clip that ends near it."""
    total = len(samples) / RATE
    pieces, start = [], 0.0
    while total - start > ASR_PIECE_S:
        low, high = start + ASR_PIECE_S - PIECE_CUT_SEARCH_S, start + ASR_PIECE_S
        if clips is not None:
            ends = [c.end for c in clips if low <= c.end <= high and not any(o.start < c.end < o.end for o in clips)]
            cut = max(ends) if ends else high
        else:
            cut = quiet_cut(samples[np.newaxis, :], int(low * RATE), int(high * RATE), RATE) / RATE
        pieces.append((start, cut))
        start = cut
    pieces.append((start, total))
    return pieces


def _clips_in(clips, start: float, end: float) -> list[Stretch] | None:
    """The parts of `clips` inside [start, end], in seconds from `start` (None: no clips, the whole piece)."""
    if clips is None:
        return None
    return [
        Stretch(max(c.start, start) - start, min(c.end, end) - start, "")
        for c in clips
        if c.end > start and c.start < end
    ]


def shift_segment(segment: Segment, offset: float) -> Segment:
    """A segment heard in a piece starting `offset` seconds into the window, in window time."""
    if not offset:
        return segment
    words = tuple(replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in segment.words)
    return replace(segment, start=segment.start + offset, end=segment.end + offset, words=words)


def speech_stretches(
    samples: np.ndarray, rate: int, regions: list[VoiceRegion] | None = None
) -> list[tuple[float, float]]:
    """Speech between pauses of STRETCH_PAUSE_MS (at most STRETCH_MAX_S long), cut where the voice changes."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=STRETCH_PAUSE_MS, max_speech_duration_s=STRETCH_MAX_S)
    found = [(c["start"] / rate, c["end"] / rate) for c in get_speech_timestamps(samples, options, sampling_rate=rate)]
    if not regions:
        return [(round(s, 3), round(e, 3)) for s, e in found]
    cut = []
    for start, end in found:
        for region in regions:
            s, e = max(start, region.start), min(end, region.end)
            if e > s:
                cut.append((round(s, 3), round(e, 3)))
    return cut


def plan_languages(detected: dict[int, list[Stretch]], allowed: list[str]) -> tuple[str, dict[int, list[Stretch]]]:
    """The call's language and each stretch's, from Whisper's language probabilities per stretch.

    The call's language is the allowed one that most seconds of speech are most likely in. A stretch of at
    least SWITCH_MIN_S that Whisper detects as another allowed language with probability SWITCH_MIN_DETECTED or
    more is planned in that language (the decode then has the last word, see `decoded_better`); every other
    stretch is in the call's language.
    """
    seconds = dict.fromkeys(allowed, 0.0)
    for stretches in detected.values():
        for s in stretches:
            seconds[max(s.detected, key=s.detected.get)] += s.duration
    call_language = max(allowed, key=lambda code: seconds[code])  # ties: the first allowed
    plans = {}
    for channel, stretches in detected.items():
        plans[channel] = []
        for s in stretches:
            likeliest = max(s.detected, key=s.detected.get)
            sure = s.duration >= SWITCH_MIN_S and s.detected[likeliest] >= SWITCH_MIN_DETECTED
            plans[channel].append(replace(s, language=likeliest if sure else call_language))
    return call_language, plans


def decoded_better(theirs: tuple[Segment, ...], ours: list[Word]) -> bool:
    """Whether a stretch decoded in another language beats the call-language words heard there: its words are
    sure (mean probability SWITCH_MIN_WORD_PROBABILITY or more) and surer on average than ours."""
    words = [w.probability for s in theirs for w in s.words]
    if not words or sum(words) / len(words) < SWITCH_MIN_WORD_PROBABILITY:
        return False
    return not ours or sum(words) / len(words) > sum(w.probability for w in ours) / len(ours)


def _best_device() -> str:
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"
