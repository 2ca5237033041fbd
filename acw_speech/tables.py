"""Records -> Parquet and back: the one place that knows the table schemas and how the output folder is laid out.

Every write uses the explicit schemas below (also for empty batches), so pandas, DuckDB and Spark read every run
with the same column types. The output folder is a Hive-partitioned dataset, one folder per table:

    OUT/calls/run_date=YYYY-MM-DD/part-<run id>-<seq>.parquet     (run id = UTC yyyymmddTHHMMSS-<pid>)
    OUT/turns/run_date=YYYY-MM-DD/part-<run id>-<seq>.parquet     (same name as the calls part of the same flush)

`run_date` is never a column in the files: it comes from the path. Files are written to a hidden temporary name,
fsync'd and renamed, so a reader never sees half a file (dataset readers skip names starting with "." or "_").
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from acw_speech.errors import OutputError
from acw_speech.records import OK_STATUSES, AcwDraft, CallResult, Transcript, stored_text

SCHEMA_VERSION = "4"
UPGRADABLE_VERSIONS = ("2", "3")  # parts written by these are upgraded in place at a run's start (new columns null)
SCHEMA_VERSION_KEY = "acw_speech.schema_version"  # also in every file's Parquet key-value metadata
PARTITION = "run_date"

SIGNAL = pa.struct(
    [
        ("kind", pa.string()),
        ("turn_index", pa.int32()),
        ("role", pa.string()),
        ("words", pa.string()),
        ("weight", pa.float32()),
    ]
)
FOLLOW_UP_V3 = pa.struct(
    [("owner", pa.string()), ("action", pa.string()), ("turn_index", pa.int32()), ("due_text", pa.string())]
)
FOLLOW_UP = pa.struct([*FOLLOW_UP_V3, ("due_date", pa.date32())])  # version 4 added the resolved date
DRAFT_LINE = pa.struct([("text", pa.string()), ("turns", pa.list_(pa.int32()))])
ENTITY = pa.struct([("kind", pa.string()), ("value", pa.string()), ("text", pa.string()), ("turn_index", pa.int32())])
FEEDBACK = pa.struct([("turn_index", pa.int32()), ("text", pa.string())])
INLINE_TURN = pa.struct(
    [
        ("turn_index", pa.int32()),
        ("role", pa.string()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
        ("text", pa.string()),
    ]
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
        pa.field("turns", pa.list_(INLINE_TURN)),  # inline: [] if nothing said, null if not transcribed
        pa.field("contact_reason", pa.string()),
        pa.field("reason_confidence", pa.float32()),
        pa.field("reason_evidence_turns", pa.list_(pa.int32())),
        pa.field("dissatisfaction", pa.float64()),
        pa.field("dissatisfaction_signals", pa.list_(SIGNAL)),
        pa.field("customer_sentiment", pa.list_(pa.float32())),  # 4 quarters of the call, -1..1, null: silent
        pa.field("agent_sentiment", pa.list_(pa.float32())),
        pa.field("summary", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("follow_ups", pa.list_(FOLLOW_UP)),
        pa.field("acw_evidence_turns", pa.list_(pa.int32())),
        pa.field("customer_feedback", pa.list_(FEEDBACK)),
        pa.field("customer_issue", DRAFT_LINE),  # the customer's issue in one sentence, with its turn
        pa.field("agent_actions", pa.list_(DRAFT_LINE)),  # what the agent did during the call
        pa.field("outcome", DRAFT_LINE),  # resolved | unresolved | escalated | callback_promised
        pa.field("request_type", DRAFT_LINE),  # order | return | refund | complaint | service_request | none
        pa.field("entities", pa.list_(ENTITY)),
        pa.field("disposition", pa.string()),  # suggested: the reason's CRM code / the outcome
        pa.field("asr_model", pa.string()),
        pa.field("taxonomy", pa.string()),
        pa.field("processing_s", pa.float32()),
        pa.field("duplicate_of", pa.string()),
        pa.field("processed_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("analyzed_at", pa.timestamp("us", tz="UTC")),  # set by `acw analyze`; null: as processed
        pa.field("acw_speech_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.string(), nullable=False),
    ],
    metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION},
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
        pa.field("raw_text", pa.string()),  # unredacted, only with redaction.keep_raw_transcript; else null
        pa.field("schema_version", pa.string(), nullable=False),
    ],
    metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION},
)


TABLES = {"calls": CALLS_SCHEMA, "turns": TURNS_SCHEMA}
NEW_IN_VERSION = {
    "3": ("customer_sentiment", "agent_sentiment", "customer_feedback", "analyzed_at"),
    "4": ("customer_issue", "agent_actions", "outcome", "request_type", "entities", "disposition", "raw_text"),
}
# statuses whose audio was read and holds nothing said: transcript "" and turns [] (null: never transcribed)
NOTHING_SAID = ("no_speech", "empty_audio")

# version 0.1 wrote one calls.parquet and one turns.parquet at the top of OUT; read only to migrate them
LEGACY_TABLES = {
    "calls.parquet": pa.schema(
        [
            f.with_type(pa.float32()) if f.name == "dissatisfaction" else f
            for f in CALLS_SCHEMA.remove_metadata()
            if f.name != "turns" and f.name not in NEW_IN_VERSION["3"] + NEW_IN_VERSION["4"]
        ]
    ),
    "turns.parquet": TURNS_SCHEMA.remove_metadata(),
}


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
        "error_message": stored_text(result.error_message) if result.error_message else result.error_message,
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
        "transcript": transcript_text(t) if t else ("" if result.status in NOTHING_SAID else None),
        "turns": [_inline_turn(turn) for turn in t.turns] if t else ([] if result.status in NOTHING_SAID else None),
        "contact_reason": r.reason if r else ("no_speech" if result.status == "no_speech" else None),
        "reason_confidence": r.confidence if r else None,
        "reason_evidence_turns": list(r.evidence_turns) if r else None,
        "dissatisfaction": d.score if d else None,
        "dissatisfaction_signals": [vars(s) for s in d.signals] if d else None,
        "customer_sentiment": list(d.customer_sentiment) if d else None,
        "agent_sentiment": list(d.agent_sentiment) if d else None,
        **(draft_columns(a) if a else dict.fromkeys(DRAFT_COLUMNS)),
        "asr_model": result.asr_model,
        "taxonomy": result.taxonomy,
        "processing_s": result.processing_s,
        "duplicate_of": result.duplicate_of,
        "processed_at": result.processed_at,
        "analyzed_at": result.analyzed_at,
        "acw_speech_version": result.version,
        "schema_version": SCHEMA_VERSION,
    }


DRAFT_COLUMNS = (
    "summary",
    "tags",
    "follow_ups",
    "acw_evidence_turns",
    "customer_feedback",
    "customer_issue",
    "agent_actions",
    "outcome",
    "request_type",
    "entities",
    "disposition",
)


def draft_columns(a: AcwDraft) -> dict:
    """An ACW draft as the calls table (and `acw draft`) holds it."""
    return {
        "summary": a.summary,
        "tags": list(a.tags),
        "follow_ups": [vars(f) for f in a.follow_ups],
        "acw_evidence_turns": list(a.evidence_turns),
        "customer_feedback": [vars(f) for f in a.customer_feedback],
        "customer_issue": _line(a.issue),
        "agent_actions": [_line(line) for line in a.actions],
        "outcome": _line(a.outcome),
        "request_type": _line(a.request_type),
        "entities": [vars(e) for e in a.entities],
        "disposition": a.disposition,
    }


def _line(line) -> dict | None:
    return {"text": line.text, "turns": list(line.turns)} if line else None


def _inline_turn(turn) -> dict:
    return {"turn_index": turn.index, "role": turn.role, "start_s": turn.start, "end_s": turn.end, "text": turn.text}


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
            "raw_text": t.raw_text,
            "schema_version": SCHEMA_VERSION,
        }
        for t in result.transcript.turns
    ]


def calls_table(results: list[CallResult]) -> pa.Table:
    return pa.Table.from_pylist([call_row(r) for r in results], schema=CALLS_SCHEMA)


def turns_table(results: list[CallResult]) -> pa.Table:
    return pa.Table.from_pylist([row for r in results for row in turn_rows(r)], schema=TURNS_SCHEMA)


def write_table(table: pa.Table, path: Path) -> None:
    """Write atomically: a hidden temporary file in the same folder, fsync'd, then renamed over `path`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut too
        finally:
            os.close(directory)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True, order=True)
