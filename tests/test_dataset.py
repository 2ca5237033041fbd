"""The output folder as a partitioned dataset: one schema for every part (shared case BL-20), readers that see it
as one table, the repair a killed run needs, version 0.1 folders migrated, foreign files refused."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SAMPLE_AUDIO, acw

from acw_speech.errors import OutputError
from acw_speech.output import PartWriter, RunId, prepare_output, write_batch
from acw_speech.records import AcwDraft, CallResult, Dissatisfaction, ReasonPrediction, Transcript, Turn
from acw_speech.tables import (
    CALLS_SCHEMA,
    FOLLOW_UP_V3,
    LEGACY_TABLES,
    NEW_IN_VERSION,
    SCHEMA_VERSION,
    TURNS_SCHEMA,
    call_row,
    read_calls,
    read_turns,
    turn_rows,
)

GENERATOR = ROOT.parent / "shared" / "cases" / "generate.py"
T0 = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
TYPES = {"string": pa.string(), "float64": pa.float64()}


@pytest.fixture(scope="module")
def bl20(tmp_path_factory) -> tuple[list[dict], dict]:
    if not GENERATOR.is_file():
        pytest.fail(f"the shared cases generator is missing: {GENERATOR} (check out ../shared beside the repository)")
    cases = tmp_path_factory.mktemp("cases")
    subprocess.run([sys.executable, str(GENERATOR), str(cases), "--only", "BL-20"], check=True, capture_output=True)
    fixture = json.loads((cases / "fixtures" / "bl20_batches.json").read_text())
    expected = next(e for e in json.loads((cases / "expected.json").read_text()) if e["case"] == "BL-20")
    return fixture["batches"], expected["expect"]


def fixture_result(row: dict, processed_at: datetime = T0) -> CallResult:
    """A BL-20 row as the pipeline would have produced it: segments are our turns."""
    turns = tuple(
        Turn(i, s["speaker"], s["start"], s["end"], s["text"], asr_confidence=1.0)
        for i, s in enumerate(row["segments"])
    )
    transcribed = row["status"] in ("ok", "no_speech")
    return CallResult(
        call_id=row["call_id"],
        source_path=f"/calls/{row['call_id']}.wav",
        status=row["status"],
        processed_at=processed_at,
        version="test",
        duration_decoded_s=row["duration_decoded_s"],
        transcript=Transcript(turns, "en" if turns else None, None, "channels", 1.0) if transcribed else None,
        reason=ReasonPrediction(row["contact_reason"], None) if row["status"] == "ok" else None,
        dissatisfaction=Dissatisfaction(row["dissatisfaction"]) if row["dissatisfaction"] is not None else None,
        draft=AcwDraft(row["summary"], ()) if row["summary"] is not None else None,
    )


def test_bl20_batches_written_as_parts_read_back_as_one_dataset_with_one_schema(tmp_path, bl20):
    batches, expect = bl20
    for seq, batch in enumerate(batches):
        write_batch([fixture_result(r) for r in batch["rows"]], tmp_path, "2026-12-01", f"part-bl20-{seq:05d}")
    parts = sorted((tmp_path / "calls" / "run_date=2026-12-01").glob("*.parquet"))
    assert [pq.read_metadata(p).num_rows for p in parts] == [2, 1, 0]  # the zero-row batch is a part too
    for part in parts:  # one explicit schema, version in the file's metadata, no run_date column in the files
        schema = pq.read_schema(part)
        assert schema.equals(CALLS_SCHEMA, check_metadata=False) and "run_date" not in schema.names
        assert pq.read_metadata(part).metadata[b"acw_speech.schema_version"] == SCHEMA_VERSION.encode()

    calls = read_calls(tmp_path)
    assert calls.schema.equals(CALLS_SCHEMA.append(pa.field("run_date", pa.string(), nullable=False)))
    for column, kind in expect["column_types"].items():
        field = calls.schema.field("turns" if column == "segments" else column)
        if kind == "list<struct>":
            assert pa.types.is_list(field.type) and pa.types.is_struct(field.type.value_type), field
        else:
            assert field.type == TYPES[kind], field
    assert expect["schema_version_present"] and set(calls.column("schema_version").to_pylist()) == {SCHEMA_VERSION}

    rows = {r["call_id"]: r for r in calls.to_pylist()}
    assert sorted(rows) == ["bl20-a1", "bl20-a2", "bl20-b1"]
    for row in batches[0]["rows"]:  # no_speech: "" and no turns, nothing downstream
        got = rows[row["call_id"]]
        assert (got["transcript"], got["turns"], got["contact_reason"]) == ("", [], "no_speech")
        assert got["dissatisfaction"] is None and got["summary"] is None
        assert got["duration_decoded_s"] == row["duration_decoded_s"]
    normal, got = batches[1]["rows"][0], rows["bl20-b1"]
    assert got["dissatisfaction"] == normal["dissatisfaction"]  # float64: 0.7 stays 0.7
    assert got["summary"] == normal["summary"] and got["contact_reason"] == normal["contact_reason"]
    assert " ".join(t["text"] for t in got["turns"]) == normal["transcript"]
    assert [(t["role"], t["start_s"], t["end_s"]) for t in got["turns"]] == [
        (s["speaker"], s["start"], s["end"]) for s in normal["segments"]
    ]

    # plain readers see the folder as one dataset too, run_date from the path
    assert pq.read_table(tmp_path / "calls").num_rows == 3
    plain = pd.read_parquet(tmp_path / "calls")
    assert sorted(plain.call_id) == sorted(rows) and set(plain.run_date.astype(str)) == {"2026-12-01"}
    dataset = ds.dataset(tmp_path / "calls", format="parquet", partitioning="hive")
    assert dataset.schema.field("dissatisfaction").type == pa.float64() and dataset.count_rows() == 3
    assert read_turns(tmp_path).num_rows == 1


def _ok_call(call_id: str, path: str, processed_at: datetime, words: str) -> CallResult:
    turns = (Turn(0, "agent", 0.0, 1.0, "Hello, Acme Mobile.", 0.9), Turn(1, "customer", 1.2, 3.0, words, 0.8))
    return CallResult(
        call_id, path, "ok", processed_at, "test", transcript=Transcript(turns, "en", 0.99, "channels", 1.0)
    )


def test_repair_keeps_the_latest_row_and_its_turns_and_drops_orphans(tmp_path):
    out = tmp_path
    old, new = _ok_call("c1", "/in/a.wav", T0, "old words"), _ok_call("c1", "/in/a.wav", T0 + timedelta(1), "new")
    write_batch([old, _ok_call("c2", "/in/b.wav", T0, "kept")], out, "2026-12-01", "part-20261201T220000-7-00000")
    # a --force run killed after writing its parts, before taking c1 out of the older ones
    write_batch([new], out, "2026-12-02", "part-20261202T220000-8-00000")
    # a run killed between its turns part and its calls part: c3's turns have no calls row
    orphan = turns_table_of([_ok_call("c3", "/in/c.wav", T0, "orphan")])
    pq.write_table(orphan, out / "turns" / "run_date=2026-12-02" / "part-20261202T230000-9-00000.parquet")
    (out / "turns" / "run_date=2026-12-02" / ".part-20261202T230000-9-00000.parquet.9.tmp").write_bytes(b"PAR1")

    earlier = prepare_output(out)
    calls = pq.read_table(out / "calls").to_pandas()  # a plain reader, no de-duplication
    assert sorted(zip(calls.call_id, calls.run_date.astype(str))) == [("c1", "2026-12-02"), ("c2", "2026-12-01")]
    turns = pq.read_table(out / "turns").to_pandas()
    assert sorted(turns[turns.call_id == "c1"].text) == ["Hello, Acme Mobile.", "new"]
    assert "c3" not in set(turns.call_id) and len(turns) == 4
    assert not list(out.rglob(".*.tmp"))
    assert earlier.rows[("c1", "/in/a.wav")].processed_at == T0 + timedelta(1)
    assert pq.read_table(out / "turns").num_rows == read_turns(out).num_rows  # nothing left to de-duplicate


def turns_table_of(results):
    return pa.Table.from_pylist([row for r in results for row in turn_rows(r)], schema=TURNS_SCHEMA)


def test_a_version_0_1_folder_is_migrated_into_parts(tmp_path):
    calls = [_ok_call("c1", "/in/a.wav", T0, "my bill is wrong"), _ok_call("c2", "/in/b.wav", T0 + timedelta(1), "x")]
    calls.append(CallResult("c3", "/in/c.wav", "decode_error", T0, "0.1.0", error_message="not audio"))
    legacy_rows = [{**call_row(r), "schema_version": "1"} for r in calls]
    pq.write_table(pa.Table.from_pylist(legacy_rows, schema=LEGACY_TABLES["calls.parquet"]), tmp_path / "calls.parquet")
    pq.write_table(turns_table_of(calls).cast(LEGACY_TABLES["turns.parquet"]), tmp_path / "turns.parquet")

    earlier = prepare_output(tmp_path, RunId(T0 + timedelta(2), 4242))
    assert not (tmp_path / "calls.parquet").exists() and not (tmp_path / "turns.parquet").exists()
    assert sorted(p.parent.name for p in (tmp_path / "calls").rglob("*.parquet")) == [
        "run_date=2026-12-01",
        "run_date=2026-12-02",
    ]  # under the run date of each row's processed_at
    assert set(earlier.rows) == {("c1", "/in/a.wav"), ("c2", "/in/b.wav"), ("c3", "/in/c.wav")}
    migrated = {r["call_id"]: r for r in read_calls(tmp_path).to_pylist()}
    assert [t["text"] for t in migrated["c1"]["turns"]] == ["Hello, Acme Mobile.", "my bill is wrong"]
    assert migrated["c3"]["turns"] is None and migrated["c3"]["status"] == "decode_error"
    assert read_calls(tmp_path).schema.field("dissatisfaction").type == pa.float64()
    assert read_turns(tmp_path).num_rows == 4


@pytest.mark.parametrize(
    "make_foreign",
    [
        lambda out: (out / "calls" / "run_date=2026-12-01" / "part-x.parquet").write_bytes(b"PAR1 not really"),
        lambda out: pq.write_table(pa.table({"a": [1]}), out / "calls" / "run_date=2026-12-01" / "other.parquet"),
        lambda out: (out / "calls" / "notes.txt").write_text("hello"),
        lambda out: (out / "turns.parquet").write_text("garbage"),
    ],
    ids=["truncated part", "foreign schema", "stray file", "damaged 0.1 table"],
)
def test_a_damaged_or_foreign_file_is_refused_before_anything_changes(tmp_path, make_foreign):
    write_batch([_ok_call("c1", "/in/a.wav", T0, "words")], tmp_path, "2026-12-01", "part-20261201T220000-7-00000")
    (tmp_path / "turns" / "run_date=2026-12-01" / ".half.parquet.1.tmp").write_bytes(b"x")
    make_foreign(tmp_path)
    with pytest.raises(OutputError, match="is not a table acw-speech can add to"):
        prepare_output(tmp_path)
    assert list(tmp_path.rglob(".*.tmp"))  # refused before the clean-up, too


def test_the_cli_refuses_a_foreign_output_folder_with_a_message(tmp_path):
    (tmp_path / "calls" / "run_date=2026-12-01").mkdir(parents=True)
    (tmp_path / "calls" / "run_date=2026-12-01" / "part-1.parquet").write_bytes(b"garbage")
    proc = acw("run", str(SAMPLE_AUDIO / "pisets_ru.wav"), "--out", str(tmp_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "part-1.parquet is not a table acw-speech can add to" in proc.stderr


def test_finished_calls_are_flushed_after_n_calls_or_t_seconds(tmp_path):
    run = RunId(T0, 4242)
    earlier = prepare_output(tmp_path, run)
    with PartWriter(tmp_path, run, earlier, every_calls=2, every_s=0.5) as writer:
        writer.add(_ok_call("c1", "/in/a.wav", T0, "one"))
        writer.add(_ok_call("c2", "/in/b.wav", T0, "two"))  # the second call: flushed at once
        assert writer.parts_written == 1 and read_calls(tmp_path).num_rows == 2
        writer.add(_ok_call("c3", "/in/c.wav", T0, "three"))  # alone: flushed by the clock
        for _ in range(50):
            if writer.parts_written == 2:
                break
            time.sleep(0.1)
        assert writer.parts_written == 2 and read_calls(tmp_path).num_rows == 3
        writer.add(_ok_call("c4", "/in/d.wav", T0, "four"))
    assert writer.parts_written == 3  # and the rest on close
    names = sorted(p.name for p in (tmp_path / "calls" / "run_date=2026-12-01").glob("*.parquet"))
    assert names == [f"part-20261201T220000-4242-0000{i}.parquet" for i in range(3)]
    assert sorted(read_turns(tmp_path).column("text").to_pylist())[-4:] == ["four", "one", "three", "two"]


@pytest.mark.parametrize("version", ["2", "3"])
def test_an_older_schema_version_folder_is_read_and_then_upgraded_in_place(tmp_path, version):
    write_batch([_ok_call("c1", "/in/a.wav", T0, "my bill is wrong")], tmp_path, "2026-12-01", "part-x-1-00000")
    added = [name for v, names in NEW_IN_VERSION.items() if int(v) > int(version) for name in names]
    for table_dir in ("calls", "turns"):  # make the part what an older acw-speech wrote
        part = next((tmp_path / table_dir).rglob("*.parquet"))
        table = pq.read_table(part)
        keep = [f for f in table.schema if f.name not in added]
        keep = [f.with_type(pa.list_(FOLLOW_UP_V3)) if f.name == "follow_ups" else f for f in keep]
        old = pa.Table.from_arrays(
            [
                table.column(f.name).cast(f.type) if f.name != "schema_version" else pa.array([version] * len(table))
                for f in keep
            ],
            schema=pa.schema(keep, metadata={b"acw_speech.schema_version": version.encode()}),
        )
        pq.write_table(old, part)

    read_before = read_calls(tmp_path).to_pylist()[0]  # readable as it is, new columns null
    assert read_before["disposition"] is None and read_before["schema_version"] == SCHEMA_VERSION
    prepare_output(tmp_path)
    for part in tmp_path.rglob("*.parquet"):
        assert pq.read_metadata(part).metadata[b"acw_speech.schema_version"] == SCHEMA_VERSION.encode()
    upgraded = pd.read_parquet(tmp_path / "calls").iloc[0]  # a plain reader sees today's schema
    assert upgraded["transcript"] == read_before["transcript"] and upgraded["entities"] is None
    assert set(NEW_IN_VERSION["3"] + NEW_IN_VERSION["4"]) - {"raw_text"} <= set(upgraded.index)
    assert pd.read_parquet(tmp_path / "turns")["raw_text"].isna().all()  # a turns column, null when upgraded
