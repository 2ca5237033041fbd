"""Dissatisfaction signals against a held-out labelled set (tests/data/dissatisfaction_signals.csv): English and
Russian utterances, each labelled with the signal kinds it carries (or none), look-alikes included. The lexicon is
developed on its own set (models/lexicons/dissatisfaction_dev.csv), never on this one."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, WORD_KINDS

from acw_speech.config import DissatisfactionConfig
from acw_speech.dissatisfaction import score_dissatisfaction
from acw_speech.records import Transcript, Turn

TEST_SET = ROOT / "tests" / "data" / "dissatisfaction_signals.csv"
DEV_SET = ROOT / "models" / "lexicons" / "dissatisfaction_dev.csv"


def _found(row) -> set[str]:
    transcript = Transcript((Turn(0, row.role, 0.0, 1.0, row.text, 1.0),), row.language, 1.0, "channels", 1.0)
    config = DissatisfactionConfig(score_roles=["customer", "agent"])
    return {s.kind for s in score_dissatisfaction(transcript, config).signals}


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return pd.read_csv(TEST_SET, keep_default_na=False)


def test_the_set_has_40_utterances_per_language_covering_every_kind_and_look_alikes(labelled):
    for language in ("en", "ru"):
        rows = labelled[labelled["language"] == language]
        assert len(rows) >= 40
        kinds = {k for signals in rows["signals"] for k in signals.split("|") if k}
        assert kinds == WORD_KINDS
        assert (rows["signals"] == "").sum() >= 10  # utterances with no signal, look-alikes among them


@pytest.mark.parametrize("language", ["en", "ru"])
def test_signal_precision_and_recall(labelled, language):
    hits = false_alarms = misses = 0
    wrong = []
    for row in labelled[labelled["language"] == language].itertuples():
        expected = {k for k in row.signals.split("|") if k}
        found = _found(row)
        hits += len(found & expected)
        false_alarms += len(found - expected)
        misses += len(expected - found)
        if found != expected:
            wrong.append(f"{sorted(expected)} got {sorted(found)}: {row.text}")
    precision, recall = hits / (hits + false_alarms), hits / (hits + misses)
    assert precision >= 0.85 and recall >= 0.80, f"P {precision:.3f} R {recall:.3f}\n" + "\n".join(wrong)


def test_no_test_utterance_is_in_the_development_set(labelled):
    dev = {t.strip().lower() for t in pd.read_csv(DEV_SET, keep_default_na=False)["text"]}
    assert not [t for t in labelled["text"] if t.strip().lower() in dev]
