"""`acw draft` and `acw redact`: written transcripts in, drafts and redacted text out, bad input a clear error."""

from __future__ import annotations

import json

import pytest
from conftest import acw

from acw_speech.errors import AcwError
from acw_speech.written import read_written_transcript

CALL_EN = """Agent: Thank you for calling Northwind, how can I help?
Customer: Hi, my name is John Miller. I was charged twice for my March bill, order number 48213.
Agent: I'm sorry about that. I've raised a refund request for $45.99.
You will receive the refund within five business days.
Customer: OK. My card is 4111 1111 1111 1111 and you can reach me on 415 555 0132.
Agent: I'll call you back tomorrow. Is there anything else I can help with?
Customer: No, thanks.
"""

CALL_RU = [
    {"role": "agent", "text": "Здравствуйте, чем могу помочь?"},
    {"role": "customer", "text": "Меня зовут Анна Петрова, у меня третий день не работает домашний интернет."},
    {"role": "agent", "text": "Я создала заявку на выезд мастера. Мастер придёт через три дня."},
    {"role": "customer", "text": "Хорошо, спасибо."},
]


def test_prefixed_lines_become_turns_and_a_line_without_prefix_continues_the_turn():
    transcript = read_written_transcript(CALL_EN)

    assert [t.role for t in transcript.turns] == ["agent", "customer", "agent", "customer", "agent", "customer"]
    assert transcript.turns[2].text.endswith("$45.99. You will receive the refund within five business days.")
    assert transcript.language == "en"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("hello there\nAgent: hi", "line 1: start each turn with its speaker"),
        ('[{"role": "boss", "text": "hi"}]', "turn 0: role must be agent or customer"),
        ('[{"role": "agent", "text": ""}]', "turn 0: text must be a non-empty string"),
        ('[{"role": "agent", "text": "hi", "start": 5, "end": 1}]', "not a time span"),
        ('{"turns": 3}', "non-empty list of turns"),
        ("[{", "not valid JSON"),
    ],
)
def test_unreadable_transcripts_name_the_problem(text, message):
    with pytest.raises(AcwError, match=message):
        read_written_transcript(text)


def test_draft_command_prints_a_redacted_structured_draft_with_dated_follow_ups(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(CALL_EN, encoding="utf-8")

    run = acw("draft", str(path), "--call-time", "2026-12-04T16:00:00+00:00")  # a Friday

    assert run.returncode == 0, run.stderr
    draft = json.loads(run.stdout)
    assert draft["contact_reason"] == "billing_payment"
    assert draft["customer_issue"] == {
        "text": "I was charged twice for my March bill, order number 48213",
        "turns": [1],
    }
    assert (draft["outcome"]["text"], draft["request_type"]["text"]) == ("callback_promised", "refund")
    assert draft["disposition"] == "CC-BIL/CALLBACK_PROMISED"
    dates = {f["due_text"]: f["due_date"] for f in draft["follow_ups"]}
    assert dates == {"within five business days": "2026-12-11", "tomorrow": "2026-12-05"}
    kinds = {(e["kind"], e["value"]) for e in draft["entities"]}
    assert {("order_number", "48213"), ("amount", "45.99"), ("card_number", "[CARD_NUMBER]")} <= kinds
    stored = json.dumps(draft)
    for personal in ("John Miller", "4111", "415 555", "0132"):
        assert personal not in stored
    assert "[PERSON_NAME]" in draft["turns"][1]["text"] and "[PHONE_NUMBER]" in draft["turns"][3]["text"]


def test_draft_command_reads_russian_json_from_stdin(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    run = subprocess.run(
        [sys.executable, "-m", "acw_speech", "draft", "-", "--call-time", "2026-12-05T10:00:00+03:00"],
        input=json.dumps(CALL_RU, ensure_ascii=False),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert run.returncode == 0, run.stderr
    draft = json.loads(run.stdout)
    assert draft["language"] == "ru" and draft["contact_reason"] == "technical_issue"
    assert draft["summary"].startswith("Причина обращения:") and "Итог: решено." in draft["summary"]
    assert [(f["due_text"], f["due_date"]) for f in draft["follow_ups"]] == [("через три дня", "2026-12-08")]
    assert "Анна Петрова" not in run.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["draft", "/no/such/file.txt"], "does not exist"),
        (["draft", "{tmp}", "--call-time", "yesterday"], "not an ISO 8601 time"),
        (["draft", "{tmp}", "--language", "de"], "not one of the pipeline's languages"),
        (["redact"], "as arguments or a --file"),
        (["redact", "x", "--language", "fr"], "--language must be one of"),
    ],
)
def test_bad_draft_and_redact_usage_is_a_clear_error(tmp_path, args, message):
    path = tmp_path / "call.txt"
    path.write_text(CALL_EN, encoding="utf-8")

    run = acw(*[a.replace("{tmp}", str(path)) for a in args])

    assert run.returncode == 1 and message in run.stderr and "Traceback" not in run.stderr


def test_redact_command_prints_each_text_redacted_and_what_it_found(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("my card is four one one one one one one one one one one one one one one one\nзаказ 48213\n")

    run = acw("redact", "--file", str(path), "--show")

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "my card is [CARD_NUMBER]",
        "  card_number: four one one one one one one one one one one one one one one one",
        "заказ 48213",
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ('"hello"', "non-empty list of turns"),
        ('[{"role": "agent", "text": "hi", "start": true}]', "numbers of seconds"),
        ('[{"role": "customer", "text": "hi", "start": 0, "end": 1e308}]', "finite seconds"),
        ("Agent: hello\nSupervisor: I am joining the call", "line 2: unknown speaker 'Supervisor'"),
    ],
)
def test_more_unreadable_transcripts_name_the_problem(text, message):
    with pytest.raises(AcwError, match=message):
        read_written_transcript(text)


def test_a_call_in_the_last_year_of_the_calendar_gets_no_due_date_and_no_traceback(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Agent: I'll call you back tomorrow.\nCustomer: Thanks.\n", encoding="utf-8")

    run = acw("draft", str(path), "--call-time", "9999-12-31T23:00:00-05:00")

    assert run.returncode == 0, run.stderr
    assert [(f["due_text"], f["due_date"]) for f in json.loads(run.stdout)["follow_ups"]] == [("tomorrow", None)]
