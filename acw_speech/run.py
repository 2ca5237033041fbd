"""The batch: find recordings, run every stage on each, write the tables and a run summary.

This is the only module that knows the order of the stages. One bad recording never stops the others: whatever
goes wrong becomes that recording's row (status + error message).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator

from acw_speech import __version__
from acw_speech.acw import call_language, draft_acw
from acw_speech.asr import SpeechRecognizer
from acw_speech.audio import EXTENSION_CONTAINERS, extension_disagrees, read_audio
from acw_speech.config import ChannelsConfig, PipelineConfig
from acw_speech.dissatisfaction import score_dissatisfaction
from acw_speech.errors import AcwError, OutputError, RecordingError, Terminated
from acw_speech.llm_draft import draft_with_llm
from acw_speech.output import EarlierCalls, PartWriter, RunId, output_lock, prepare_output
from acw_speech.reasons import check_model_fits, classify_call, load_reason_model
from acw_speech.records import (
    AGENT,
    OK_STATUSES,
    CallDetails,
    CallResult,
    Dissatisfaction,
    Transcript,
    path_text,
)
from acw_speech.redact_turns import redact_transcript
from acw_speech.sentiment import with_sentiment
from acw_speech.speakers import find_voices
from acw_speech.tables import PARTITION
from acw_speech.taxonomy import load_taxonomy
from acw_speech.turns import build_transcript, join_windows
from acw_speech.workers import Task, run_in_workers

AUDIO_EXTENSIONS = set(EXTENSION_CONTAINERS) | {".aifc", ".3gp", ".mkv", ".mov"}


@dataclass(frozen=True)
class RunSummary:
    """What a run did: the calls it processed now, and those of its inputs already done in an earlier run."""

    out_dir: Path
    results: tuple[CallResult, ...]
    wall_s: float
    already_done: tuple[CallResult, ...] = ()
    run_id: str = ""
    workers: int = 1
    parts_written: int = 0
    interrupted: bool = False  # by Ctrl-C, or by SIGTERM when `terminated`
    terminated: bool = False
    found: int | None = None  # recordings the run was given; more than it settled when it was interrupted

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
        if self.interrupted:
            return 143 if self.terminated else 130
        return 0 if all(r.status in OK_STATUSES for r in self.all_inputs) else 2

    def as_dict(self) -> dict:
        return {
            "acw_speech_version": __version__,
            "run_id": self.run_id,
            "out_dir": str(Path(self.out_dir).resolve()),
            "output": {
                "layout": f"Hive-partitioned Parquet datasets, a part file per flush: "
                f"calls/{PARTITION}=YYYY-MM-DD/*.parquet and turns/{PARTITION}=YYYY-MM-DD/*.parquet",
                "calls": "calls",
                "turns": "turns",
                "parts_written": self.parts_written,
            },
            "workers": self.workers,
            "interrupted": self.interrupted,
            "recordings": len(self.all_inputs),
            "not_reached": (self.found or 0) - len(self.all_inputs) if self.interrupted else 0,
            "processed_now": len(self.results),
            "already_done": len(self.already_done),
            "status_counts": self.counts,
            "audio_hours": round(self.audio_s / 3600, 4),
            "wall_s": round(self.wall_s, 2),
            "real_time_factor": round(self.wall_s / self.audio_s, 4) if self.audio_s else None,
            "exit_code": self.exit_code,
        }


LLM_DRAFTED_FLAG = "llm_drafted"
LLM_FALLBACK_FLAG = "llm_fallback"  # the LLM server failed or answered out of schema: the built-in draft is kept


class CallAnalyzer:
    """Holds the models (loaded on first use) and runs every stage on one recording."""

    def __init__(self, config: PipelineConfig):
        self.config = config
        _few_malloc_arenas()

    @cached_property
    def reason_model(self):
        model = load_reason_model(self.config.reasons.model_path())
        taxonomy = load_taxonomy(self.config.reasons.taxonomy)
        check_model_fits(model, taxonomy.name, taxonomy.ids)
        return model

    @cached_property
    def taxonomy(self):
        return load_taxonomy(self.config.reasons.taxonomy)

    @property
    def reason_names(self) -> dict[str, dict[str, str]]:
        return self.taxonomy.display_names()

    @cached_property
    def recognizer(self) -> SpeechRecognizer:
        return SpeechRecognizer(self.config.asr, self.config.languages)

    def process(self, path: Path, call_id: str, details: CallDetails | None = None) -> CallResult:
        """Every stage on one recording; any failure becomes the row's status and message."""
        started = time.monotonic()
        result = new_result(self.config, Task(path, call_id, details))
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
        """Audio -> words -> turns one window at a time (a long call never sits in memory whole), then the
        analysis on the joined transcript."""
        languages = [details.language_hint] if details.language_hint else None
        channels = ChannelsConfig(roles=list(details.channel_roles)) if details.channel_roles else self.config.channels
        parts: list[Transcript] = []
        seconds, layouts, flags = 0.0, [], []
        for audio in read_audio(path, self.config.audio):
            if not parts:
                result = replace(
                    result,
                    codec=audio.codec,
                    detected_format=audio.container,
                    source_sample_rate=audio.source_sample_rate,
                    source_channels=audio.source_channels,
                )
            seconds += audio.duration_s
            layouts.append(audio.layout)
            flags.extend(f for f in audio.flags if f not in flags)
            result = replace(
                result, duration_decoded_s=round(seconds, 3), channel_layout=layouts[0], flags=tuple(flags)
            )
            regions = None
            if audio.channels.shape[0] == 1:
                turns = self.config.turns
                regions = find_voices(audio.channels[0], audio.sample_rate, turns.mono_pause_s, turns.mono_voices)
            heard = self.recognizer.recognize(audio, regions, languages)
            parts.append(build_transcript(audio, heard, channels, self.config.turns, regions))
            del audio, heard
            _give_freed_memory_back()  # the next window starts from the same footprint, however long the call
        layout = "stereo" if "stereo" in layouts else layouts[0]
        result = replace(result, channel_layout=layout)
        transcript = join_windows(parts)
        if not transcript.turns:
            empty = Transcript((), None, None, transcript.role_source, None, transcript.flags)
            return replace(result, status="no_speech", transcript=empty)
        return replace(result, status="ok", **self.analyze(transcript, details.call_start_time))

    def analyze(self, transcript: Transcript, call_time: datetime | None = None) -> dict:
        """Contact reason, dissatisfaction and the ACW draft for a transcript (no audio needed); `call_time`, when
        the call started, dates its follow-ups. Personal data is redacted first, so no stage sees it."""
        if self.config.redaction.enabled:
            transcript = redact_transcript(transcript, transcript.language, self.config.redaction.keep_raw_transcript)
        reason = classify_call(transcript.turns, self.reason_model, self.config.reasons)
        customer_heard = any(t.role != AGENT for t in transcript.turns)
        # only the customer's dissatisfaction is measured: with the customer's channel silent there is none to score
        dissatisfaction = None
        if customer_heard:
            found = score_dissatisfaction(transcript, self.config.dissatisfaction)
            dissatisfaction = with_sentiment(found, transcript, self.config.dissatisfaction)
        draft = draft_acw(
            transcript, reason, dissatisfaction or Dissatisfaction(0.0), self.config.acw, self.taxonomy, call_time
        )
        if self.config.llm.enabled:  # the centre's own LLM server redrafts; any failure keeps the built-in draft
            draft, failure = draft_with_llm(transcript, draft, self.config.llm, call_language(transcript))
            flag = LLM_FALLBACK_FLAG if failure else LLM_DRAFTED_FLAG
            transcript = replace(transcript, flags=(*transcript.flags, flag))
        return {"transcript": transcript, "reason": reason, "dissatisfaction": dissatisfaction, "draft": draft}


