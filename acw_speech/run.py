"""The batch: find recordings, run every stage on each, write the tables and a run summary.

This is the only module that knows the order of the stages. One bad recording never stops the others: whatever
goes wrong becomes that recording's row (status + error message).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from acw_speech import __version__
from acw_speech.acw import draft_acw
from acw_speech.asr import SpeechRecognizer
from acw_speech.audio import EXTENSION_CONTAINERS, load_audio
from acw_speech.config import ChannelsConfig, PipelineConfig
from acw_speech.dissatisfaction import score_dissatisfaction
from acw_speech.errors import AcwError, ConfigError, OutputError, RecordingError
from acw_speech.reasons import classify_call, load_reason_model
from acw_speech.records import AGENT, CallDetails, CallResult, Dissatisfaction, Transcript
from acw_speech.speakers import find_voices
from acw_speech.tables import TABLES, calls_table, turns_table, write_table
from acw_speech.turns import build_transcript

AUDIO_EXTENSIONS = set(EXTENSION_CONTAINERS) | {".aifc", ".3gp", ".mkv", ".mov"}
OK_STATUSES = {"ok", "no_speech", "too_short", "empty_audio"}  # exit 0; anything else makes the run "partly failed"


@dataclass(frozen=True)
class RunSummary:
    """What a run did: the calls it processed now, and those of its inputs already done in an earlier run."""

    out_dir: Path
    results: tuple[CallResult, ...]
    wall_s: float
    already_done: tuple[CallResult, ...] = ()

    @property
    def all_inputs(self) -> tuple[CallResult, ...]:
        return self.results + self.already_done

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.status for r in self.all_inputs))

    @property
    def audio_s(self) -> float:
        """Seconds of audio processed in this run (not counting calls done earlier)."""
        return sum(r.duration_decoded_s or 0.0 for r in self.results if r.duplicate_of is None)

    @property
    def exit_code(self) -> int:
        return 0 if all(r.status in OK_STATUSES for r in self.all_inputs) else 2

    def as_dict(self) -> dict:
        return {
            "acw_speech_version": __version__,
            "out_dir": str(self.out_dir),
            "recordings": len(self.all_inputs),
            "processed_now": len(self.results),
            "already_done": len(self.already_done),
            "status_counts": self.counts,
            "audio_hours": round(self.audio_s / 3600, 4),
            "wall_s": round(self.wall_s, 2),
            "real_time_factor": round(self.wall_s / self.audio_s, 4) if self.audio_s else None,
            "exit_code": self.exit_code,
        }


class CallAnalyzer:
    """Holds the models (loaded on first use) and runs every stage on one recording."""

    def __init__(self, config: PipelineConfig):
        self.config = config

    @cached_property
    def reason_model(self):
        return load_reason_model(self.config.reasons.model_path())

    @cached_property
    def reason_names(self) -> dict[str, dict[str, str]]:
        return reason_display_names(self.config.reasons.taxonomy_path())

    @cached_property
    def recognizer(self) -> SpeechRecognizer:
        return SpeechRecognizer(self.config.asr, self.config.languages)

    def process(self, path: Path, call_id: str, details: CallDetails | None = None) -> CallResult:
        """Every stage on one recording; any failure becomes the row's status and message."""
        started = time.monotonic()
        result = CallResult(
            call_id=call_id,
            source_path=str(path),
            status="failed",
            processed_at=datetime.now(timezone.utc),
            version=__version__,
            asr_model=self.config.asr.model,
            taxonomy=self.config.reasons.taxonomy,
            details=details,
        )
        try:
            if not path.is_file():
                raise RecordingError("failed", f"recording not found: {path}")
            result = self._transcribe_and_analyze(path, result, details or CallDetails())
        except RecordingError as exc:
            duration = round(exc.duration_s, 3) if exc.duration_s is not None else result.duration_decoded_s
            result = replace(result, status=exc.status, error_message=str(exc), duration_decoded_s=duration)
        except AcwError:
            raise  # a setup problem (model, config): the whole run stops with a clear message
        except Exception as exc:  # one broken recording must not stop the batch
            result = replace(result, status="failed", error_message=f"{type(exc).__name__}: {exc}")
        return replace(result, processing_s=round(time.monotonic() - started, 3))

    def _transcribe_and_analyze(self, path: Path, result: CallResult, details: CallDetails) -> CallResult:
        audio = load_audio(path, self.config.audio)
        result = replace(
            result,
            duration_decoded_s=round(audio.duration_s, 3),
            codec=audio.codec,
            detected_format=audio.container,
            source_sample_rate=audio.source_sample_rate,
            source_channels=audio.source_channels,
            channel_layout=audio.layout,
            flags=audio.flags,
        )
        regions = None
        if audio.channels.shape[0] == 1:
            turns = self.config.turns
            regions = find_voices(audio.channels[0], audio.sample_rate, turns.mono_pause_s, turns.mono_voices)
        languages = [details.language_hint] if details.language_hint else None
        heard = self.recognizer.recognize(audio, regions, languages)
        channels = ChannelsConfig(roles=list(details.channel_roles)) if details.channel_roles else self.config.channels
        transcript = build_transcript(audio, heard, channels, self.config.turns, regions)
        if not transcript.turns:
            empty = Transcript((), None, None, transcript.role_source, None, transcript.flags)
            return replace(result, status="no_speech", transcript=empty)
        return replace(result, status="ok", **self.analyze(transcript))

    def analyze(self, transcript: Transcript) -> dict:
        """Contact reason, dissatisfaction and the ACW draft for a transcript (no audio needed)."""
        reason = classify_call(transcript.turns, self.reason_model, self.config.reasons)
        customer_heard = any(t.role != AGENT for t in transcript.turns)
        # only the customer's dissatisfaction is measured: with the customer's channel silent there is none to score
        dissatisfaction = score_dissatisfaction(transcript, self.config.dissatisfaction) if customer_heard else None
        draft = draft_acw(
            transcript, reason, dissatisfaction or Dissatisfaction(0.0), self.config.acw, self.reason_names
        )
        return {"transcript": transcript, "reason": reason, "dissatisfaction": dissatisfaction, "draft": draft}


