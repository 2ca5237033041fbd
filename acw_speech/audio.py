"""Recording -> audio: decode any container to 16 kHz float channels, and decide which channels to transcribe.

Decoding goes through PyAV (FFmpeg), which faster-whisper already depends on. Problems with the file become a
`RecordingError` carrying the row status of the batch contract (decode_error, empty_audio, too_short, ...).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from acw_speech.config import AudioConfig
from acw_speech.errors import RecordingError


@dataclass(frozen=True)
class Audio:
    """Decoded samples, one row per channel that will be transcribed, and what the file said about itself."""

    channels: np.ndarray  # shape (n_channels, n_samples), float32 in [-1, 1], at `sample_rate`
    sample_rate: int
    source_channels: int  # channels in the file
    source_sample_rate: int
    codec: str
    layout: str  # mono | stereo | dual_mono
    container: str = ""  # what FFmpeg found the file to be, whatever its name says (e.g. "mp3", "wav", "ogg")
    silent_channels: tuple[int, ...] = ()
    flags: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.channels.shape[1] / self.sample_rate


def load_audio(path: Path, config: AudioConfig) -> Audio:
    """Decode `path`, check its length, and fold dual-mono channels into one."""
    if path.stat().st_size == 0:
        raise RecordingError("decode_error", "file is empty (0 bytes): not an audio recording")
    samples, source_rate, source_channels, codec, container = _decode(path, config.sample_rate)
    flags: list[str] = ["ext_mismatch"] if _extension_disagrees(path, container) else []
    if samples.shape[1] == 0:
        raise RecordingError("empty_audio", f"the {codec or 'audio'} stream holds no samples", 0.0)
    truncation = _wav_truncation(path)
    if truncation:
        raise RecordingError("decode_error", truncation)
    duration = samples.shape[1] / config.sample_rate
    if duration < config.min_duration_s:
        raise RecordingError(
            "too_short", f"recording lasts {duration:.2f} s, under the minimum {config.min_duration_s} s"
        )
    if duration > config.max_duration_s:
        raise RecordingError(
            "too_long", f"recording lasts {duration:.0f} s, over the maximum {config.max_duration_s:.0f} s"
        )
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
        samples, config.sample_rate, source_channels, source_rate, codec, layout, container, silent, tuple(flags)
    )


def _decode(path: Path, rate: int) -> tuple[np.ndarray, int, int, str, str]:
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
        container_name = container.format.name
        source_channels = stream.channels or 1
        # keep every channel apart (never a downmix, which would mix agent and customer); more than two: see below
        layout = {1: "mono", 2: "stereo"}.get(source_channels, stream.layout)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
        except av.error.FFmpegError as exc:
            if not chunks:
                status = "unsupported_codec" if isinstance(exc, av.error.DecoderNotFoundError) else "decode_error"
                raise RecordingError(status, f"cannot decode {codec or 'audio'} stream: {_describe(exc)}") from None
            # keep what decoded before the damage; the truncation check decides whether that is acceptable
        source_rate = stream.sample_rate or rate
    samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((source_channels, 0), np.float32)
    return samples.astype(np.float32, copy=False), source_rate, source_channels, codec, container_name


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


def _extension_disagrees(path: Path, container: str) -> bool:
    promised = EXTENSION_CONTAINERS.get(path.suffix.lower())
    return promised is not None and promised not in container.split(",")


def _wav_truncation(path: Path) -> str | None:
    """For RIFF/WAVE files: the data chunk promises more bytes than the file holds -> a message, else None."""
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
                present = size - f.tell()
                if chunk_size in (0, 0xFFFFFFFF) or present >= chunk_size:
                    return None  # streaming writers leave the size open; that is not damage
                return (
                    f"truncated WAV: the header declares {chunk_size} bytes of audio but only {present} "
                    f"are present ({100 * present / chunk_size:.0f} %)"
                )
            f.seek(chunk_size + (chunk_size & 1), 1)


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