def _glibc():
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None  # not glibc (musl, macOS): its allocator is left as it is
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _glibc()
M_ARENA_MAX = -8  # glibc's mallopt parameter number


def _few_malloc_arenas() -> None:
    """Two malloc arenas, not eight per core: the recogniser's threads otherwise each keep freed memory of their own."""
    if _LIBC:
        _LIBC.mallopt(M_ARENA_MAX, 2)


def _give_freed_memory_back() -> None:
    if _LIBC:
        _LIBC.malloc_trim(0)


def new_result(config: PipelineConfig, task: Task, error: str | None = None) -> CallResult:
    """A recording's row before any stage ran: `failed` until a stage says otherwise."""
    return CallResult(
        call_id=task.call_id,
        source_path=path_text(task.path),
        status="failed",
        processed_at=datetime.now(timezone.utc),
        version=__version__,
        error_message=error,
        asr_model=config.asr.model,
        taxonomy=config.reasons.taxonomy,
        details=task.details,
    )


def run_batch(
    inputs: Iterable[str | Path],
    out_dir: Path,
    config: PipelineConfig,
    on_start: Callable[[list[Path]], None] | None = None,
    on_done: Callable[[CallResult, bool], None] | None = None,
    force: bool = False,
    manifest: dict[Path, CallDetails] | None = None,
    retry_failed: bool = False,
    listed: Iterable[str | Path] = (),
) -> RunSummary:
    """Process every recording under `inputs` into the datasets `out_dir/calls` and `out_dir/turns`, and write
    the run's summary (`run_summary.json`, and `runs/<run id>.json` kept for every run).

    A recording is known by its content (`call_id`): one already in `out_dir` under the same path is not processed
    again (its earlier status still counts towards the exit code) unless `force`; the same content under a new
    path gets a row pointing to the transcribed one. Models load only when something needs processing, in
    `config.batch.workers` processes. `on_done(result, earlier)` is called for every input as it is settled
    (`earlier`: done in an earlier run). `retry_failed`: recordings whose earlier row failed are processed again.
    `listed`: recordings or folders from a list file; unlike `inputs`, a missing one gets a failed row (a call
    deleted after the list was made must not stop the night's run).
    """
    started = time.monotonic()
    manifest = manifest or {}
    listed = [Path(p) for p in listed]
    gone = [p.resolve() for p in listed if not p.exists()]
    found = find_recordings([*inputs, *(p for p in listed if p.exists())], allow_none=bool(manifest or gone))
    recordings = list(dict.fromkeys([*found, *gone, *manifest]))
    with output_lock(out_dir):
        run = RunId.now()
        earlier = prepare_output(out_dir, run)
        if on_start:
            on_start(recordings)
        workers = config.batch.workers
        writer = PartWriter(out_dir, run, earlier, config.batch.flush_every_calls, config.batch.flush_every_s)
        batch = _Batch(recordings, earlier, force, manifest, writer, on_done, retry_failed)

        def summary(interrupted: bool = False, terminated: bool = False) -> RunSummary:
            elapsed = time.monotonic() - started
            results, earlier_done = tuple(batch.results), tuple(batch.already_done)
            return RunSummary(
                out_dir,
                results,
                elapsed,
                earlier_done,
                str(run),
                workers,
                writer.parts_written,
                interrupted,
                terminated,
                len(recordings),
            )

        try:
            with writer:
                if workers == 1:  # in this process, as a library call would
                    analyzer = CallAnalyzer(config)
                    for task in batch.tasks():
                        batch.finished(analyzer.process(*task))
                else:
                    failed = lambda task, why: new_result(config, task, why)  # noqa: E731
                    run_in_workers(config, workers, batch.tasks(), batch.finished, failed)
        except KeyboardInterrupt as stop:
            stop.summary = summary(interrupted=True, terminated=isinstance(stop, Terminated))
            write_summary(stop.summary, out_dir)  # the finished calls are written; say so
            raise
        done = summary()
        write_summary(done, out_dir)
    return done


