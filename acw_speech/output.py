"""The output folder: one run at a time writes it, repaired at the start of each run, results flushed as parts.

What a killed run can leave, and what the next run (holding the lock) does about it before any work:
half-written `.*.tmp` files (removed), a turns part without its calls part (its turns have no calls row: removed),
a call written again by a `--force` run before its older rows were removed (the latest `processed_at` is kept).
An output folder of version 0.1 (one `calls.parquet` and `turns.parquet`) is migrated into parts.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from acw_speech.errors import OutputError
from acw_speech.records import OK_STATUSES, CallResult
from acw_speech.tables import (
    CALL_KEY_COLUMNS,
    CALLS_SCHEMA,
    LEGACY_TABLES,
    SCHEMA_VERSION,
    TABLES,
    TURNS_SCHEMA,
    Part,
    calls_table,
    calls_to_keep,
    list_parts,
    part_version,
    read_part,
    read_parts,
    turns_table,
    turns_to_keep,
    write_part,
    write_table,
)

LOCK_FILE = ".acw-run.lock"


@contextmanager
def output_lock(out_dir: Path):
    """One run at a time per output folder. The kernel drops the lock when its holder dies (even by SIGKILL), so a
    lock left by a crashed run is never in the way. Workers are spawned, not forked, so they never hold it."""
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
            raise OutputError(
                f"another acw process (a run or an analyze) is writing to {out_dir} ({holder}); wait for it to finish"
            ) from None
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
class RunId:
    """When and by which process a run started: names its part files and its summary in OUT/runs/."""

    started: datetime
    pid: int

    @classmethod
    def now(cls) -> RunId:
        return cls(datetime.now(timezone.utc), os.getpid())

    @property
    def run_date(self) -> str:
        return f"{self.started:%Y-%m-%d}"

    def __str__(self) -> str:
        return f"{self.started:%Y%m%dT%H%M%S}-{self.pid}"

    def part_name(self, seq: int) -> str:
        return f"part-{self}-{seq:05d}"


@dataclass
class EarlierCalls:
    """Calls already in an output folder: by (call_id, source_path), and the first transcribed row per content;
    plus which part holds each row, so a `--force` run can take out the rows it replaces."""

    rows: dict[tuple[str, str], CallResult]
    first_with_content: dict[str, CallResult]
    calls_in: dict[tuple[str, str], Part]
    turns_in: dict[str, set[Part]]


EARLIER_COLUMNS = [*CALL_KEY_COLUMNS, "error_message", "flags", "duration_decoded_s", "acw_speech_version"]


def prepare_output(out_dir: Path, run: RunId | None = None) -> EarlierCalls:
    """Check that `out_dir` can be written and holds only our tables, repair what a killed run left, and return
    the calls already there. Call it holding the lock, before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    legacy = _read_legacy(out_dir)  # a damaged or foreign table is refused before anything is changed
    for table_dir in TABLES:
        read_parts(out_dir / table_dir, ["call_id"])
    _upgrade_parts(out_dir)
    for pattern in (".*.tmp", "calls/*/.*.tmp", "turns/*/.*.tmp", "runs/.*.tmp"):
        for leftover in out_dir.glob(pattern):  # half-written by a run that was killed; we hold the lock now
            leftover.unlink(missing_ok=True)
    if legacy:
        _migrate_legacy(out_dir, legacy, run or RunId.now())
    calls = read_parts(out_dir / "calls", EARLIER_COLUMNS)
    turns = read_parts(out_dir / "turns", ["call_id"])
    keep_calls = calls_to_keep(calls)
    calls = [(part, table.filter(pa.array(keep_calls[part], pa.bool_()))) for part, table in calls]
    keep_turns = turns_to_keep(calls, turns)
    for part, keep in (*keep_calls.items(), *keep_turns.items()):
        if not all(keep):
            _rewrite_part(part, TABLES[part.path.parent.parent.name], keep)
    return _earlier(calls, [(part, t.filter(pa.array(keep_turns[part], pa.bool_()))) for part, t in turns])


