"""Written transcripts -> a `Transcript`: for drafting ACW without audio (`acw draft`), e.g. while tuning templates.

Two forms are read:

- JSON: a list of turns `{"role": "agent"|"customer", "text": ..., "start": s, "end": s}` (start and end
  optional), or an object with such a list under "turns";
- plain text: one turn per line, each starting with its speaker, `Agent:` / `Customer:` (also `Оператор:`,
  `Клиент:`, `Operator:`, `Caller:`); a line without a prefix continues the turn above, and a capitalised word
  and a colon that names no known speaker ("Supervisor:") is refused rather than guessed.
"""

from __future__ import annotations

import json
import math
import re

from acw_speech.errors import AcwError
from acw_speech.records import AGENT, CUSTOMER, Transcript, Turn
from acw_speech.text import script_language

SPEAKERS = {
    "agent": AGENT,
    "operator": AGENT,
    "оператор": AGENT,
    "агент": AGENT,
    "customer": CUSTOMER,
    "caller": CUSTOMER,
    "client": CUSTOMER,
    "клиент": CUSTOMER,
    "абонент": CUSTOMER,
}
_PREFIX = re.compile(r"^\s*(\w+)\s*:\s*(.*)$")
MAX_SECONDS = 7 * 24 * 3600.0  # longer than any call: a time past this is a mistake in the file


class TranscriptFormatError(AcwError):
    """A written transcript that cannot be read; the message names the line or turn."""


def read_written_transcript(text: str, language: str | None = None) -> Transcript:
    """A transcript from JSON turns or prefixed lines; the language is `language`, else guessed from the alphabet."""
    stripped = text.strip()
    if not stripped:
        raise TranscriptFormatError("the transcript is empty")
    rows = _json_turns(stripped) if _looks_like_json(stripped) else _prefixed_turns(stripped)
    turns = tuple(Turn(i, role, start, end, words, 1.0) for i, (role, words, start, end) in enumerate(rows))
    guessed = language or script_language(" ".join(t.text for t in turns))
    return Transcript(turns, guessed, None, "written", 1.0)


def _looks_like_json(text: str) -> bool:
    if text[0] in "[{":
        return True
    try:
        json.loads(text)  # a lone string, number or null: JSON, just not turns
        return True
    except json.JSONDecodeError:
        return False


def _json_turns(text: str) -> list[tuple[str, str, float, float]]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    turns = parsed.get("turns") if isinstance(parsed, dict) else parsed
    if not isinstance(turns, list) or not turns:
        raise TranscriptFormatError('JSON must be a non-empty list of turns, or an object with a "turns" list')
    rows, clock = [], 0.0
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise TranscriptFormatError(f"turn {i}: expected an object with role and text, got {type(turn).__name__}")
        role = SPEAKERS.get(str(turn.get("role", "")).strip().lower())
        if role is None:
            raise TranscriptFormatError(f"turn {i}: role must be agent or customer, not {turn.get('role')!r}")
        words = turn.get("text")
        if not isinstance(words, str) or not words.strip():
            raise TranscriptFormatError(f"turn {i}: text must be a non-empty string")
        start, end = _times(turn, i, clock)
        rows.append((role, words.strip(), start, end))
        clock = end
    return rows


def _times(turn: dict, i: int, clock: float) -> tuple[float, float]:
    """A turn's start and end: as given, or two seconds a turn after the one before."""
    given = [turn.get(key) for key in ("start", "end")]
    if any(isinstance(v, bool) or (v is not None and not isinstance(v, (int, float))) for v in given):
        raise TranscriptFormatError(f"turn {i}: start and end must be numbers of seconds")
    start = float(given[0]) if given[0] is not None else clock
    end = float(given[1]) if given[1] is not None else start + 2.0
    if not (math.isfinite(start) and math.isfinite(end)) or end > MAX_SECONDS:
        raise TranscriptFormatError(f"turn {i}: start and end must be finite seconds under {MAX_SECONDS:.0f}")
    if start < 0 or end < start:
        raise TranscriptFormatError(f"turn {i}: start {start} and end {end} are not a time span")
    return start, end


def _prefixed_turns(text: str) -> list[tuple[str, str, float, float]]:
    rows: list[list] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _PREFIX.match(line)
        role = SPEAKERS.get(match.group(1).lower()) if match else None
        if role is not None:
            rows.append([role, match.group(2).strip()])
        elif match and match.group(1)[0].isupper() and not match.group(1).isupper():
            raise TranscriptFormatError(  # "Supervisor: ..." read as the agent's words would put words in their mouth
                f"line {number}: unknown speaker {match.group(1)!r}; each turn is the agent's or the customer's "
                f"({', '.join(sorted(SPEAKERS))})"
            )
        elif rows:
            rows[-1][1] = f"{rows[-1][1]} {line.strip()}".strip()
        else:
            raise TranscriptFormatError(
                f"line {number}: start each turn with its speaker, e.g. 'Agent:' or 'Customer:' "
                "('Оператор:', 'Клиент:')"
            )
    rows = [r for r in rows if r[1]]
    if not rows:
        raise TranscriptFormatError("no turn has any words")
    return [(role, words, 2.0 * i, 2.0 * i + 2.0) for i, (role, words) in enumerate(rows)]
