"""Audio -> words: faster-whisper on each channel, with word timestamps and the language kept to the allowed list."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from acw_speech.asr_model import resolve_asr_model
from acw_speech.audio import Audio
from acw_speech.config import AsrConfig
from acw_speech.errors import ModelError
from acw_speech.records import Word
from acw_speech.speakers import VoiceRegion


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


class SpeechRecognizer:
    """Loads the Whisper model once and transcribes any number of recordings with it."""

    def __init__(self, config: AsrConfig, languages: list[str]):
        from faster_whisper import (
            WhisperModel,  # imported here: loading it costs a second
        )

        self.config = config
        self.languages = languages
        self.model_path = resolve_asr_model(config.model)
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
        """Transcribe each non-silent channel on its own, all in the call's language.

        With `regions` (mono calls), each stretch of speech is transcribed on its own, so every word belongs to
        exactly one stretch and so to one voice.
        """
        voiced = [i for i in range(audio.channels.shape[0]) if i not in audio.silent_channels]
        if not voiced or regions == []:
            return Recognition((), None, None)
        language, probability = self._call_language([audio.channels[i] for i in voiced], languages or self.languages)
        flags = []
        if probability is not None and probability < self.config.language_min_probability:
            flags.append("language_low_confidence")
        heard = []
        for i in voiced:
            words, looped = drop_repetition_loops(self._words(audio.channels[i], i, language, regions))
            heard.append(ChannelWords(i, words))
            if looped:
                flags.append("repetition_suspected")
        heard = tuple(heard)
        if not any(c.words for c in heard):
            return Recognition(heard, None, None, tuple(flags))
        return Recognition(heard, language, probability, tuple(flags))

    def _call_language(self, channels: list[np.ndarray], languages: list[str]) -> tuple[str, float | None]:
        """The allowed language Whisper finds most likely (probabilities summed over channels).

        The probability returned is Whisper's own for that language among all it knows, averaged over channels,
        so a call forced into a language it is not in shows a low value (and gets `language_low_confidence`).
        """
        totals = dict.fromkeys(languages, 0.0)
        measured = 0
        for samples in channels:
            try:
                _, _, all_probs = self.model.detect_language(
                    samples, vad_filter=self.config.vad, language_detection_segments=2
                )
            except (ValueError, IndexError, RuntimeError):
                continue  # no speech left after VAD on this channel
            measured += 1
            for code, prob in all_probs:
                if code in totals:
                    totals[code] += prob
        best = max(totals, key=totals.get)
        if not measured:
            return best, None
        return best, round(totals[best] / measured, 4)

    def _words(
        self, samples: np.ndarray, channel: int, language: str, regions: list[VoiceRegion] | None
    ) -> tuple[Word, ...]:
        clips = {"clip_timestamps": [t for r in regions for t in (r.start, r.end)]} if regions else {}
        segments, _ = self.model.transcribe(
            samples,
            language=language,
            beam_size=self.config.beam_size,
            vad_filter=self.config.vad,
            vad_parameters={"min_silence_duration_ms": self.config.min_silence_ms},
            word_timestamps=True,
            condition_on_previous_text=False,
            **clips,
        )
        words = []
        for segment in segments:
            for w in segment.words or ():
                text = w.word.strip()
                if text:
                    start, end = round(float(w.start), 3), round(float(w.end), 3)
                    words.append(Word(text, start, end, round(float(w.probability), 4), channel))
        return tuple(words)


LOOP_MIN_REPEATS = 4  # a word or phrase said this many times in a row is the decoder looping, not the caller


def drop_repetition_loops(words: tuple[Word, ...], max_period: int = 3) -> tuple[tuple[Word, ...], bool]:
    """Keep one copy of any 1-3 word phrase repeated back to back LOOP_MIN_REPEATS times or more.

    Whisper sometimes falls into a loop on unclear audio ("дем -дем -дем ..."); people do not repeat a phrase
    four times running. Returns the cleaned words and whether a loop was found.
    """
    keys = [re.sub(r"[^\w]", "", w.text.lower()) for w in words]
    keep = [True] * len(words)
    found = False
    i = 0
    while i < len(words):
        for period in range(1, max_period + 1):
            phrase = keys[i : i + period]
            repeats = 1
            while keys[i + repeats * period : i + (repeats + 1) * period] == phrase and len(phrase) == period:
                repeats += 1
            if repeats >= LOOP_MIN_REPEATS and any(phrase):
                for j in range(i + period, i + repeats * period):
                    keep[j] = False
                found = True
                i += repeats * period - 1
                break
        i += 1
    return tuple(w for w, k in zip(words, keep) if k), found


def _best_device() -> str:
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"