def _earlier(calls: list[tuple[Part, pa.Table]], turns: list[tuple[Part, pa.Table]]) -> EarlierCalls:
    rows, first, calls_in, turns_in = {}, {}, {}, defaultdict(set)
    for part, table in calls:
        for row in table.to_pylist():
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
            calls_in[(done.call_id, done.source_path)] = part
            if done.duplicate_of is None:
                first.setdefault(done.call_id, done)
    for part, table in turns:
        for call_id in set(table.column("call_id").to_pylist()):
            turns_in[call_id].add(part)
    return EarlierCalls(rows, first, calls_in, dict(turns_in))


def _rewrite_part(part: Part, schema: pa.Schema, keep: list[bool]) -> None:
    """A part without some of its rows, written atomically in its place; a part left with none is removed."""
    try:
        if any(keep):
            table = read_part(part, schema).filter(pa.array(keep, pa.bool_()))
            write_table(table, part.path)
        else:
            part.path.unlink()
    except OSError as exc:
        raise OutputError(f"cannot rewrite {part.path}: {exc.strerror or exc}") from None


def _upgrade_parts(out_dir: Path) -> None:
    """Parts an older acw-speech wrote (an upgradable schema version) are rewritten in today's schema, the new
    columns null, so any Parquet reader sees one schema across the folder. Killed half-way, the next run goes on."""
    for table_dir, schema in TABLES.items():
        for part in list_parts(out_dir / table_dir):
            if part_version(pq.read_schema(part.path)) != SCHEMA_VERSION:
                try:
                    write_table(read_part(part, schema), part.path)
                except OSError as exc:
                    raise OutputError(f"cannot upgrade {part.path}: {exc.strerror or exc}") from None


def _read_legacy(out_dir: Path) -> dict[str, pa.Table]:
    tables = {}
    for name, schema in LEGACY_TABLES.items():
        path = out_dir / name
        if not path.exists():
            continue
        try:
            found = pq.read_schema(path)
            if not found.remove_metadata().equals(schema):
                raise OutputError(f"{path} is not a table acw-speech can add to (not the schema acw-speech 0.1 wrote)")
            tables[name] = pq.read_table(path, schema=schema)
        except (OSError, pa.ArrowException) as exc:
            raise OutputError(
                f"{path} exists but is not a table acw-speech can add to ({exc}); choose another --out or move it away"
            ) from None
    return tables


def _migrate_legacy(out_dir: Path, legacy: dict[str, pa.Table], run: RunId) -> None:
    """Version 0.1's calls.parquet/turns.parquet become parts under the run date of their rows' processed_at.

    Parts first, old files last: killed half-way, the next run migrates again and the repair drops the doubles.
    """
    turns = legacy.get("turns.parquet", TURNS_SCHEMA.empty_table())
    calls = legacy.get("calls.parquet")
    by_date: dict[str, tuple[pa.Table, pa.Table]] = {}
    if calls is not None:
        calls = _calls_v2(calls, turns)
        dates = pc.strftime(calls.column("processed_at"), "%Y-%m-%d").to_pylist()
        for date in sorted(set(dates)):
            in_date = calls.filter(pa.array([d == date for d in dates], pa.bool_()))
            ids = pa.array(sorted(set(in_date.column("call_id").to_pylist())), pa.string())
            by_date[date] = (in_date, turns.filter(pc.is_in(turns.column("call_id"), ids)))
    elif len(turns):  # only the turns left (killed between removing the two): the repair keeps the owned ones
        by_date[run.run_date] = (None, turns)
    try:
        for seq, (date, (date_calls, date_turns)) in enumerate(sorted(by_date.items())):
            name = run.part_name(90000 + seq)  # numbered apart from the run's own parts
            write_part(date_turns, out_dir / "turns", date, name)
            if date_calls is not None:
                write_part(date_calls, out_dir / "calls", date, name)
        for name in ("calls.parquet", "turns.parquet"):
            (out_dir / name).unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot migrate the tables in {out_dir}: {exc.strerror or exc}") from None


def _calls_v2(calls: pa.Table, turns: pa.Table) -> pa.Table:
    """Version 0.1 rows in today's schema: dissatisfaction as float64, the call's turns inline."""
    by_call = defaultdict(list)
    for turn in turns.sort_by([("call_id", "ascending"), ("turn_index", "ascending")]).to_pylist():
        by_call[turn["call_id"]].append({k: turn[k] for k in ("turn_index", "role", "start_s", "end_s", "text")})
    rows = calls.to_pylist()
    for row in rows:
        transcribed = row["transcript"] is not None
        row["turns"] = by_call.get(row["call_id"], []) if transcribed else None
        row["schema_version"] = SCHEMA_VERSION
    return pa.Table.from_pylist(rows, schema=CALLS_SCHEMA)


