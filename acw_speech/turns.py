"""Words -> turns: who said what, in the order it was said.

Stereo calls: each channel's role comes from the pipeline config; the words of both channels are merged in time,
and every change of speaker starts a new turn (Whisper's segments can span the other side's words, so we work
from word timestamps). Mono calls: voices are told apart and the agent guessed in `acw_speech.speakers`.
"""

from __future__ import annotations

from dataclasses import replace

from acw_speech.asr import Recognition
from acw_speech.audio import Audio
from acw_speech.config import ChannelsConfig, TurnsConfig
from acw_speech.records import UNKNOWN, Transcript, Turn, Word
from acw_speech.speakers import VoiceRegion, guess_agent_voice


def build_transcript(
    audio: Audio,
    heard: Recognition,
    channels: ChannelsConfig,
    config: TurnsConfig,
    regions: list[VoiceRegion] | None = None,
) -> Transcript:
    """Assign a role to every word, then group words into turns (`regions`: the voices found on a mono call).

    Times in `heard` and `regions` count from the start of the window `audio`; the turns returned count from
    the start of the recording.
    """
    transcript = _build(audio, heard, channels, config, regions)
    if not audio.offset_s:
        return transcript
    shift = audio.offset_s
    turns = tuple(replace(t, start=round(t.start + shift, 3), end=round(t.end + shift, 3)) for t in transcript.turns)
    return replace(transcript, turns=turns)


def join_windows(parts: list[Transcript]) -> Transcript:
    """One transcript from the transcripts of a long recording's windows, in order.

    The language is that of the window with the most words; a channel is reported silent only when it is silent
    in every window; the mono role guess is as sure as its least sure window.
    """
    if len(parts) == 1:
        return parts[0]
    turns = tuple(replace(t, index=i) for i, t in enumerate(t for part in parts for t in part.turns))
    main = max(parts, key=lambda p: sum(len(t.text.split()) for t in p.turns))
    flags: list[str] = []
    for part in parts:
        flags.extend(f for f in part.flags if f not in flags)
    flags = [f for f in flags if not f.startswith("channel_silent:") or all(f in p.flags for p in parts)]
    sources = {p.role_source for p in parts if p.turns}
    source = "channels" if sources == {"channels"} else ("inferred" if "inferred" in sources else main.role_source)
    confidences = [p.role_confidence for p in parts if p.turns and p.role_confidence is not None]
    return Transcript(
        turns,
        main.language if main.turns else None,
        main.language_probability if main.turns else None,
        source,
        min(confidences) if confidences else None,
        tuple(flags),
    )


def _build(
    audio: Audio,
    heard: Recognition,
    channels: ChannelsConfig,
    config: TurnsConfig,
    regions: list[VoiceRegion] | None,
) -> Transcript:
    flags = list(heard.flags)
    if audio.layout == "stereo":
        for i in audio.silent_channels:
            flags.append(f"channel_silent:{channels.roles[i]}")
        runs = _runs_between_other_side(heard, channels, config.max_turn_gap_s)
        return Transcript(_as_turns(runs), heard.language, heard.language_probability, "channels", 1.0, tuple(flags))
    words = heard.channels[0].words if heard.channels else ()
    voice_of = [_region_of(w, regions) for w in words]
    if len({v for v in voice_of}) < 2:
        labelled = [Word(w.text, w.start, w.end, w.probability, w.channel, UNKNOWN) for w in words]
        return Transcript(
            _group(labelled, config.max_turn_gap_s),
            heard.language,
            heard.language_probability,
            "single_speaker",
            None,
            tuple(flags),
        )
    text_of = {v: " ".join(w.text for w, wv in zip(words, voice_of) if wv == v) for v in (0, 1)}
    roles, confidence = guess_agent_voice(text_of)
    labelled = [Word(w.text, w.start, w.end, w.probability, w.channel, roles[v]) for w, v in zip(words, voice_of)]
    return Transcript(
        _group(labelled, config.max_turn_gap_s),
        heard.language,
        heard.language_probability,
        "inferred",
        confidence,
        tuple(flags),
    )


def _region_of(word: Word, regions: list[VoiceRegion]) -> int:
    """The voice of the stretch holding the word's middle (each stretch was transcribed on its own)."""
    middle = (word.start + word.end) / 2
    nearest = min(
        regions, key=lambda r: 0.0 if r.start <= middle <= r.end else min(abs(middle - r.start), abs(middle - r.end))
    )
    return nearest.voice


def _runs_between_other_side(heard: Recognition, channels: ChannelsConfig, max_gap_s: float) -> list[list[Word]]:
    """Cut each channel's words where the other side starts speaking in a pause (or after a long silence).

    "Speaks in a pause" means a word of the other side has its middle inside the pause. Speech that merely
    overlaps (both talking at once, a "mm-hm" under a sentence) does not cut a turn in two;
    the runs of both channels are then put in the order they started.
    """
    middles = {c.channel: [(w.start + w.end) / 2 for w in c.words] for c in heard.channels}
    runs: list[list[Word]] = []
    for heard_channel in heard.channels:
        others = [t for ch, ts in middles.items() if ch != heard_channel.channel for t in ts]
        current: list[Word] = []
        for word in heard_channel.words:
            word = Word(word.text, word.start, word.end, word.probability, word.channel, channels.roles[word.channel])
            if current:
                pause_start, pause_end = current[-1].end, word.start
                other_spoke = any(pause_start <= t < pause_end for t in others)
                if other_spoke or pause_end - pause_start > max_gap_s:
                    runs.append(current)
                    current = []
            current.append(word)
        if current:
            runs.append(current)
    runs.sort(key=lambda run: (run[0].start, run[0].channel))
    return runs


def _group(words: list[Word], max_gap_s: float) -> tuple[Turn, ...]:
    """Consecutive words of one speaker form a turn, unless that speaker falls silent for over `max_gap_s`."""
    groups: list[list[Word]] = []
    for word in words:
        last = groups[-1][-1] if groups else None
        if last is not None and last.speaker == word.speaker and word.start - last.end <= max_gap_s:
            groups[-1].append(word)
        else:
            groups.append([word])
    return _as_turns(groups)


def _as_turns(groups: list[list[Word]]) -> tuple[Turn, ...]:
    return tuple(
        Turn(
            index=i,
            role=g[0].speaker,
            start=g[0].start,
            end=max(w.end for w in g),
            text=" ".join(w.text for w in g),
            asr_confidence=round(sum(w.probability for w in g) / len(g), 4),
            channel=g[0].channel,
        )
        for i, g in enumerate(groups)
    )
