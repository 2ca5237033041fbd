"""Recording -> audio: decode any container to 16 kHz float channels, and decide which channels to transcribe.

Decoding goes through PyAV (FFmpeg), which faster-whisper already depends on. Problems with the file become a
`RecordingError` carrying the row status of the batch contract (decode_error, empty_audio, too_short, ...).

A recording is decoded as a stream of windows (`AudioConfig.window_s`, cut in the quietest moment near each
window's end), so a two-hour call never sits in memory whole: every later stage works on one window at a time.
Calls shorter than a window (nearly all of them) come as a single window: the whole call.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from acw_speech.config import AudioConfig
from acw_speech.errors import RecordingError


@dataclass(frozen=True)
class Audio:
    """Decoded samples of one window, one row per channel that will be transcribed, and what the file said."""

    channels: np.ndarray  # shape (n_channels, n_samples), float32 in [-1, 1], at `sample_rate`
    sample_rate: int
    source_channels: int  # channels in the file
    source_sample_rate: int
    codec: str
    layout: str  # mono | stereo | dual_mono
    container: str = ""  # what FFmpeg found the file to be, whatever its name says (e.g. "mp3", "wav", "ogg")
    silent_channels: tuple[int, ...] = ()
    flags: tuple[str, ...] = ()
    offset_s: float = 0.0  # where this window starts in the recording

    @property
    def duration_s(self) -> float:
        return self.channels.shape[1] / self.sample_rate


def load_audio(path: Path, config: AudioConfig) -> Audio:
    """The whole recording as one window (for short clips, tests and tools; the batch uses `read_audio`)."""
    whole = config.model_copy(update={"window_s": config.max_duration_s})
    return next(read_audio(path, whole))


def read_audio(path: Path, config: AudioConfig) -> Iterator[Audio]:
    """Decode `path` and yield it window by window, each checked and folded (dual mono) on its own.

    The recording-level checks come first: an empty file, no samples, a damaged WAV, too short or too long
    raise `RecordingError` before any window is yielded (too long: as soon as the decoded audio passes the limit,
    when the container does not state its duration).
    """
    if path.stat().st_size == 0:
        raise RecordingError("decode_error", "file is empty (0 bytes): not an audio recording")
    rate = config.sample_rate
    window, lookahead = int(config.window_s * rate), int(WINDOW_CUT_SEARCH_S * rate)
    stream = _decode(path, rate, config.max_duration_s)
    meta = next(stream)
    flags = ("ext_mismatch",) if extension_disagrees(path, meta.container) else ()
    pending: list[np.ndarray] = []
    pending_len, offset, first = 0, 0, True
    for chunk in stream:
        pending.append(chunk)
        pending_len += chunk.shape[1]
        if pending_len < window + lookahead:
            continue
        samples = np.concatenate(pending, axis=1)
        cut = quiet_cut(samples, window - lookahead, window + lookahead, rate)
        if first:
            _check_whole(path, samples.shape[1], config)  # not short, not empty: only damage is left to check
        yield _window(samples[:, :cut], offset, meta, flags, config)
        pending, pending_len = [samples[:, cut:]], samples.shape[1] - cut
        offset, first = offset + cut, False
    samples = np.concatenate(pending, axis=1) if pending else np.zeros((meta.source_channels, 0), np.float32)
    if first:
        _check_whole(path, samples.shape[1], config, codec=meta.codec)
    if samples.shape[1] or first:
        yield _window(samples, offset, meta, flags, config)


WINDOW_CUT_SEARCH_S = 20.0  # a window is cut at the quietest moment this close to its nominal end


def _check_whole(path: Path, n_samples: int, config: AudioConfig, codec: str = "") -> None:
    if n_samples == 0:
        raise RecordingError("empty_audio", f"the {codec or 'audio'} stream holds no samples", 0.0)
    truncation = _wav_truncation(path)
    if truncation:
        raise RecordingError("decode_error", truncation)
    duration = n_samples / config.sample_rate
    if duration < config.min_duration_s:
        raise RecordingError(
            "too_short", f"recording lasts {duration:.2f} s, under the minimum {config.min_duration_s} s", duration
        )


def quiet_cut(samples: np.ndarray, lo: int, hi: int, rate: int) -> int:
    """The sample index between `lo` and `hi` in the middle of the quietest 0.2 s (all channels together)."""
    block = max(1, rate // 5)
    span = samples[:, lo:hi]
    n = span.shape[1] // block
    if n < 2:
        return hi
    energy = np.square(span[:, : n * block].reshape(span.shape[0], n, block), dtype=np.float32).sum(axis=(0, 2))
    return lo + int(np.argmin(energy)) * block + block // 2


def _window(samples: np.ndarray, offset: int, meta: "_StreamInfo", flags: tuple, config: AudioConfig) -> Audio:
    """One window as the later stages want it: at most two channels, dual mono folded, silent channels found."""
    flags = list(flags)
    if samples.shape[0] > 2:  # the channel map names two channels; the others are not transcribed
        flags.append(f"extra_channels_ignored:{samples.shape[0] - 2}")
        samples = samples[:2]
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    if layout == "stereo" and _same_signal(samples[0], samples[1], config.dual_mono_correlation):
        samples = samples.mean(axis=0, keepdims=True)
        layout = "dual_mono"
        flags.append("dual_mono")
    silent = tuple(i for i, ch in enumerate(samples) if _dbfs(ch) < config.silent_channel_dbfs)
    return Audio(
        np.ascontiguousarray(samples, dtype=np.float32),
        config.sample_rate,
        meta.source_channels,
        meta.source_rate,
        meta.codec,
        layout,
        meta.container,
        silent,
        tuple(flags),
        offset / config.sample_rate,
    )


@dataclass(frozen=True)
class _StreamInfo:
    source_rate: int
    source_channels: int
    codec: str
    container: str


def _decode(path: Path, rate: int, max_duration_s: float) -> Iterator:
    """First yields a `_StreamInfo`, then float32 chunks shaped (channels, samples) at `rate`."""
    try:
        container = av.open(str(path), metadata_errors="ignore", options=HEADERLESS.get(path.suffix.lower(), {}))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise RecordingError("decode_error", f"not a readable audio file: {_describe(exc)}") from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise RecordingError("decode_error", f"no audio stream in this {container.format.name} file")
        stream = streams[0]
        codec = _codec_name(stream)
        source_channels = stream.channels or 1
        stated = _stated_duration(container, stream)
        if stated is not None and stated > max_duration_s + 1 and not _open_ended_wav(path):
            raise RecordingError(
                "too_long", f"recording lasts {stated:.0f} s, over the maximum {max_duration_s:.0f} s", stated
            )
        yield _StreamInfo(stream.sample_rate or rate, source_channels, codec, container.format.name)
        # keep every channel apart (never a downmix, which would mix agent and customer); more than two: see _window
        layout = {1: "mono", 2: "stereo"}.get(source_channels, stream.layout)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        limit, decoded, damage = int(max_duration_s * rate), 0, None
        try:
            for frame in container.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray()
                    decoded += chunk.shape[1]
                    if decoded > limit:
                        raise RecordingError(
                            "too_long", f"recording lasts over the maximum {max_duration_s:.0f} s", decoded / rate
                        )
                    yield chunk
            for out in resampler.resample(None):
                yield out.to_ndarray()
        except av.error.FFmpegError as exc:
            if not decoded:
                status = "unsupported_codec" if isinstance(exc, av.error.DecoderNotFoundError) else "decode_error"
                raise RecordingError(status, f"cannot decode {codec or 'audio'} stream: {_describe(exc)}") from None
            damage = exc  # keep what decoded before the damage unless the file turns out to be cut short
        truncation = _stream_truncation(path, container.format.name, stated, decoded / rate, damage)
        if truncation:
            raise RecordingError("decode_error", truncation, decoded / rate)


def _stated_duration(container, stream) -> float | None:
    """The duration the file's header states, if any (seconds)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _codec_name(stream) -> str:
    """The codec's own name ("mp3"), not the decoder's ("mp3float")."""
    codec = stream.codec_context.codec if stream.codec_context else None
    return (getattr(codec, "canonical_name", None) or getattr(codec, "name", "")) if codec else ""


