"""ACW drafts of the 10 Harper Valley Bank calls against what the agent logged (`agent.responses` in the metadata).

Each logged field is one check: the task type against the draft's contact reason, each slot against the draft's
entities (amounts, accounts, card type, day, time, company). A slot holding personal data (phone, home or company
address) counts as right when the draft has a redacted entity of that kind: the draft records that it was given,
never the value. The human transcripts are used (the corpus's audio is not in ../shared), so this measures the
drafter, not the recogniser.

    .venv/bin/python benchmarks/harper_valley_drafts.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from build_banking_data import HARPER_VALLEY_TASKS  # noqa: E402

from acw_speech.config import load_pipeline, with_overrides  # noqa: E402
from acw_speech.records import AGENT, CUSTOMER, Transcript, Turn  # noqa: E402
from acw_speech.run import CallAnalyzer  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "harper-valley-bank-sample"
# logged slot -> (entity kind in the draft, whether the value is personal data and so redacted)
SLOT_ENTITIES = {
    "replacement card type": ("card_type", False),
    "balance check account type": ("account", False),
    "transfer source account": ("source_account", False),
    "transfer destination account": ("destination_account", False),
    "transfer amount": ("amount", False),
    "money amount": ("amount", False),
    "day": ("date", False),
    "time": ("time", False),
    "company name": ("organisation", False),
    "phone": ("phone_number", True),
    "home address": ("street_address", True),
    "company address": ("street_address", True),
}


def call_transcript(sid: str) -> Transcript:
    turns = []
    for line in (DATA / "transcript" / f"{sid}.jsonl").read_text(encoding="utf-8").splitlines():
        segment = json.loads(line)
        text = re.sub(r"\[\w+\]|<unk>", "", segment["human_transcript"]).strip()
        if text:
            role = AGENT if segment["speaker_role"] == "agent" else CUSTOMER
            start = segment["start_ms"] / 1000
            turns.append(Turn(len(turns), role, start, start + segment["duration_ms"] / 1000, text, 1.0))
    return Transcript(tuple(turns), "en", 1.0, "channels", 1.0)


def logged_fields(sid: str) -> dict[str, str]:
    metadata = json.loads((DATA / "metadata" / f"{sid}.json").read_text(encoding="utf-8"))
    return {k: str(v) for response in metadata["agent"]["responses"] for k, v in response["data"].items()}


def field_right(name: str, logged: str, reason: str, entities: list[dict]) -> bool:
    if name == "task_type":
        return HARPER_VALLEY_TASKS[logged] == reason
    kind, personal = SLOT_ENTITIES[name]
    values = [e["value"] for e in entities if e["kind"] == kind]
    if personal:
        return bool(values)
    return _normal(logged) in {_normal(v) for v in values}


def _normal(value: str) -> str:
    """ "$113" -> "113", "11 am" -> "11:00", "Monday" -> "monday"."""
    value = value.lower().strip().lstrip("$")
    if m := re.fullmatch(r"(\d{1,2})(?::(\d\d))?\s*([ap])\.?\s?m\.?", value):
        return f"{int(m.group(1)) % 12 + (12 if m.group(3) == 'p' else 0):02d}:{m.group(2) or '00'}"
    return value


def evaluate() -> list[dict]:
    """One row per logged field: call, field, logged value, what the draft holds, right or not."""
    analyzer = CallAnalyzer(with_overrides(load_pipeline(), reasons={"taxonomy": "banking"}))
    rows = []
    for sid in sorted(p.stem for p in (DATA / "metadata").glob("*.json")):
        analysis = analyzer.analyze(call_transcript(sid))
        reason = analysis["reason"].reason
        entities = [vars(e) for e in analysis["draft"].entities]
        for name, logged in logged_fields(sid).items():
            kind = "contact_reason" if name == "task_type" else SLOT_ENTITIES[name][0]
            drafted = reason if name == "task_type" else [e["value"] for e in entities if e["kind"] == kind]
            rows.append(
                {
                    "call": sid,
                    "field": name,
                    "logged": logged,
                    "drafted": drafted,
                    "right": field_right(name, logged, reason, entities),
                }
            )
    return rows


def main() -> None:
    rows = evaluate()
    for row in rows:
        mark = "ok  " if row["right"] else "MISS"
        print(f"{mark} {row['call']} {row['field']:<30} logged {row['logged']!r:<45} draft {row['drafted']}")
    right = sum(r["right"] for r in rows)
    print(f"\nlogged fields right: {right} of {len(rows)} in {len({r['call'] for r in rows})} calls")


if __name__ == "__main__":
    main()
