"""Stored turns -> analysis again: reasons, dissatisfaction and ACW drafts re-run on an output folder, no audio.

When a centre changes its taxonomy, retrains its reason model or edits its lexicons, past calls are re-analysed
from the turns already in `OUT/turns`: nothing is transcribed again. Each calls part is rewritten in place
(atomically), with only the analysis columns replaced; the turns, transcripts and every other column stay as they
are. A crash part-way leaves some parts done and the others as they were; running again finishes the job.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyarrow as pa

from acw_speech import __version__
from acw_speech.config import PipelineConfig
from acw_speech.errors import OutputError
from acw_speech.output import output_lock, prepare_output
from acw_speech.records import CallResult, Transcript, Turn
from acw_speech.tables import (
    CALLS_SCHEMA,
    DRAFT_COLUMNS,
    call_row,
    list_parts,
    read_calls,
    read_part,
    read_turns,
    write_table,
)

ANALYSIS_COLUMNS = (
    "contact_reason",
    "reason_confidence",
    "reason_evidence_turns",
    "dissatisfaction",
    "dissatisfaction_signals",
    "customer_sentiment",
    "agent_sentiment",
    *DRAFT_COLUMNS,
    "taxonomy",
    "analyzed_at",
)


@dataclass
class Reanalysis:
    """What `reanalyze` did: calls analysed again, whose reason changed, calls left as they were (no turns)."""

    out_dir: Path
    analysed: int = 0
    reason_changed: int = 0
    left_alone: int = 0
    parts_rewritten: int = 0
    changes: Counter = field(default_factory=Counter)  # (old reason, new reason) -> calls


def reanalyze(
    out_dir: Path, config: PipelineConfig, on_call: Callable[[str, str | None, str], None] | None = None
) -> Reanalysis:
    """Re-run reason, dissatisfaction and ACW draft on every transcribed call in `out_dir` with `config`.

    Holds the folder's lock like a run (so never during one) and repairs what a killed run left first.
    `on_call(call_id, old_reason, new_reason)` is called for every call analysed."""
    from acw_speech.run import CallAnalyzer  # the analysis stages, without ever loading the recogniser

    done = Reanalysis(out_dir)
    with output_lock(out_dir):
        prepare_output(out_dir)
        turns = _stored_turns(out_dir)
        if not turns and _transcribed_calls(out_dir):
            raise OutputError(f"{out_dir / 'turns'} holds no turns, yet calls were transcribed: nothing to analyse")
        analyzer = CallAnalyzer(config)
        for part in list_parts(out_dir / "calls"):
            rows = read_part(part, CALLS_SCHEMA).to_pylist()
            analysed_before = done.analysed
            for row in rows:
                if row["status"] != "ok" or not turns.get(row["call_id"]):
                    done.left_alone += 1
                    continue
                old = row["contact_reason"]
                row.update(_analysis(row, turns[row["call_id"]], analyzer, config))
                done.analysed += 1
                if row["contact_reason"] != old:
                    done.reason_changed += 1
                    done.changes[(old, row["contact_reason"])] += 1
                if on_call:
                    on_call(row["call_id"], old, row["contact_reason"])
            if done.analysed > analysed_before:
                write_table(pa.Table.from_pylist(rows, schema=CALLS_SCHEMA), part.path)
                done.parts_rewritten += 1
    return done


def _transcribed_calls(out_dir: Path) -> int:
    return sum(row["status"] == "ok" for row in read_calls(out_dir).select(["status"]).to_pylist())


def _stored_turns(out_dir: Path) -> dict[str, tuple[Turn, ...]]:
    by_call = defaultdict(list)
    for row in read_turns(out_dir).to_pylist():
        by_call[row["call_id"]].append(
            Turn(
                index=row["turn_index"],
                role=row["role"],
                start=row["start_s"],
                end=row["end_s"],
                text=row["text"],
                asr_confidence=row["asr_confidence"],
                channel=row["channel"],
            )
        )
    return {call_id: tuple(sorted(found, key=lambda t: t.index)) for call_id, found in by_call.items()}


def _analysis(row: dict, turns: tuple[Turn, ...], analyzer, config: PipelineConfig) -> dict:
    """The analysis columns of `row` computed afresh from its turns."""
    transcript = Transcript(
        turns, row["language"], row["language_probability"], row["role_source"], row["role_confidence"]
    )
    now = datetime.now(timezone.utc)
    fresh = CallResult(
        call_id=row["call_id"],
        source_path=row["source_path"],
        status="ok",
        processed_at=row["processed_at"],
        analyzed_at=now,
        version=__version__,
        taxonomy=config.reasons.taxonomy,
        **analyzer.analyze(transcript, row["call_start_time"]),
    )
    computed = call_row(fresh)
    return {column: computed[column] for column in ANALYSIS_COLUMNS}