# Headerless telephony audio: the extension is the only declaration, and by convention (sox, Asterisk) it means
# 8 kHz mono; FFmpeg would otherwise assume 44.1 kHz and play the call five times too fast.
HEADERLESS = {".ul": {"sample_rate": "8000"}, ".al": {"sample_rate": "8000"}}

# Containers each file extension promises; a file whose content is something else gets the flag ext_mismatch.
EXTENSION_CONTAINERS = {
    ".wav": "wav",
    ".wave": "wav",
    ".mp3": "mp3",
    ".flac": "flac",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "ogg",
    ".m4a": "mp4",
    ".mp4": "mp4",
    ".aac": "aac",
    ".webm": "webm",
    ".mka": "matroska",
    ".au": "au",
    ".aif": "aiff",
    ".aiff": "aiff",
    ".gsm": "gsm",
    ".amr": "amr",
    ".ul": "mulaw",
    ".al": "alaw",
    ".caf": "caf",
    ".wma": "asf",
}


def extension_disagrees(path: Path, container: str) -> bool:
    promised = EXTENSION_CONTAINERS.get(path.suffix.lower())
    return promised is not None and promised not in container.split(",")


def _open_ended_wav(path: Path) -> bool:
    """A WAV written by a streaming recorder leaves the data size open, so its stated duration means nothing."""
    size = _wav_data_size(path)
    return size is not None and size[0] in (0, 0xFFFFFFFF)


