"""Records -> Parquet: the one place that knows the table schemas and writes them.

Every write uses the explicit schemas below (also for empty batches), so pandas, DuckDB and Spark read every run
with the same column types. Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from acw_speech.records import CallResult, Transcript

SCHEMA_VERSION = "1"

SIGNAL = pa.struct(
    [
        ("kind", pa.string()),
        ("turn_index", pa.int32()),
        ("role", pa.string()),
        ("words", pa.string()),
        ("weight", pa.float32()),
    ]
)
FOLLOW_UP = pa.struct(
    [("owner", pa.string()), ("action", pa.string()), ("turn_index", pa.int32()), ("due_text", pa.string())]
)

CALLS_SCHEMA = pa.schema(
    [
        pa.field("call_id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("source_call_id", pa.string()),
        pa.field("call_start_time", pa.timestamp("us", tz="UTC")),
        pa.field("agent_id", pa.string()),
        pa.field("queue", pa.string()),
        pa.field("direction", pa.string()),
        pa.field("customer_phone_hash", pa.string()),
        pa.field("language_hint", pa.string()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("error_message", pa.string()),
        pa.field("flags", pa.list_(pa.string()), nullable=False),
        pa.field("duration_decoded_s", pa.float64()),
        pa.field("codec", pa.string()),
        pa.field("detected_format", pa.string()),
        pa.field("source_sample_rate", pa.int32()),
        pa.field("source_channels", pa.int32()),
        pa.field("channel_layout", pa.string()),
        pa.field("language", pa.string()),
        pa.field("language_probability", pa.float32()),
        pa.field("role_source", pa.string()),
        pa.field("role_confidence", pa.float32()),
        pa.field("n_turns", pa.int32()),
        pa.field("transcript", pa.string()),
        pa.field("contact_reason", pa.string()),
        pa.field("reason_confidence", pa.float32()),
        pa.field("reason_evidence_turns", pa.list_(pa.int32())),
        pa.field("dissatisfaction", pa.float32()),
        pa.field("dissatisfaction_signals", pa.list_(SIGNAL)),
        pa.field("summary", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("follow_ups", pa.list_(FOLLOW_UP)),
        pa.field("acw_evidence_turns", pa.list_(pa.int32())),
        pa.field("asr_model", pa.string()),
        pa.field("taxonomy", pa.string()),
        pa.field("processing_s", pa.float32()),
        pa.field("duplicate_of", pa.string()),
        pa.field("processed_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("acw_speech_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.string(), nullable=False),
    ]
)

TURNS_SCHEMA = pa.schema(
    [
        pa.field("call_id", pa.string(), nullable=False),
        pa.field("turn_index", pa.int32(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("channel", pa.int32(), nullable=False),
        pa.field("start_s", pa.float64(), nullable=False),
        pa.field("end_s", pa.float64(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("asr_confidence", pa.float32(), nullable=False),
        pa.field("schema_version", pa.string(), nullable=False),
    ]
)


TABLES = {"calls.parquet": CALLS_SCHEMA, "turns.parquet": TURNS_SCHEMA}


def transcript_text(transcript: Transcript) -> str:
    """The transcript as a QA analyst reads it: one line per turn, with the speaker's role."""
    return "\n".join(f"{t.role.capitalize()}: {t.text}" for t in transcript.turns)


def call_row(result: CallResult) -> dict:
    t, r, d, a = result.transcript, result.reason, result.dissatisfaction, result.draft
    return {
        "call_id": result.call_id,
        "source_path": result.source_path,
        "file_name": Path(result.source_path).name,
        **_details_columns(result),
        "status": result.status,
        "error_message": result.error_message,
        "flags": sorted(set(result.flags) | set(t.flags if t else ())),
        "duration_decoded_s": result.duration_decoded_s,
        "codec": result.codec,
        "detected_format": result.detected_format,
        "source_sample_rate": result.source_sample_rate,
        "source_channels": result.source_channels,
        "channel_layout": result.channel_layout,
        "language": t.language if t else None,
        "language_probability": t.language_probability if t else None,
        "role_source": t.role_source if t else None,
        "role_confidence": t.role_confidence if t else None,
        "n_turns": len(t.turns) if t else None,
        "transcript": transcript_text(t) if t else ("" if result.status == "no_speech" else None),
        "contact_reason": r.reason if r else ("no_speech" if result.status == "no_speech" else None),
        "reason_confidence": r.confidence if r else None,
        "reason_evidence_turns": list(r.evidence_turns) if r else None,
        "dissatisfaction": d.score if d else None,
        "dissatisfaction_signals": [vars(s) for s in d.signals] if d else None,
        "summary": a.summary if a else None,
        "tags": list(a.tags) if a else None,
        "follow_ups": [vars(f) for f in a.follow_ups] if a else None,
        "acw_evidence_turns": list(a.evidence_turns) if a else None,
        "asr_model": result.asr_model,
        "taxonomy": result.taxonomy,
        "processing_s": result.processing_s,
        "duplicate_of": result.duplicate_of,
        "processed_at": result.processed_at,
        "acw_speech_version": result.version,
        "schema_version": SCHEMA_VERSION,
    }


def _details_columns(result: CallResult) -> dict:
    d = result.details
    return {
        "source_call_id": d.source_call_id if d else None,
        "call_start_time": d.call_start_time if d else None,
        "agent_id": d.agent_id if d else None,
        "queue": d.queue if d else None,
        "direction": d.direction if d else None,
        "customer_phone_hash": d.customer_phone_hash if d else None,
        "language_hint": d.language_hint if d else None,
    }


def turn_rows(result: CallResult) -> list[dict]:
    if result.transcript is None or result.duplicate_of is not None:
        return []
    return [
        {
            "call_id": result.call_id,
            "turn_index": t.index,
            "role": t.role,
            "channel": t.channel,
            "start_s": t.start,
            "end_s": t.end,
            "text": t.text,
            "asr_confidence": t.asr_confidence,
            "schema_version": SCHEMA_VERSION,
        }
        for t in result.transcript.turns
    ]


def calls_table(results: list[CallResult]) -> pa.Table:
    return pa.Table.from_pylist([call_row(r) for r in results], schema=CALLS_SCHEMA)


def turns_table(results: list[CallResult]) -> pa.Table:
    return pa.Table.from_pylist([row for r in results for row in turn_rows(r)], schema=TURNS_SCHEMA)


def write_table(table: pa.Table, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, fsync'd, then renamed over `path`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
