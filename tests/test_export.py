"""CSV export: formula-looking text is neutralised in the CSV only; Parquet keeps what was said."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from acw_speech.export import FORMULA_STARTS, neutralise_formula, write_csv

GENERATOR = Path(__file__).resolve().parent.parent.parent / "shared" / "cases" / "generate.py"


@pytest.fixture(scope="module")
def shared_cases(tmp_path_factory) -> Path:
    """The shared BL-19 case, generated afresh."""
    if not GENERATOR.exists():
        pytest.fail(f"the shared test cases are missing: expected {GENERATOR} (the shared/ folder beside the checkout)")
    out = tmp_path_factory.mktemp("cases")
    proc = subprocess.run([sys.executable, str(GENERATOR), str(out), "--only", "BL-19"], capture_output=True, text=True)
    assert proc.returncode == 0, f"generate.py failed:\n{proc.stderr}"
    return out


def _read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def _unsafe(cell: str, dangerous) -> bool:
    """A cell a spreadsheet would read as a formula: a dangerous first character, before or after spaces."""
    return bool(cell) and (cell[0] in dangerous or cell.lstrip()[:1] in dangerous)


def test_every_export_expectation_holds(shared_cases, tmp_path):
    entries = json.loads((shared_cases / "expected.json").read_text(encoding="utf-8"))
    entries = [e for e in entries if e["expect"].get("fixture_stage") == "export"]
    assert [e["file"] for e in entries] == ["fixtures/bl19_formula_rows.json"]
    expect = entries[0]["expect"]
    rows = json.loads((shared_cases / entries[0]["file"]).read_text(encoding="utf-8"))

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "calls.parquet")
    stored = pq.read_table(tmp_path / "calls.parquet")
    write_csv(stored, tmp_path / "calls.csv")
    header, *csv_rows = _read_csv(tmp_path / "calls.csv")
    by_id = {row[header.index("call_id")]: row for row in csv_rows}

    checks = {
        "status": lambda wanted: "ok" in ([wanted] if isinstance(wanted, str) else wanted),  # the export ran
        "fixture_stage": lambda wanted: wanted == "export",
        "parquet_roundtrip_equal": lambda wanted: (
            (pq.read_table(tmp_path / "calls.parquet").to_pylist() == rows) == wanted
        ),
        "dangerous_leading_chars": lambda wanted: set(wanted) <= FORMULA_STARTS,
        "csv_cells_safe": lambda wanted: (
            wanted
            == all(not _unsafe(cell, expect["dangerous_leading_chars"]) for row in [header, *csv_rows] for cell in row)
        ),
        "csv_unchanged_ids": lambda wanted: all(
            by_id[i] == [str(r[name]) for name in header] for r in rows for i in wanted if r["call_id"] == i
        ),
    }
    for key, wanted in expect.items():
        assert key in checks, f"expected.json has a key these tests do not check yet: {key!r}"
        assert checks[key](wanted), f"{key} = {wanted!r} does not hold"
    assert len(csv_rows) == len(rows)


def test_the_csv_differs_from_storage_only_by_the_added_apostrophe(shared_cases, tmp_path):
    rows = json.loads((shared_cases / "fixtures/bl19_formula_rows.json").read_text(encoding="utf-8"))
    write_csv(rows, tmp_path / "calls.csv")
    _, *csv_rows = _read_csv(tmp_path / "calls.csv")
    for row, (call_id, summary) in zip(rows, csv_rows):
        assert call_id == row["call_id"]
        assert summary in (row["summary"], "'" + row["summary"])
    assert csv_rows[5][1] == "customer agreed\r\n=3+4"  # a line break stays inside its cell; the cell starts with text


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+7", "-20", "@sum", "\t=1", "\r=1", "＝1", "＋1", "－1", "＠x", "  =1", "\n=1", "\u200b=1", " \t +1"],
)
def test_formula_starts_are_neutralised(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Refund approved", "  Refund", "'=already text", "Возврат 20 USD", "20-5"])
def test_ordinary_text_is_unchanged(text):
    assert neutralise_formula(text) == text


def test_lists_records_numbers_and_nothing(tmp_path):
    rows = [
        {"call_id": "a", "tags": ["-billing", "refund"], "follow_ups": [{"owner": "agent", "action": "call"}], "n": -2},
        {"call_id": "b", "tags": [], "follow_ups": None, "n": None, "flag": True},
    ]
    write_csv(rows, tmp_path / "out.csv")
    assert _read_csv(tmp_path / "out.csv") == [
        ["call_id", "tags", "follow_ups", "n", "flag"],
        ["a", '["-billing", "refund"]', '[{"owner": "agent", "action": "call"}]', "-2", ""],
        ["b", "[]", "", "", "true"],
    ]


def test_a_dataframe_with_cyrillic_and_a_bom_for_excel(tmp_path):
    frame = pd.DataFrame({"call_id": ["ru-1"], "summary": ["-Клиент просит возврат"]})
    assert write_csv(frame, tmp_path / "out.csv", bom=True) == 1
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert _read_csv(tmp_path / "out.csv", encoding="utf-8-sig")[1] == ["ru-1", "'-Клиент просит возврат"]


def test_the_write_is_atomic_and_replaces_an_older_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    assert write_csv(pa.table({"call_id": pa.array([], pa.string())}), path) == 0
    assert _read_csv(path) == [["call_id"]]
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left behind


def test_a_failed_write_leaves_the_older_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")

    class Broken:
        def __str__(self):
            raise RuntimeError("cannot be shown")

    with pytest.raises(RuntimeError):
        write_csv([{"call_id": Broken()}], path)
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["out.csv"]
