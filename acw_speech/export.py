"""Tables -> CSV that is safe to open in a spreadsheet.

A transcript or summary holds whatever was said, so a cell may begin like a formula ("=HYPERLINK(...)",
"+1 555 0142", "-20 USD", "@retentions"); Excel, LibreOffice and Google Sheets would run it. In the CSV every
such text cell gets a leading apostrophe, the usual way to tell a spreadsheet "this is text" (OWASP, CSV
injection). Only the CSV is changed: the Parquet tables keep exactly what was said.
"""

from __future__ import annotations

import csv
import json
import os
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

# A cell starting with one of these is read as a formula (or, for tab and carriage return, can become one when
# the cell is split on import). The full-width forms are folded to ASCII by some spreadsheets' input handling.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def neutralise_formula(text: str) -> str:
    """The text with a leading apostrophe if it could start a formula, else unchanged.

    Leading spaces, line breaks and other invisible characters are skipped before looking, because spreadsheets
    skip them too ("   +7" is read as +7).
    """
    if text and (text[0] in FORMULA_STARTS or _first_visible(text) in FORMULA_STARTS):
        return "'" + text
    return text


def csv_cell(value) -> str | int | float:
    """One value as a CSV cell: text made formula-safe, lists and records as JSON text, nothing as ""."""
    if value is None or (isinstance(value, float) and value != value):  # None, NaN
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and abs(value) != float("inf")):
        return value  # a number is a number to a spreadsheet, even a negative one; it cannot hold a formula
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, Mapping | list | tuple):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return neutralise_formula(str(value))


def write_csv(rows, path: str | Path, *, columns: list[str] | None = None, bom: bool = False) -> int:
    """Write a table (pyarrow Table, pandas DataFrame, or dicts) as formula-safe CSV; return the number of rows.

    Cells are quoted only where needed; line breaks inside a cell stay inside its quotes. `bom=True` starts the
    file with a UTF-8 byte-order mark, which Excel needs to read non-ASCII text (Cyrillic) correctly. The file is
    written to a temporary name in the same folder and renamed, so a reader never sees half a file.
    """
    path = Path(path)
    header, records = _columns_and_rows(rows, columns)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
            writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
            writer.writerow([neutralise_formula(name) for name in header])
            count = 0
            for record in records:
                writer.writerow([csv_cell(record.get(name)) for name in header])
                count += 1
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _columns_and_rows(rows, columns: list[str] | None) -> tuple[list[str], Iterable[Mapping]]:
    """The column names and an iterator of row dicts, whatever form the table came in."""
    if not isinstance(rows, pa.Table) and hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # pandas
        rows = pa.Table.from_pandas(rows, preserve_index=False)
    if isinstance(rows, pa.Table):
        table = rows
        return columns or table.column_names, (row for batch in table.to_batches() for row in batch.to_pylist())
    rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(name for row in rows for name in row))  # first-seen order
    return columns, rows


def _first_visible(text: str) -> str:
    """The first character that is not a space or an invisible control/format character ("" if none)."""
    for char in text:
        if not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf")):
            return char
    return ""
