"""Optional ACW drafting through an OpenAI-compatible chat endpoint (a local vLLM, llama.cpp or Ollama server).

The built-in drafter (`acw_speech.acw`) always runs first: its draft is the starting point the model is shown, and
what the call keeps when anything goes wrong. The model must answer with JSON that fits `LlmAnswer` and cites only
turns the call has; otherwise `draft_with_llm` returns the built-in draft and the reason, and never raises.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, ValidationInfo, model_validator

from acw_speech.config import LlmConfig
from acw_speech.outcome import OUTCOMES, REQUEST_TYPES
from acw_speech.records import AcwDraft, DraftLine, Transcript

MAX_REPLY_BYTES = 1_000_000  # a chat reply with one ACW draft is a few kilobytes; more is a broken server
MAX_REASON_CHARS = 300

# No proxies from the environment: the transcript goes to the configured server and nowhere else.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CitedText(_Answer):
    text: str = Field(min_length=1)
    turns: list[StrictInt] = Field(min_length=1)


class CitedOutcome(_Answer):
    value: Literal[OUTCOMES]
    turns: list[StrictInt]


class CitedRequest(_Answer):
    value: Literal[REQUEST_TYPES]
    turns: list[StrictInt]


class LlmAnswer(_Answer):
    """What the model must answer: the draft's free-text and structured fields, each with the turns it came from."""

    summary: str = Field(min_length=1)
    issue: CitedText
    actions: list[CitedText]
    outcome: CitedOutcome
    request_type: CitedRequest
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]]

    @model_validator(mode="after")
    def _fits_the_call(self, info: ValidationInfo) -> LlmAnswer:
        context = info.context or {}
        max_chars = context.get("max_summary_chars")
        if max_chars is not None and len(self.summary) > max_chars:
            raise ValueError(f"summary has {len(self.summary)} characters, more than {max_chars}")
        known = context.get("turn_indexes")
        if known is not None:
            unknown = sorted(set(self.cited_turns()) - known)
            if unknown:
                raise ValueError(f"cites turn(s) {unknown} the call does not have")
        return self

    def cited_turns(self) -> list[int]:
        lines = [self.issue, *self.actions, self.outcome, self.request_type]
        return [t for line in lines for t in line.turns]


class LlmFallback(Exception):
    """The LLM gave no usable draft; the message says why, in one line."""


def draft_with_llm(
    transcript: Transcript, built_in: AcwDraft, config: LlmConfig, language: str
) -> tuple[AcwDraft, str | None]:
    """The built-in draft with its summary, issue, actions, outcome, request type and tags redrafted by the LLM, and
    None; or, on any failure, the built-in draft unchanged and the reason in one line.

    The caller must pass a transcript that is already redacted: its turns are sent to `config.base_url` as they
    are. Follow-ups, entities and customer feedback stay the built-in's; the disposition keeps its CRM code with
    the new outcome; evidence turns are the built-in's and every turn the LLM cited; the LLM's tags are added
    after the built-in's (which downstream filters rely on, e.g. "dissatisfied")."""
    try:
        answer = _ask(transcript, built_in, config, language)
    except LlmFallback as exc:
        return built_in, _one_line(str(exc))
    except Exception as exc:  # the contract is "never raises": an unforeseen failure still keeps the built-in draft
        return built_in, _one_line(f"unexpected {type(exc).__name__}: {exc}")
    return _redrafted(built_in, answer), None


def _ask(transcript: Transcript, built_in: AcwDraft, config: LlmConfig, language: str) -> LlmAnswer:
    if not config.base_url:
        raise LlmFallback("llm.base_url is not set")
    reply = _post(f"{config.base_url}/chat/completions", chat_request(transcript, built_in, config, language), config)
    choices = reply.get("choices") if isinstance(reply, dict) else None
    if not isinstance(choices, list) or not choices:
        raise LlmFallback("the reply has no choices")
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        refusal = message.get("refusal")
        raise LlmFallback(f"the model refused: {refusal}" if refusal else "the reply's message has no content")
    context = {"max_summary_chars": config.max_summary_chars, "turn_indexes": {t.index for t in transcript.turns}}
    try:
        return LlmAnswer.model_validate_json(content, context=context)
    except ValidationError as exc:
        raise LlmFallback(_answer_problem(exc, choice.get("finish_reason"))) from None


def chat_request(transcript: Transcript, built_in: AcwDraft, config: LlmConfig, language: str) -> dict:
    """The /chat/completions body: instructions, the turns one per line, the built-in draft and the answer schema."""
    schema = LlmAnswer.model_json_schema()
    schema["properties"]["summary"]["maxLength"] = config.max_summary_chars
    lines = "\n".join(f"[{t.index}] {t.role}: {t.text}" for t in transcript.turns)
    starting_point = json.dumps(_structured_fields(built_in), ensure_ascii=False, indent=1)
    body = {
        "messages": [
            {"role": "system", "content": _instructions(language, config.max_summary_chars)},
            {
                "role": "user",
                "content": f"Transcript, one turn per line as [index] role: text\n{lines}\n\n"
                f"Draft made by rules, as a starting point:\n{starting_point}",
            },
        ],
        "temperature": 0,
        "stream": False,
        "response_format": {"type": "json_schema", "json_schema": {"name": "acw_draft", "schema": schema}},
    }
    if config.model:
        body["model"] = config.model
    return body