def run_batch(
    inputs: Iterable[str | Path],
    out_dir: Path,
    config: PipelineConfig,
    on_start: Callable[[list[Path]], None] | None = None,
    on_done: Callable[[CallResult], None] | None = None,
    force: bool = False,
    manifest: dict[Path, CallDetails] | None = None,
) -> RunSummary:
    """Process every recording under `inputs` and write `calls.parquet`, `turns.parquet` and `run_summary.json`.

    A recording is known by its content (`call_id`): one already in `out_dir` under the same path is not processed
    again (its earlier status still counts towards the exit code) unless `force`; the same content under a new
    path gets a row pointing to the transcribed one. Models load only when something needs processing.
    """
    started = time.monotonic()
    manifest = manifest or {}
    recordings = list(dict.fromkeys([*find_recordings(inputs, allow_none=bool(manifest)), *manifest]))
    with output_lock(out_dir):
        return _run_locked(recordings, out_dir, config, on_start, on_done, force, started, manifest)


def _run_locked(recordings, out_dir, config, on_start, on_done, force, started, manifest) -> RunSummary:
    earlier = prepare_output(out_dir)
    analyzer = CallAnalyzer(config)
    if on_start:
        on_start(recordings)
    results: list[CallResult] = []
    already_done: list[CallResult] = []
    first_with_content: dict[str, CallResult] = {} if force else dict(earlier.first_with_content)
    try:
        for path in recordings:
            call_id = content_id(path)
            if not force and (call_id, str(path)) in earlier.rows:
                already_done.append(earlier.rows[(call_id, str(path))])
                result = already_done[-1]
            elif call_id in first_with_content:  # the same bytes under another name: transcribed once
                first = first_with_content[call_id]
                result = replace(first, source_path=str(path), duplicate_of=first.source_path, processing_s=0.0)
                results.append(result)
            else:
                result = first_with_content[call_id] = analyzer.process(path, call_id, manifest.get(path))
                results.append(result)
            if on_done:
                on_done(result)
    finally:  # also on Ctrl-C: the calls already done are written, not thrown away
        if results:
            write_results(results, out_dir)
    summary = RunSummary(out_dir, tuple(results), time.monotonic() - started, tuple(already_done))
    try:
        (out_dir / "run_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    except OSError as exc:
        raise OutputError(f"cannot write {out_dir / 'run_summary.json'}: {exc.strerror or exc}") from None
    return summary


def find_recordings(inputs: Iterable[str | Path], allow_none: bool = False) -> list[Path]:
    """Files given by name are taken as they are; folders are searched recursively for recordings.

    In a folder, a file is a recording when its name ends like one or its first bytes say it is audio, so a call
    saved without (or with the wrong) extension is still found, and notes or exports beside the calls are not.
    """
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _is_recording(p)))
        elif path.is_file():
            found.append(path)
        elif path.exists():
            raise AcwError(f"input is neither a file nor a folder: {path}")
        else:
            raise AcwError(f"input not found: {path}")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique and not allow_none:
        raise AcwError("no recordings found in the inputs given")
    return unique