class Part:
    """One part file of a table; parts sort oldest first (run date, then name, which starts with the run's time)."""

    run_date: str
    name: str
    path: Path


RUN_DATE_DIR = re.compile(rf"{PARTITION}=(\d{{4}}-\d{{2}}-\d{{2}})")


def part_path(table_dir: Path, run_date: str, name: str) -> Path:
    return table_dir / f"{PARTITION}={run_date}" / f"{name}.parquet"


def write_part(table: pa.Table, table_dir: Path, run_date: str, name: str) -> Part:
    """Write `table` (any number of rows, zero included) as one part of the table in `table_dir`."""
    schema = TABLES[table_dir.name]
    path = part_path(table_dir, run_date, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(table.select(schema.names).cast(schema), path)
    return Part(run_date, name, path)


def list_parts(table_dir: Path) -> list[Part]:
    """The part files of one table, oldest first. Anything else there (bar hidden files) is refused: one foreign
    file breaks every dataset reader of the folder."""
    if not table_dir.exists():
        return []
    parts = []
    for folder in _visible(table_dir):
        date = RUN_DATE_DIR.fullmatch(folder.name)
        if not date or not folder.is_dir():
            raise _foreign(folder, f"not a {PARTITION}=YYYY-MM-DD folder")
        for path in _visible(folder):
            if path.suffix != ".parquet" or not path.is_file():
                raise _foreign(path, "not a Parquet part file")
            parts.append(Part(date.group(1), path.stem, path))
    return sorted(parts)


def _visible(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))
    except OSError as exc:
        raise OutputError(f"cannot read {folder}: {exc.strerror or exc}") from None


