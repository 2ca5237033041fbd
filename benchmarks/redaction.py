"""Personal-data detection on tests/data/personal_data.csv: precision and recall per kind and per language, and cost.

    python tools/make_personal_data_set.py   # the labelled set (already committed)
    python benchmarks/redaction.py [--show-errors]

A found span matches a labelled one when both have the same kind and share at least one character. Recall: labelled
spans matched by some found span; precision: found spans that match some labelled span. "leaked" counts the letters
and digits of labelled spans that no found span (of any kind) covers: what would still be readable after redaction.
Timing: model load once, then milliseconds per utterance over the whole set.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "tests" / "data" / "personal_data.csv"
sys.path.insert(0, str(ROOT))

from acw_speech.redaction import PLACEHOLDERS, find_personal_data  # noqa: E402


def read_set(path: Path = SET) -> list[dict]:
    with path.open(encoding="utf-8") as file:
        return [{**row, "spans": [tuple(s) for s in json.loads(row["spans"])]} for row in csv.DictReader(file)]


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def score(rows: list[dict], found: list[list[tuple]]) -> dict:
    """Counts per (kind, language): labelled, recalled, found, correct, leaked characters, labelled characters."""
    counts: Counter = Counter()
    errors = []
    for row, predicted in zip(rows, found, strict=True):
        language = row["language"]
        for span in row["spans"]:
            hit = any(_overlap(span, p) for p in predicted)
            counts[span[0], language, "labelled"] += 1
            counts[span[0], language, "recalled"] += hit
            alnum = [i for i in range(span[1], span[2]) if row["text"][i].isalnum()]
            counts[span[0], language, "chars"] += len(alnum)
            counts[span[0], language, "leaked"] += sum(not any(p[1] <= i < p[2] for p in predicted) for i in alnum)
            if not hit:
                errors.append(f"missed {span[0]} {row['id']}: {span[3]!r} in {row['text']!r} found {predicted}")
        for p in predicted:
            ok = any(_overlap(span, p) for span in row["spans"])
            counts[p[0], language, "found"] += 1
            counts[p[0], language, "correct"] += ok
            if not ok:
                errors.append(f"wrong {p[0]} {row['id']}: {row['text'][p[1] : p[2]]!r} in {row['text']!r}")
    return {"counts": counts, "errors": errors}


def figures(counts: Counter, kind: str | None = None, language: str | None = None) -> dict[str, float]:
    """Precision, recall and leaked share, summed over the kinds and languages that match (None: all)."""
    total = Counter()
    for (k, lang, what), n in counts.items():
        if kind in (None, k) and language in (None, lang):
            total[what] += n
    return {
        "labelled": total["labelled"],
        "found": total["found"],
        "precision": total["correct"] / total["found"] if total["found"] else 1.0,
        "recall": total["recalled"] / total["labelled"] if total["labelled"] else 1.0,
        "leaked": total["leaked"] / total["chars"] if total["chars"] else 0.0,
    }


def detect(rows: list[dict]) -> list[list[tuple]]:
    return [[(f.kind, f.start, f.end) for f in find_personal_data(r["text"], r["language"])] for r in rows]


def report(counts: Counter) -> str:
    lines = [f"{'':24} {'labelled':>8} {'found':>6} {'precision':>9} {'recall':>7} {'leaked':>7}"]
    groups = [(k, None) for k in PLACEHOLDERS] + [(None, lang) for lang in ("en", "ru")] + [(None, None)]
    groups += [(k, lang) for lang in ("en", "ru") for k in PLACEHOLDERS]
    for kind, language in groups:
        f = figures(counts, kind, language)
        name = " ".join(x for x in (language, kind) if x) or "overall"
        lines.append(
            f"{name:24} {f['labelled']:8d} {f['found']:6d} {f['precision']:9.3f} {f['recall']:7.3f} {f['leaked']:7.3f}"
        )
    return "\n".join(lines)


def main() -> None:
    rows = read_set()
    started = time.perf_counter()
    find_personal_data("My name is Anna Smith.", "en")
    find_personal_data("Меня зовут Анна Петрова.", "ru")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    found = detect(rows)
    per_utterance = (time.perf_counter() - started) / len(rows) * 1000
    result = score(rows, found)
    print(f"{len(rows)} utterances, {sum(not r['spans'] for r in rows)} without personal data")
    print(report(result["counts"]))
    print(f"first call (loads spaCy, natasha, lexicon): {loaded:.2f} s; then {per_utterance:.1f} ms per utterance")
    if "--show-errors" in sys.argv:
        print("\n".join(result["errors"]))


if __name__ == "__main__":
    main()