@dataclass
class _Batch:
    """The recordings of one run and what became of each: decides what needs processing and records results.

    Content is hashed here, in the one process that sees every input, so the same bytes under two names are
    transcribed once even with several workers: later names wait for the first's result and copy it.
    """

    recordings: list[Path]
    earlier: EarlierCalls
    force: bool
    manifest: dict[Path, CallDetails]
    writer: PartWriter
    on_done: Callable[[CallResult, bool], None] | None
    retry_failed: bool = False
    results: list[CallResult] = field(default_factory=list)
    already_done: list[CallResult] = field(default_factory=list)
    first_with_content: dict[str, CallResult] = field(init=False)
    waiting: dict[str, list[Path]] = field(default_factory=dict)  # call_id being processed -> its other names

    def __post_init__(self):
        earlier = self.earlier.first_with_content
        self.first_with_content = {call_id: done for call_id, done in earlier.items() if self._settled(done)}

    def _settled(self, done: CallResult | None) -> bool:
        """An earlier row that this run keeps as it is."""
        return done is not None and not self.force and (done.status in OK_STATUSES or not self.retry_failed)

    def tasks(self) -> Iterator[Task]:
        """The recordings that need processing, hashed lazily so workers start before every file is read."""
        for path in self.recordings:
            call_id = content_id(path)
            done = self.earlier.rows.get((call_id, path_text(path)))
            if self._settled(done):
                self.already_done.append(done)
                if self.on_done:
                    self.on_done(self.already_done[-1], True)
            elif call_id in self.first_with_content:  # the same bytes under another name: transcribed once
                self._record(_duplicate(self.first_with_content[call_id], path))
            elif call_id in self.waiting:
                self.waiting[call_id].append(path)
            else:
                self.waiting[call_id] = []
                yield Task(path, call_id, self.manifest.get(path))

    def finished(self, result: CallResult) -> None:
        self.first_with_content[result.call_id] = result
        self._record(result)
        for path in self.waiting.pop(result.call_id, []):
            self._record(_duplicate(result, path))

    def _record(self, result: CallResult) -> None:
        self.results.append(result)
        self.writer.add(result)
        if self.on_done:
            self.on_done(result, False)


def _duplicate(first: CallResult, path: Path) -> CallResult:
    """The row of another file with the same bytes: its results, but the flags that depend on the file's name
    (ext_mismatch) worked out for this one."""
    flags = [f for f in first.flags if f != "ext_mismatch"]
    if first.detected_format and extension_disagrees(path, first.detected_format):
        flags.insert(0, "ext_mismatch")
    return replace(
        first, source_path=path_text(path), duplicate_of=first.source_path, processing_s=0.0, flags=tuple(flags)
    )


def write_summary(summary: RunSummary, out_dir: Path) -> None:
    """The run's summary beside the outputs: `run_summary.json` (the latest run) and `runs/<run id>.json`."""
    text = json.dumps(summary.as_dict(), indent=2) + "\n"
    for path in (out_dir / "runs" / f"{summary.run_id}.json", out_dir / "run_summary.json"):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(exist_ok=True)
            tmp.write_text(text)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


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
