"""Contact-reason models for the `banking` taxonomy: training, evaluation and the figures issue 4 holds them to."""

from __future__ import annotations

import importlib.util
import json
import re

import pandas as pd
import pytest
from conftest import ROOT, SHARED_DATA, acw

from acw_speech.errors import ConfigError
from acw_speech.reasons import classify_call, load_reason_model
from acw_speech.records import Turn
from acw_speech.taxonomy import load_taxonomy
from acw_speech.training import DataError, evaluate_model, fit, read_labelled

RU_TEST = ROOT / "tests" / "data" / "reasons_ru_banking.csv"
BANKING_MODEL = ROOT / "models" / "banking" / "reason_model.skops"
CC_MODEL = ROOT / "models" / "contact_centre" / "reason_model.skops"
BANKING_REASONS = {
    "card_replacement",
    "balance_inquiry",
    "money_transfer",
    "bill_payment",
    "transaction_dispute",
    "fees_and_charges",
    "login_password_reset",
    "branch_hours_location",
    "appointment",
    "order_checks",
    "account_open_close",
    "loan_mortgage",
    "update_personal_details",
    "other",
}


@pytest.fixture(scope="module")
def banking_data():
    spec = importlib.util.spec_from_file_location("build_banking_data", ROOT / "tools" / "build_banking_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def banking_model():
    return load_reason_model(BANKING_MODEL)


def test_both_taxonomies_have_the_reasons_the_centres_asked_for():
    banking = load_taxonomy("banking")
    assert set(banking.ids) == BANKING_REASONS
    assert len(load_taxonomy("contact_centre").ids) == 11
    for reason in banking.reasons:
        assert set(reason.display_name) == {"en", "ru"} and reason.crm_code.startswith("BNK-")
        assert reason.examples["en"] and reason.examples["ru"] and reason.acw_checklist


def test_a_taxonomy_without_other_or_with_a_double_id_is_refused(tmp_path):
    reason = {"crm_code": "X", "display_name": {"en": "A"}, "description": "d"}
    path = tmp_path / "t.yaml"
    path.write_text(
        json.dumps(
            {
                "name": "t",
                "version": "1",
                "languages": ["en"],
                "reasons": [{**reason, "id": "a"}, {**reason, "id": "a", "crm_code": "Y"}],
            }
        )
    )
    with pytest.raises(ConfigError, match="given twice: a"):
        load_taxonomy(path)
    path2 = tmp_path / "t2.yaml"
    path2.write_text(
        json.dumps(
            {
                "name": "t",
                "version": "1",
                "languages": ["en"],
                "reasons": [{**reason, "id": "a"}, {**reason, "id": "b", "crm_code": "Y"}],
            }
        )
    )
    with pytest.raises(ConfigError, match="needs the reason 'other'"):
        load_taxonomy(path2)


def test_banking77_test_accuracy_of_a_model_trained_on_its_train_split():
    train = pd.read_csv(SHARED_DATA / "banking77" / "train.csv").rename(columns={"category": "reason"})
    test = pd.read_csv(SHARED_DATA / "banking77" / "test.csv")
    pipeline = fit(train.assign(weight=1.0))
    accuracy = (pipeline.predict(test["text"].tolist()) == test["category"]).mean()
    assert accuracy >= 0.90, accuracy


def test_russian_test_set_covers_every_reason_and_the_shipped_model_gets_85_percent(banking_model):
    frame = read_labelled(RU_TEST, load_taxonomy("banking"))
    assert len(frame) >= 60 and set(frame["reason"]) == BANKING_REASONS and set(frame["language"]) == {"ru"}
    evaluation = evaluate_model(banking_model, frame)
    assert evaluation.accuracy >= 0.85, evaluation.misclassified.to_string()


def test_no_test_statement_is_a_near_copy_of_a_training_statement(banking_data):
    words = lambda text: set(re.sub(r"[^\w\s]", "", text.lower()).split())  # noqa: E731
    training = [words(t) for t in banking_data.build_training_data(SHARED_DATA)["text"]]
    for text in pd.read_csv(RU_TEST)["text"]:
        mine = words(text)
        closest = max(len(mine & other) / len(mine | other) for other in training)
        assert closest <= 0.5, text


def test_harper_valley_calls_whole_call_reason_nine_of_ten(banking_model, banking_data):
    outcomes = []
    for call_id, spoken, expected in banking_data.load_harper_valley_calls(SHARED_DATA):
        turns = [Turn(i, role, float(i), i + 1.0, text, 1.0) for i, (role, text) in enumerate(spoken)]
        outcomes.append((call_id, expected, classify_call(turns, banking_model).reason))
    assert len(outcomes) == 10
    assert sum(expected == got for _, expected, got in outcomes) >= 9, outcomes


def test_acw_train_then_evaluate_writes_model_card_confusion_matrix_and_misclassified(tmp_path):
    rows = [
        (text, reason)
        for reason in sorted(BANKING_REASONS)
        for text in load_taxonomy("banking").reason(reason).examples["en"]
        + load_taxonomy("banking").reason(reason).examples["ru"]
    ]
    data = tmp_path / "labelled.csv"
    pd.DataFrame(rows, columns=["text", "reason"]).to_csv(data, index=False)
    model = tmp_path / "model" / "reason_model.skops"

    trained = acw("train", str(data), "--taxonomy", "banking", "--model-out", str(model), "--heldout", "0")
    assert trained.returncode == 0, trained.stderr
    assert model.is_file() and (model.parent / "MODEL_CARD.md").is_file()
    metrics = json.loads((model.parent / "metrics.json").read_text())
    assert metrics["n_train"] == len(rows) and metrics["taxonomy"] == "banking"

    report = tmp_path / "report"
    evaluated = acw("evaluate", str(RU_TEST), "--taxonomy", "banking", "--model", str(model), "--report", str(report))
    assert evaluated.returncode == 0, evaluated.stderr
    scored = json.loads((report / "metrics.json").read_text())
    assert scored["n"] == len(pd.read_csv(RU_TEST)) and 0 < scored["accuracy"] < 1
    assert set(scored["per_reason"]) >= BANKING_REASONS
    assert (report / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    wrong = pd.read_csv(report / "misclassified.csv")
    assert len(wrong) == round((1 - scored["accuracy"]) * scored["n"])
    assert {"text", "reason", "predicted", "confidence"} <= set(wrong.columns)


def test_training_data_with_a_reason_outside_the_taxonomy_is_refused(tmp_path):
    data = tmp_path / "labelled.csv"
    data.write_text("text,reason\nmy card is lost,card_replacement\nhow do I fly,flights\n", encoding="utf-8")
    with pytest.raises(DataError, match="'flights' \\(1 rows\\)"):
        read_labelled(data, load_taxonomy("banking"))
    proc = acw("train", str(data), "--taxonomy", "banking", "--model-out", str(tmp_path / "m.skops"))
    assert proc.returncode == 1 and "flights" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "m.skops").exists()


def test_train_and_evaluate_refuse_what_would_give_a_wrong_model_or_a_lost_report(tmp_path):
    data = tmp_path / "labelled.csv"
    data.write_text("text,reason,weight\nmy card is lost,card_replacement,heavy\n", encoding="utf-8")
    with pytest.raises(DataError, match="weights must be numbers of 0 or more; rows 2"):
        read_labelled(data, load_taxonomy("banking"))
    checks = [
        (
            ["train", str(RU_TEST), "-t", "banking", "--model-out", str(tmp_path / "m.skops"), "--heldout", "0.9"],
            "from 0 to 0.5",
        ),
        (["train", str(RU_TEST), "-t", "banking", "--model-out", str(tmp_path)], "is a folder"),
        (["train", str(RU_TEST), "-t", "banking", "--model-out", ""], "empty string"),
        (
            ["evaluate", str(RU_TEST), "-t", "banking", "--model", str(CC_MODEL), "--report", str(tmp_path / "r")],
            "does not fit taxonomy banking",
        ),
        (["evaluate", str(RU_TEST), "-t", "banking", "--report", str(data)], "is a file, not a folder"),
        (["evaluate", str(RU_TEST), "-t", "banking", "--report", ""], "empty string"),
    ]
    for args, message in checks:
        proc = acw(*args)
        assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
    assert not list(tmp_path.glob("*.skops")) and not list(tmp_path.glob(".*.tmp"))
