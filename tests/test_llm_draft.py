"""LLM drafting: a scripted OpenAI-compatible server on 127.0.0.1 redrafts the fields, or the built-in draft stays."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from acw_speech.config import DEFAULT_PIPELINE, LlmConfig, load_pipeline
from acw_speech.errors import ConfigError
from acw_speech.llm_draft import draft_with_llm
from acw_speech.records import AGENT, CUSTOMER, AcwDraft, DraftLine, Entity, Feedback, FollowUp, Transcript, Turn

TEXTS = [
    (AGENT, "Thank you for calling, how can I help?"),
    (CUSTOMER, "I lost my card yesterday, you can reach me on [PHONE_NUMBER]."),
    (AGENT, "I have blocked the card and ordered a new one."),
    (AGENT, "Someone from the cards team will call you back tomorrow."),
    (CUSTOMER, "Thanks, maybe send a text next time."),
]
TRANSCRIPT = Transcript(
    turns=tuple(Turn(i, role, i * 5.0, i * 5.0 + 4, text, 0.9) for i, (role, text) in enumerate(TEXTS)),
    language="en",
    language_probability=0.99,
    role_source="channels",
    role_confidence=1.0,
)
BUILT_IN = AcwDraft(
    summary="Contact reason: lost card.",
    tags=("card_lost", "follow_up", "en"),
    follow_ups=(FollowUp("company", "call you back tomorrow", 3, "tomorrow"),),
    evidence_turns=(1, 2, 3, 4),
    customer_feedback=(Feedback(4, "maybe send a text next time"),),
    issue=DraftLine("I lost my card yesterday", (1,)),
    actions=(DraftLine("I have blocked the card", (2,)),),
    outcome=DraftLine("resolved", (2,)),
    request_type=DraftLine("service_request", (1,)),
    entities=(Entity("phone", "[PHONE_NUMBER]", "[PHONE_NUMBER]", 1),),
    disposition="CARD_LOST/RESOLVED",
)
ANSWER = {
    "summary": "The customer lost their card; the agent blocked it, ordered a new one and promised a callback.",
    "issue": {"text": "The customer lost their card yesterday.", "turns": [1]},
    "actions": [
        {"text": "Blocked the card.", "turns": [2]},
        {"text": "Ordered a replacement card.", "turns": [2]},
    ],
    "outcome": {"value": "callback_promised", "turns": [3]},
    "request_type": {"value": "order", "turns": [2, 0]},
    "tags": ["card_lost", "replacement_card"],
}


def chat_reply(content, choices=True) -> dict:
    message = {"role": "assistant", "content": content}
    return {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": message}] if choices else []}


class ScriptedServer(ThreadingHTTPServer):
    """Answers every POST with `status` and `reply` after `delay_s`; keeps what it was sent."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.status, self.reply, self.delay_s = 200, chat_reply(json.dumps(ANSWER)), 0.0
        self.requests: list[tuple[str, dict, dict]] = []  # (path, headers, body)
        self.released = threading.Event()  # ends a scripted delay when the test is over

    def handle_error(self, request, client_address):
        pass  # the client hung up after its timeout: expected, not worth a traceback


class ScriptedHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        server: ScriptedServer = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append((self.path, dict(self.headers), body))
        if server.delay_s:
            server.released.wait(server.delay_s)
        payload = server.reply if isinstance(server.reply, bytes) else json.dumps(server.reply).encode()
        self.send_response(server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    scripted = ScriptedServer()
    thread = threading.Thread(target=scripted.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield scripted
    scripted.released.set()
    scripted.shutdown()
    scripted.server_close()
    thread.join(timeout=2)


def config_for(server: ScriptedServer, **settings) -> LlmConfig:
    values = {"enabled": True, "base_url": f"http://127.0.0.1:{server.server_port}/v1/", "model": "local-7b"}
    return LlmConfig(**{"timeout_s": 2.0, **values, **settings})


def test_a_valid_answer_replaces_the_drafted_fields(server):
    draft, reason = draft_with_llm(TRANSCRIPT, BUILT_IN, config_for(server), "en")
    assert reason is None
    assert draft.summary == ANSWER["summary"]
    assert draft.issue == DraftLine("The customer lost their card yesterday.", (1,))
    assert draft.actions == (DraftLine("Blocked the card.", (2,)), DraftLine("Ordered a replacement card.", (2,)))
    assert draft.outcome == DraftLine("callback_promised", (3,))
    assert draft.request_type == DraftLine("order", (0, 2))
    assert draft.tags == ("card_lost", "follow_up", "en", "replacement_card")  # the built-in's kept, first
    assert draft.disposition == "CARD_LOST/CALLBACK_PROMISED"
    assert draft.evidence_turns == (0, 1, 2, 3, 4)  # turn 0 cited by the LLM only, turn 4 by the built-in only
    assert draft.follow_ups == BUILT_IN.follow_ups
    assert draft.entities == BUILT_IN.entities
    assert draft.customer_feedback == BUILT_IN.customer_feedback


def test_the_request_carries_the_given_turns_and_the_answer_schema(server, monkeypatch):
    monkeypatch.setenv("ACW_TEST_LLM_KEY", "secret-token")
    config = config_for(server, api_key_env="ACW_TEST_LLM_KEY", max_summary_chars=300)
    draft_with_llm(TRANSCRIPT, BUILT_IN, config, "ru")
    [(path, headers, body)] = server.requests
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer secret-token"
    assert body["model"] == "local-7b" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["summary", "issue", "actions", "outcome", "request_type", "tags"]
    assert schema["properties"]["summary"]["maxLength"] == 300
    system, user = (m["content"] for m in body["messages"])
    assert "'ru'" in system and "callback_promised" in system
    for turn in TRANSCRIPT.turns:
        assert f"[{turn.index}] {turn.role}: {turn.text}" in user
    assert "[PHONE_NUMBER]" in user
    # the turns and the built-in draft hold no digits: any number sent is a turn index
    assert set(re.findall(r"\d+", user)) <= {str(t.index) for t in TRANSCRIPT.turns}
    assert "2026" not in json.dumps(body)


def test_no_key_is_sent_unless_configured(server):
    draft_with_llm(TRANSCRIPT, BUILT_IN, config_for(server), "en")
    [(_, headers, _)] = server.requests
    assert "Authorization" not in headers


@pytest.mark.parametrize(
    "status, reply, expected",
    [
        (500, {"error": "model crashed"}, "HTTP 500"),
        (200, b"<html>busy</html>", "reply from http://127.0.0.1"),
        (200, chat_reply("Sure! The customer lost their card."), "answer is not JSON"),
        (200, chat_reply(json.dumps({**ANSWER, "outcome": {"value": "maybe", "turns": [3]}})), "outcome.value"),
        (200, chat_reply(json.dumps({k: v for k, v in ANSWER.items() if k != "issue"})), "issue"),
        (200, chat_reply(json.dumps({**ANSWER, "summary": "   "})), "summary"),
        (200, chat_reply(json.dumps({**ANSWER, "summary": "x" * 601})), "more than 600"),
        (200, chat_reply(json.dumps({**ANSWER, "issue": {"text": "Lost card.", "turns": [9]}})), "turn(s) [9]"),
        (200, chat_reply(json.dumps({**ANSWER, "actions": [{"text": "Blocked.", "turns": ["2"]}]})), "actions.0"),
        (200, chat_reply(json.dumps(ANSWER), choices=False), "no choices"),
        (200, chat_reply(None), "no content"),
    ],
)
def test_a_bad_reply_keeps_the_built_in_draft(server, status, reply, expected):
    server.status, server.reply = status, reply
    draft, reason = draft_with_llm(TRANSCRIPT, BUILT_IN, config_for(server), "en")
    assert draft is BUILT_IN
    assert expected in reason and "\n" not in reason


def test_a_closed_port_keeps_the_built_in_draft():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = LlmConfig(enabled=True, base_url=f"http://127.0.0.1:{port}/v1", timeout_s=2)
    draft, reason = draft_with_llm(TRANSCRIPT, BUILT_IN, config, "en")
    assert draft is BUILT_IN
    assert reason.startswith("cannot reach") and "refused" in reason.lower()


def test_a_server_slower_than_the_timeout_keeps_the_built_in_draft(server):
    server.delay_s = 3.0
    started = time.monotonic()
    draft, reason = draft_with_llm(TRANSCRIPT, BUILT_IN, config_for(server, timeout_s=0.5), "en")
    assert time.monotonic() - started < 2.0
    assert draft is BUILT_IN
    assert "within 0.5 s" in reason


def test_a_missing_key_variable_keeps_the_built_in_draft(server, monkeypatch):
    monkeypatch.delenv("ACW_TEST_LLM_KEY", raising=False)
    draft, reason = draft_with_llm(TRANSCRIPT, BUILT_IN, config_for(server, api_key_env="ACW_TEST_LLM_KEY"), "en")
    assert draft is BUILT_IN and "ACW_TEST_LLM_KEY" in reason
    assert server.requests == []  # nothing sent without the key


def test_llm_is_off_in_the_default_pipeline():
    llm = load_pipeline(DEFAULT_PIPELINE).llm
    assert llm.enabled is False and llm.base_url is None and llm.timeout_s == 30


@pytest.mark.parametrize(
    "settings, named",
    [
        ({"enabled": True}, "llm.base_url is not set"),
        ({"base_url": "ftp://10.0.0.5/v1"}, "not an http(s) URL"),
        ({"base_url": "localhost:8000"}, "not an http(s) URL"),
        ({"base_url": "http://127.0.0.1:99999/v1"}, "base_url"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"api_key_env": "sk-live-1234"}, "api_key_env"),  # the key itself instead of the variable's name
        ({"api_key": "sk-live-1234"}, "api_key"),
    ],
)
def test_wrong_llm_settings_are_refused(settings, named):
    with pytest.raises(ValidationError, match=re.escape(named)):
        LlmConfig(**settings)


def test_the_pipeline_yaml_names_a_missing_base_url(tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text("llm:\n  enabled: true\n")
    with pytest.raises(ConfigError, match=r"llm: .*llm.base_url is not set"):
        load_pipeline(path)


def test_a_valid_llm_section_loads():
    llm = LlmConfig(enabled=True, base_url=" https://llm.internal:8443/v1/ ", api_key_env="LLM_KEY")
    assert llm.base_url == "https://llm.internal:8443/v1" and llm.api_key_env == "LLM_KEY"