AUDIO_MAGIC = (
    b"RIFF",
    b"RIFX",
    b"RF64",
    b"fLaC",
    b"ID3",
    b"OggS",
    b".snd",
    b"FORM",
    b"caff",
    b"#!AMR",
    b"\x1aE\xdf\xa3",
    b"0&\xb2u",
)


def _is_recording(path: Path) -> bool:
    if path.suffix.lower() in AUDIO_EXTENSIONS:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    mpeg_frame = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    return head.startswith(AUDIO_MAGIC) or head[4:8] == b"ftyp" or mpeg_frame


LOCK_FILE = ".acw-run.lock"


@contextmanager
def output_lock(out_dir: Path):
    """One run at a time per output folder. The kernel drops the lock when its holder dies (even by SIGKILL), so a
    lock left by a crashed run is never in the way."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_FILE, "a+")
    except OSError as exc:
        raise OutputError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutputError(f"another acw run is writing to {out_dir} ({holder}); wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"pid {os.getpid()} on {socket.gethostname()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
        )
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class EarlierCalls:
    """Calls already in an output folder: by (call_id, source_path), and the first transcribed row per content."""

    rows: dict[tuple[str, str], CallResult]
    first_with_content: dict[str, CallResult]


def prepare_output(out_dir: Path) -> EarlierCalls:
    """Check that `out_dir` can be written and that tables already there are ours, before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    for leftover in out_dir.glob(".*.tmp"):  # half-written by a run that was killed; we hold the lock now
        leftover.unlink(missing_ok=True)
    for name, schema in TABLES.items():
        _read_earlier(out_dir / name, schema)
    calls = _read_earlier(out_dir / "calls.parquet", TABLES["calls.parquet"])
    rows, first = {}, {}
    for row in calls.to_pylist() if calls is not None else ():
        done = CallResult(
            call_id=row["call_id"],
            source_path=row["source_path"],
            status=row["status"],
            processed_at=row["processed_at"],
            version=row["acw_speech_version"],
            error_message=row["error_message"],
            flags=tuple(row["flags"] or ()),
            duration_decoded_s=row["duration_decoded_s"],
            duplicate_of=row["duplicate_of"],
        )
        rows[(done.call_id, done.source_path)] = done
        if done.duplicate_of is None:
            first.setdefault(done.call_id, done)
    return EarlierCalls(rows, first)


def write_results(results: list[CallResult], out_dir: Path) -> None:
    """Write both tables, keeping the rows of earlier runs into the same folder that this run did not redo.

    Calls are keyed by (call_id, source_path): the same recording under two names keeps two rows. Turns belong to
    the recording's content, so a recording transcribed again replaces its turns.
    """
    redone_calls = {(r.call_id, r.source_path) for r in results}
    transcribed = {r.call_id for r in results if r.duplicate_of is None}
    new_tables = {"calls.parquet": calls_table(results), "turns.parquet": turns_table(results)}
    # turns first: a call's row is what marks it done, so a crash between the two writes only means redoing it
    for name in ("turns.parquet", "calls.parquet"):
        schema = TABLES[name]
        path = out_dir / name
        table = new_tables[name]
        earlier = _read_earlier(path, schema)
        if earlier is not None:
            ids = earlier.column("call_id").to_pylist()
            if name == "calls.parquet":
                keep = [(i, p) not in redone_calls for i, p in zip(ids, earlier.column("source_path").to_pylist())]
            else:
                keep = [i not in transcribed for i in ids]
            table = pa.concat_tables([earlier.filter(pa.array(keep, pa.bool_())), table])
        try:
            write_table(table, path)
        except OSError as exc:
            raise OutputError(
                f"cannot write {path}: {exc.strerror or exc}; earlier results there are unchanged"
            ) from None


def _read_earlier(path: Path, schema: pa.Schema) -> pa.Table | None:
    if not path.exists():
        return None
    try:
        return pq.read_table(path, schema=schema)
    except (OSError, pa.ArrowException) as exc:
        raise OutputError(
            f"{path} exists but is not a table acw-speech can add to ({exc}); choose another --out or move it away"
        ) from None


def content_id(path: Path) -> str:
    """A call's id: the first 16 hex digits of the SHA-256 of its bytes (same recording, same id)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        digest.update(str(path).encode("utf-8", "replace"))
    return digest.hexdigest()[:16]


def reason_display_names(taxonomy_path: Path) -> dict[str, dict[str, str]]:
    """reason id -> {language: display name}, from the taxonomy YAML."""
    try:
        taxonomy = yaml.safe_load(taxonomy_path.read_text(encoding="utf-8"))
        return {r["id"]: dict(r.get("display_name", {})) for r in taxonomy["reasons"]}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read taxonomy {taxonomy_path}: {exc}") from None
