"""Call metadata from a manifest (CSV or Parquet): which recording, when, which agent and queue, which number.

One row per recording. Only `path` is required; relative paths are taken from the manifest's folder. The customer's
phone number is never stored: it becomes a keyed hash (HMAC-SHA-256 with the key in `ACW_PHONE_HASH_KEY`), so
repeat callers can be counted without keeping their numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from acw_speech.errors import ConfigError
from acw_speech.records import CallDetails

PHONE_KEY_VARIABLE = "ACW_PHONE_HASH_KEY"
COLUMNS = (
    "path",
    "call_id",
    "start_time",
    "agent_id",
    "queue",
    "direction",
    "customer_phone",
    "language",
    "channel_map",
)
DIRECTIONS = ("inbound", "outbound", "internal")


def read_manifest(path: Path) -> dict[Path, CallDetails]:
    """recording path -> its details; a missing column, unknown column or bad value is a ConfigError naming the row."""
    table = _read_table(path)
    unknown = [c for c in table.columns if c not in COLUMNS]
    if unknown or "path" not in table.columns:
        raise ConfigError(
            f"manifest {path}: columns must include 'path' and may be {', '.join(COLUMNS)}; unknown: {unknown}"
        )
    key = _phone_key() if "customer_phone" in table.columns and table["customer_phone"].notna().any() else None
    details: dict[Path, CallDetails] = {}
    rows: dict[Path, int] = {}
    for number, row in enumerate(table.to_dict("records"), start=2):  # row 1 is the header
        try:
            recording = (path.parent / str(row["path"]).strip()).resolve()
            if recording in rows:
                raise ValueError(f"the recording {recording} is already listed in row {rows[recording]}")
            details[recording], rows[recording] = _details(row, key), number
        except ValueError as exc:
            raise ConfigError(f"manifest {path}, row {number}: {exc}") from None
    return details


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise ConfigError(f"manifest not found: {path}") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc}") from None


def _details(row: dict, key: bytes | None) -> CallDetails:
    text = {k: (None if pd.isna(v) else str(v).strip() or None) for k, v in row.items()}
    if not text.get("path"):
        raise ValueError("path is empty")
    direction = text.get("direction")
    language = text.get("language")
    if language is not None and language not in _whisper_languages():
        raise ValueError(f"language {language!r} is not a language code Whisper knows (e.g. en, ru)")
    if direction is not None and direction.lower() not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    return CallDetails(
        source_call_id=text.get("call_id"),
        call_start_time=_timestamp(text.get("start_time")),
        agent_id=text.get("agent_id"),
        queue=text.get("queue"),
        direction=direction.lower() if direction else None,
        customer_phone_hash=_phone_hash(text.get("customer_phone"), key),
        language_hint=language,
        channel_roles=_channel_roles(text.get("channel_map")),
    )


def _whisper_languages() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return _LANGUAGE_CODES


def _timestamp(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"start_time {value!r} is not an ISO 8601 date-time (e.g. 2026-12-03T14:05:00+01:00)"
        ) from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _channel_roles(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    roles = tuple(part.strip().lower() for part in re.split(r"[,;/ ]+", value) if part.strip())
    if sorted(roles) != ["agent", "customer"]:
        raise ValueError(f"channel_map {value!r} must name both roles in channel order, e.g. 'agent,customer'")
    return roles  # type: ignore[return-value]


def _phone_hash(number: str | None, key: bytes | None) -> str | None:
    if number is None or key is None:
        return None
    digits = re.sub(r"\D", "", number)
    if len(digits) < 5:
        raise ValueError("customer_phone has too few digits to be a phone number")
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:32]


def _phone_key() -> bytes:
    key = os.environ.get(PHONE_KEY_VARIABLE, "")
    if len(key) < 16:
        raise ConfigError(
            f"the manifest has customer phone numbers; set {PHONE_KEY_VARIABLE} to a secret of at least 16 characters "
            "so they are stored only as a keyed hash"
        )
    return key.encode()
