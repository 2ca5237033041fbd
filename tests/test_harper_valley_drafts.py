"""The drafts of Harper Valley Bank's 10 calls hold what their agents logged (benchmarks/harper_valley_drafts.py)."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from harper_valley_drafts import evaluate  # noqa: E402


def test_drafts_get_at_least_21_of_the_23_logged_fields():
    rows = evaluate()

    assert len(rows) == 23 and len({r["call"] for r in rows}) == 10
    missed = sorted((r["call"], r["field"]) for r in rows if not r["right"])
    # both misses are street addresses spelled out in lower case over several turns ("zero zero one" / "main
    # that's m a i n" / "street"), which the redaction does not recognise as an address
    assert missed == [("02e41649e7c441fd", "home address"), ("034a32d3b6e4435a", "company address")]
    assert all(r["right"] for r in rows if r["field"] == "task_type")