def _wav_truncation(path: Path) -> str | None:
    """For RIFF/WAVE files: the data chunk promises more bytes than the file holds -> a message, else None."""
    size = _wav_data_size(path)
    if size is None:
        return None
    declared, present = size
    if declared in (0, 0xFFFFFFFF) or present >= declared:
        return None  # streaming writers leave the size open; that is not damage
    return (
        f"truncated WAV: the header declares {declared} bytes of audio but only {present} "
        f"are present ({100 * present / declared:.0f} %)"
    )


def _wav_data_size(path: Path) -> tuple[int, int] | None:
    """For RIFF/WAVE files: (bytes the data chunk declares, bytes present after its header), else None."""
    with open(path, "rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return None
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"data":
                return chunk_size, size - f.tell()
            f.seek(chunk_size + (chunk_size & 1), 1)


def _stream_truncation(path: Path, container: str, stated: float | None, decoded_s: float, damage) -> str | None:
    """Compressed recordings cut short (a copy or an upload that stopped half-way) -> a message, else None.

    Trusted only where the file itself states its length: FLAC's stream header, an MP3 Xing/Info/VBRI header, a
    decoder error part-way; an Ogg stream must end with an end-of-stream page. WAV is `_wav_truncation`'s (bytes).
    An MP3 without such a header has only a length FFmpeg guessed from its bitrate, so it is not judged."""
    if "wav" in container.split(","):
        return None
    if container == "ogg":
        if _ogg_ends(path):
            return None
        return f"truncated Ogg: the stream stops without its last page after {decoded_s:.1f} s"
    trusted = damage is not None or container == "flac" or (container == "mp3" and _mp3_states_length(path))
    if not stated or not trusted or decoded_s >= stated * TRUNCATION_TOLERANCE - 0.5:
        return None
    cause = f" ({_describe(damage)})" if damage is not None else ""
    return f"truncated {container.upper()}: it states {stated:.1f} s of audio but only {decoded_s:.1f} s decode{cause}"


TRUNCATION_TOLERANCE = 0.97  # a stated length this much longer than what decodes (and 0.5 s more) is a cut file


def _ogg_ends(path: Path) -> bool:
    """The last Ogg page found in the file's tail carries the end-of-stream flag."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - 65536))  # an Ogg page is at most 65,307 bytes
        tail = f.read()
    last = tail.rfind(b"OggS")
    return last >= 0 and len(tail) > last + 5 and bool(tail[last + 5] & 0x04)


def _mp3_states_length(path: Path) -> bool:
    """An MP3 whose first frame is a Xing, Info or VBRI header, which states the frame count (so the length)."""
    with open(path, "rb") as f:
        head = f.read(10)
        skip = 0
        if head[:3] == b"ID3" and len(head) == 10:
            skip = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
        f.seek(skip)
        frame = f.read(2048)
    return any(marker in frame for marker in (b"Xing", b"Info", b"VBRI"))


def _same_signal(left: np.ndarray, right: np.ndarray, threshold: float) -> bool:
    if not left.any() or not right.any():
        return False
    corr = np.corrcoef(left, right)[0, 1]
    return bool(np.isfinite(corr) and corr >= threshold)


def _dbfs(channel: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(channel, dtype=np.float64)))) if channel.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else -200.0


def _describe(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).encode("utf-8", "replace").decode("utf-8")