def write_batch(results: list[CallResult], out_dir: Path, run_date: str, name: str) -> None:
    """One batch of calls as a part of each table, both named `name`: turns first (none when the batch has no
    turns), then calls (written for zero rows too) — a call's calls row is what marks it done."""
    turns = turns_table(results)
    try:
        if len(turns):
            write_part(turns, out_dir / "turns", run_date, name)
        write_part(calls_table(results), out_dir / "calls", run_date, name)
    except OSError as exc:
        raise OutputError(
            f"cannot write to {out_dir}: {exc.strerror or exc}; the calls written before are unchanged"
        ) from None


class PartWriter:
    """Collects finished calls and writes them as a new part per table every `every_calls` calls or `every_s`
    seconds, whichever first, and on close. Thread-safe: a timer thread does the time-based flushes, so a long call
    in progress does not hold back the ones already finished.

    Turns part first, then calls part (the same name): a call's calls row is what marks it done. With `force`, the
    rows this run replaces are then taken out of the older parts (a crash in between leaves doubles the next run's
    repair removes).
    """

    def __init__(self, out_dir: Path, run: RunId, earlier: EarlierCalls, every_calls: int, every_s: float):
        self.out_dir, self.run, self.earlier = out_dir, run, earlier
        self.every_calls, self.every_s = every_calls, every_s
        self.pending: list[CallResult] = []
        self.parts_written = 0
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._error: OutputError | None = None
        self._stop = threading.Event()
        self._timer = threading.Thread(target=self._flush_on_time, name="acw-flush", daemon=True)

    def __enter__(self) -> PartWriter:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._timer.join()
        self.flush()  # also on Ctrl-C or an error: the calls finished so far are written

    def add(self, result: CallResult) -> None:
        self._raise_timer_error()
        with self._lock:
            self.pending.append(result)
            due = len(self.pending) >= self.every_calls
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self.pending = self.pending, []
            self._last_flush = time.monotonic()
            if batch:
                try:
                    self._write_parts(batch)
                except BaseException:
                    self.pending = batch + self.pending  # its calls part is not written: try again later
                    raise
                self.parts_written += 1
                self._take_out_replaced(batch)
        self._raise_timer_error()

    def _flush_on_time(self) -> None:
        while not self._stop.wait(0.5):
            if self.pending and time.monotonic() - self._last_flush >= self.every_s:
                try:
                    self.flush()
                except OutputError as exc:
                    self._error = exc
                    return

    def _raise_timer_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write_parts(self, batch: list[CallResult]) -> None:
        write_batch(batch, self.out_dir, self.run.run_date, self.run.part_name(self.parts_written))

    def _take_out_replaced(self, batch: list[CallResult]) -> None:
        """Rows of earlier runs that this batch processed again (--force, --retry-failed) leave their older parts,
        and so does an earlier failure of a file that now holds other content (as `calls_to_keep` decides)."""
        calls_in, turns_in = self.earlier.calls_in, self.earlier.turns_in
        paths = {r.source_path for r in batch}
        superseded = {
            key
            for key, row in self.earlier.rows.items()
            if key[1] in paths and row.status not in OK_STATUSES and key in calls_in
        }
        replaced_calls = defaultdict(set)
        for key in {(r.call_id, r.source_path) for r in batch} | superseded:
            if key in calls_in:
                replaced_calls[calls_in.pop(key)].add(key)
        replaced_turns = defaultdict(set)
        for call_id in {r.call_id for r in batch if r.duplicate_of is None}:
            for part in turns_in.pop(call_id, ()):
                replaced_turns[part].add(call_id)
        for part, keys in replaced_calls.items():
            table = read_part(part, CALLS_SCHEMA, ["call_id", "source_path"])
            pairs = zip(table.column("call_id").to_pylist(), table.column("source_path").to_pylist())
            _rewrite_part(part, CALLS_SCHEMA, [pair not in keys for pair in pairs])
        for part, call_ids in replaced_turns.items():
            ids = read_part(part, TURNS_SCHEMA, ["call_id"]).column("call_id").to_pylist()
            _rewrite_part(part, TURNS_SCHEMA, [i not in call_ids for i in ids])
