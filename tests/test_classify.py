"""`acw classify`: reasons and dissatisfaction of text, for analysts trying a taxonomy without audio."""

from __future__ import annotations

import json

import pandas as pd
from conftest import acw


def test_statements_as_arguments_give_reason_confidence_score_and_signals_as_json():
    proc = acw(
        "classify",
        "--taxonomy",
        "banking",
        "--json",
        "I lost my debit card yesterday and need a new one",
        "это уже третий раз, когда я звоню, верните деньги за двойное списание",
    )
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["reason"] == "card_replacement" and 0.3 < first["confidence"] <= 1
    assert first["dissatisfaction"] == 0 and first["signals"] == []
    assert second["reason"] == "transaction_dispute" and second["reason_name"] == "Оспаривание операции"
    assert second["dissatisfaction"] > 0
    repeat = [s for s in second["signals"] if s["kind"] == "repeat_contact"]
    assert repeat and repeat[0]["turn"] == 0 and "третий раз" in repeat[0]["words"]


def test_a_file_with_roles_and_calls_is_classified_call_by_call_and_written(tmp_path):
    chat = pd.DataFrame(
        {
            "conversation": ["a", "a", "a", "b"],
            "speaker": ["agent", "customer", "agent", "customer"],
            "utterance": [
                "Thank you for calling, how can I help?",
                "I'd like to book an appointment with a mortgage advisor next week",
                "I'm sorry for the wait, let me check the calendar",
                "what time does your branch on Main Street close today",
            ],
        }
    )
    source = tmp_path / "chats.csv"
    chat.to_csv(source, index=False)
    out = tmp_path / "results.parquet"
    proc = acw(
        "classify",
        "--file",
        str(source),
        "--text-column",
        "utterance",
        "--role-column",
        "speaker",
        "--call-column",
        "conversation",
        "--taxonomy",
        "banking",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    results = pd.read_parquet(out).set_index("call")
    assert list(results.index) == ["a", "b"]
    assert results.loc["a", "reason"] == "appointment" and results.loc["b", "reason"] == "branch_hours_location"
    kinds = {s["kind"]: s for s in results.loc["a", "signals"]}
    assert kinds["agent_apology"]["turn"] == 2 and kinds["agent_apology"]["role"] == "agent"
    assert "appointment" in proc.stdout and "branch_hours_location" in proc.stdout


def test_bad_classify_inputs_are_clear_errors(tmp_path):
    source = tmp_path / "texts.csv"
    source.write_text("body\nhello\n", encoding="utf-8")
    for args, message in (
        (["--file", str(source)], "no text column 'text'"),
        (["--file", str(tmp_path / "none.csv")], "file not found"),
        ([], "as arguments or a --file"),
        (["hello", "--out", str(tmp_path / "x.xlsx")], "must end in .csv, .parquet or .jsonl"),
        (["hello", "--taxonomy", "airline"], "no taxonomy 'airline'"),
    ):
        proc = acw("classify", *args)
        assert proc.returncode == 1, args
        assert message in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)


def test_role_and_call_columns_are_used_when_present_and_a_blank_call_id_is_named(tmp_path):
    chat = tmp_path / "chat.csv"
    chat.write_text(
        "call,role,text\n"
        "1,agent,I'm so sorry about the wait\n"
        "1,agent,Let me look at your account\n"
        "2,customer,I lost my card and need a new one\n",
        encoding="utf-8",
    )
    proc = acw("classify", "--file", str(chat), "--taxonomy", "banking", "--json")
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())  # strict JSON: no NaN
    assert first["call"] == "1" and first["dissatisfaction"] is None  # no customer turn, no customer score
    assert first["signals"] == []
    assert second["reason"] == "card_replacement"
    chat.write_text("call,role,text\n,customer,I lost my card\n", encoding="utf-8")
    proc = acw("classify", "--file", str(chat))
    assert proc.returncode == 1 and "blank in rows 2" in proc.stderr
