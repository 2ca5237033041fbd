"""Contact-reason taxonomies: the reasons a centre files calls under, kept as data in `models/<name>/taxonomy.yaml`.

Each reason has an id (what the model predicts), a CRM code, a display name and example phrases per language, a
description, and the ACW checklist of what the agent must record for that kind of call. Every taxonomy has `other`,
where out-of-scope calls and unsure predictions go.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from acw_speech.config import MODELS_DIR, load_validated

OTHER = "other"


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    crm_code: str = Field(min_length=1)
    request_type: Literal["order", "return", "refund", "complaint", "service_request", "none"] = "none"
    display_name: dict[str, str]
    description: str = Field(min_length=1)
    examples: dict[str, list[str]] = Field(default_factory=dict)
    acw_checklist: list[str] = Field(default_factory=list)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    version: str
    languages: list[str] = Field(min_length=1)
    reasons: list[Reason] = Field(min_length=2)

    @field_validator("reasons")
    @classmethod
    def _ids_unique_and_other_present(cls, reasons: list[Reason]) -> list[Reason]:
        ids = [r.id for r in reasons]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ValueError(f"reason ids given twice: {', '.join(doubles)}")
        codes = [r.crm_code for r in reasons]
        if len(set(codes)) != len(codes):
            raise ValueError("every reason needs its own crm_code")
        if OTHER not in ids:
            raise ValueError(f"a taxonomy needs the reason '{OTHER}' (out of scope, or not sure)")
        return reasons

    @model_validator(mode="after")
    def _named_in_every_language(self) -> Taxonomy:
        for reason in self.reasons:
            missing = [lang for lang in self.languages if lang not in reason.display_name]
            if missing:
                raise ValueError(f"reason {reason.id} has no display name in {', '.join(missing)}")
        return self

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.reasons)

    def reason(self, reason_id: str) -> Reason:
        for reason in self.reasons:
            if reason.id == reason_id:
                return reason
        raise KeyError(reason_id)

    def display_names(self) -> dict[str, dict[str, str]]:
        """reason id -> {language: display name}."""
        return {r.id: dict(r.display_name) for r in self.reasons}


def taxonomy_path(name: str) -> Path:
    return MODELS_DIR / name / "taxonomy.yaml"


def known_taxonomies() -> list[str]:
    return sorted(p.parent.name for p in MODELS_DIR.glob("*/taxonomy.yaml"))


def load_taxonomy(name_or_path: str | Path) -> Taxonomy:
    """A shipped taxonomy by name (`banking`) or a taxonomy YAML by path; a wrong key or value is a ConfigError."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = taxonomy_path(str(name_or_path))
    return _load(path.resolve())


@lru_cache(maxsize=16)
def _load(path: Path) -> Taxonomy:
    shipped = f" (shipped: {', '.join(known_taxonomies()) or 'none'})"
    return load_validated(path, Taxonomy, "taxonomy", not_found=shipped)