def _instructions(language: str, max_summary_chars: int) -> str:
    return (
        "You write the after-call work record of one contact-centre call from its transcript. "
        "State only what the transcript says: add no names, numbers, dates, amounts or promises it does not contain, "
        "and keep placeholders such as [PHONE_NUMBER] exactly as written. "
        "For every field, cite in `turns` the indexes of the turns it comes from (the number in brackets). "
        f"Write the summary and every text field in the call's language (ISO 639-1 code {language!r}). "
        f"The summary is at most {max_summary_chars} characters. "
        "issue is the customer's issue in one sentence; actions are what the agent did during the call; "
        f"outcome is one of {', '.join(OUTCOMES)}; request_type, the CRM request to create, is one of "
        f"{', '.join(REQUEST_TYPES)}; tags are short lowercase labels. "
        "A draft made by rules is given as a starting point: keep what the transcript supports and correct the rest. "
        "Answer with JSON only, matching the schema."
    )


def _structured_fields(draft: AcwDraft) -> dict:
    def line(draft_line: DraftLine | None) -> dict | None:
        return {"text": draft_line.text, "turns": list(draft_line.turns)} if draft_line else None

    return {
        "issue": line(draft.issue),
        "actions": [line(a) for a in draft.actions],
        "outcome": line(draft.outcome),
        "request_type": line(draft.request_type),
        "tags": list(draft.tags),
        "follow_ups": [{"owner": f.owner, "action": f.action, "turn": f.turn_index} for f in draft.follow_ups],
        "entities": [{"kind": e.kind, "text": e.text, "turn": e.turn_index} for e in draft.entities],
    }


def _post(url: str, body: dict, config: LlmConfig) -> object:
    """POST JSON and read the JSON reply; any network, HTTP or decoding problem is an LlmFallback."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if config.api_key_env:
        key = os.environ.get(config.api_key_env)
        if not key:
            raise LlmFallback(f"environment variable {config.api_key_env} (llm.api_key_env) is not set")
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, json.dumps(body).encode("utf-8"), headers, method="POST")
    try:
        with _OPENER.open(request, timeout=config.timeout_s) as response:
            raw = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise LlmFallback(f"HTTP {exc.code} {exc.reason} from {url}: {_error_body(exc)}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise LlmFallback(f"no answer from {url} within {config.timeout_s:g} s") from None
        raise LlmFallback(f"cannot reach {url}: {exc.reason}") from None
    except TimeoutError:
        raise LlmFallback(f"no answer from {url} within {config.timeout_s:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise LlmFallback(f"connection to {url} failed: {type(exc).__name__} {exc}") from None
    if len(raw) > MAX_REPLY_BYTES:
        raise LlmFallback(f"the reply from {url} is larger than {MAX_REPLY_BYTES} bytes")
    try:
        return json.loads(raw)
    except ValueError:
        raise LlmFallback(f"the reply from {url} is not JSON: {raw[:80]!r}") from None


def _error_body(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(200).decode("utf-8", "replace") or "(no body)"
    except Exception:  # the body is only a hint in the reason
        return "(body unreadable)"


def _answer_problem(error: ValidationError, finish_reason: object) -> str:
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        cut = " (cut off: the model ran out of tokens)" if finish_reason == "length" else ""
        return f"the model's answer is not JSON{cut}: {first['msg']}"
    where = ".".join(str(p) for p in first["loc"]) or "answer"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"the model's answer does not fit the schema: {where}: {first['msg']}{more}"


def _redrafted(built_in: AcwDraft, answer: LlmAnswer) -> AcwDraft:
    def line(text: str, turns: list[int]) -> DraftLine:
        return DraftLine(text, tuple(sorted(set(turns))))

    return replace(
        built_in,
        summary=answer.summary,
        tags=tuple(dict.fromkeys([*built_in.tags, *answer.tags])),
        issue=line(answer.issue.text, answer.issue.turns),
        actions=tuple(line(a.text, a.turns) for a in answer.actions),
        outcome=line(answer.outcome.value, answer.outcome.turns),
        request_type=line(answer.request_type.value, answer.request_type.turns),
        evidence_turns=tuple(sorted(set(built_in.evidence_turns) | set(answer.cited_turns()))),
        disposition=_disposition(built_in.disposition, answer.outcome.value),
    )


def _disposition(built_in: str | None, outcome: str) -> str | None:
    """The built-in disposition's CRM code (before the last '/') with the new outcome."""
    if built_in is None:
        return None
    crm_code = built_in.rpartition("/")[0] if "/" in built_in else built_in
    return f"{crm_code}/{outcome.upper()}"


def _one_line(reason: str) -> str:
    reason = re.sub(r"\s+", " ", reason).strip() or "unknown failure"
    return reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"