def _foreign(path: Path, why: str) -> OutputError:
    return OutputError(f"{path} is not a table acw-speech can add to ({why}); choose another --out or move it away")


def read_part(part: Part, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """One part with our schema; a damaged file or one with another schema is an OutputError, never a traceback."""
    try:
        found = pq.read_schema(part.path)
        version = part_version(found)
        if version in UPGRADABLE_VERSIONS and found.equals(_older(schema, version), check_metadata=False):
            table = upgraded(pq.read_table(part.path), schema)
            return table.select(columns) if columns else table
        if version != SCHEMA_VERSION or not found.equals(schema, check_metadata=False):
            written = f"schema version {version}" if version else "no acw-speech schema version"
            raise _foreign(part.path, f"{written}; this acw-speech writes version {SCHEMA_VERSION}")
        return pq.read_table(part.path, schema=schema, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise _foreign(part.path, str(exc)) from None


def part_version(schema: pa.Schema) -> str:
    return (schema.metadata or {}).get(SCHEMA_VERSION_KEY.encode(), b"").decode()


def _older(schema: pa.Schema, version: str) -> pa.Schema:
    """What `schema` looked like in an upgradable older version (its columns without those added since)."""
    added = [name for v, names in NEW_IN_VERSION.items() if int(v) > int(version) for name in names]
    fields = [f.with_type(pa.list_(FOLLOW_UP_V3)) if f.name == "follow_ups" else f for f in schema]
    return pa.schema([f for f in fields if f.name not in added], metadata={SCHEMA_VERSION_KEY: version})


def upgraded(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """An older part's rows in the current schema: added columns null, `schema_version` the current one."""
    columns = []
    for field in schema:
        if field.name == "schema_version":
            columns.append(pa.array([SCHEMA_VERSION] * len(table), pa.string()))
        elif field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(len(table), field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def read_parts(table_dir: Path, columns: list[str] | None = None) -> list[tuple[Part, pa.Table]]:
    schema = TABLES[table_dir.name]
    return [(part, read_part(part, schema, columns)) for part in list_parts(table_dir)]


CALL_KEY_COLUMNS = ["call_id", "source_path", "processed_at", "duplicate_of", "status"]


def calls_to_keep(calls: list[tuple[Part, pa.Table]]) -> dict[Part, list[bool]]:
    """Which rows stay: one per (call_id, source_path), the latest processed (a crash can leave two). A failed row
    also goes once the same file was processed later with other content (it was replaced, e.g. an upload that was
    cut short and then finished): the failure no longer describes anything on disk."""
    best: dict[tuple[str, str], tuple] = {}
    status: dict[tuple, str] = {}
    for part, table in calls:
        columns = zip(*(table.column(c).to_pylist() for c in ("call_id", "source_path", "processed_at", "status")))
        for i, (call_id, source_path, processed_at, row_status) in enumerate(columns):
            rank = (processed_at, part, i)
            status[rank] = row_status
            best[(call_id, source_path)] = max(best.get((call_id, source_path), rank), rank)
    newest_at_path: dict[str, tuple] = {}
    for (_, source_path), rank in best.items():
        newest_at_path[source_path] = max(newest_at_path.get(source_path, rank), rank)
    winners = {
        (part, i)
        for (_, source_path), (processed_at, part, i) in best.items()
        if status[(processed_at, part, i)] in OK_STATUSES or newest_at_path[source_path] == (processed_at, part, i)
    }
    return {part: [(part, i) in winners for i in range(len(table))] for part, table in calls}


def turns_to_keep(calls: list[tuple[Part, pa.Table]], turns: list[tuple[Part, pa.Table]]) -> dict[Part, list[bool]]:
    """Which turn rows stay: a call's turns come from one part only, the one written with its calls row (else the
    latest), and turns whose call has no calls row (a crash between the two writes) go."""
    owner: dict[str, tuple] = {}  # call_id -> rank of the row that decides; its part is where the turns belong
    for part, table in calls:
        columns = zip(*(table.column(c).to_pylist() for c in ("call_id", "duplicate_of", "processed_at")))
        for call_id, duplicate_of, processed_at in columns:
            rank = (duplicate_of is None, processed_at, part)
            owner[call_id] = max(owner.get(call_id, rank), rank)
    holders: dict[str, list[Part]] = defaultdict(list)
    for part, table in turns:
        for call_id in set(table.column("call_id").to_pylist()):
            holders[call_id].append(part)
    chosen = {}
    for call_id, parts in holders.items():
        if call_id in owner:
            written_with = [
                p for p in parts if (p.run_date, p.name) == (owner[call_id][2].run_date, owner[call_id][2].name)
            ]
            chosen[call_id] = written_with[0] if written_with else max(parts)
    return {part: [chosen.get(c) == part for c in table.column("call_id").to_pylist()] for part, table in turns}


def read_calls(out_dir: str | Path) -> pa.Table:
    """Every call in an output folder as one table: the explicit schema plus `run_date` (a string, from the path),
    one row per (call_id, source_path)."""
    calls = read_parts(Path(out_dir) / "calls")
    return _kept(calls, calls_to_keep(calls), CALLS_SCHEMA)


def read_turns(out_dir: str | Path) -> pa.Table:
    """Every turn of the calls in an output folder, with `run_date`; each call's turns once."""
    calls = read_parts(Path(out_dir) / "calls", CALL_KEY_COLUMNS)
    turns = read_parts(Path(out_dir) / "turns")
    kept_calls = calls_to_keep(calls)
    calls = [(part, table.filter(pa.array(kept_calls[part], pa.bool_()))) for part, table in calls]
    return _kept(turns, turns_to_keep(calls, turns), TURNS_SCHEMA)


def _kept(parts: list[tuple[Part, pa.Table]], keep: dict[Part, list[bool]], schema: pa.Schema) -> pa.Table:
    with_date = schema.append(pa.field(PARTITION, pa.string(), nullable=False))
    tables = []
    for part, table in parts:
        table = table.filter(pa.array(keep[part], pa.bool_()))
        run_date = pa.array([part.run_date] * len(table), pa.string())
        tables.append(table.append_column(with_date.field(PARTITION), run_date).cast(with_date))
    return pa.concat_tables(tables) if tables else with_date.empty_table()
