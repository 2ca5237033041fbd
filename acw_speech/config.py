"""Pipeline settings: one validated place, loaded from `pipelines/*.yaml`."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Callable, Literal, TypeVar
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from acw_speech.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PIPELINE = PROJECT_ROOT / "pipelines" / "default.yaml"
MODELS_DIR = PROJECT_ROOT / "models"
T = TypeVar("T")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioConfig(Section):
    sample_rate: int = Field(16000, description="rate the recogniser works at")
    min_duration_s: float = Field(0.3, ge=0, description="shorter recordings get status too_short")
    max_duration_s: float = Field(4 * 3600, gt=0, description="longer recordings get status too_long")
    window_s: float = Field(
        300, ge=60, description="longer recordings are decoded and transcribed this many seconds at a time"
    )
    dual_mono_correlation: float = Field(
        0.98, gt=0, le=1, description="two channels this correlated carry the same signal and are one channel"
    )
    silent_channel_dbfs: float = Field(-55.0, description="a channel quieter than this (RMS, dBFS) is silent")

    @model_validator(mode="after")
    def _shortest_below_longest(self) -> AudioConfig:
        if self.max_duration_s <= self.min_duration_s:
            raise ValueError(
                f"max_duration_s ({self.max_duration_s}) must be longer than min_duration_s ({self.min_duration_s})"
            )
        return self


class AsrConfig(Section):
    model: str = Field("whisper-base", description="whisper-base (bundled), a CTranslate2 directory or a model name")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: Literal[
        "default",
        "auto",
        "int8",
        "int8_float32",
        "int8_float16",
        "int8_bfloat16",
        "int16",
        "float16",
        "bfloat16",
        "float32",
    ] = Field("default", description="default = int8 on CPU, float16 on GPU (CTranslate2's types)")
    cpu_threads: int = Field(0, ge=0, description="0 = all cores")
    beam_size: int = Field(5, ge=1, le=10)
    vad: bool = True
    min_silence_ms: int = Field(500, ge=50, description="VAD: a pause this long splits speech")
    language_min_probability: float = Field(0.5, ge=0, le=1, description="below this, flag language_low_confidence")


class ChannelsConfig(Section):
    roles: list[Literal["agent", "customer"]] = Field(
        default_factory=lambda: ["agent", "customer"], description="role of channel 0 (left), channel 1 (right)"
    )

    @field_validator("roles")
    @classmethod
    def _two_distinct_roles(cls, roles: list[str]) -> list[str]:
        if len(roles) != 2 or len(set(roles)) != 2:
            raise ValueError("give one role per channel, e.g. [agent, customer]")
        return roles


class RedactionConfig(Section):
    enabled: bool = Field(True, description="replace personal data in turns, transcripts and drafts by placeholders")
    keep_raw_transcript: bool = Field(
        False, description="also store the unredacted turns (turns.raw_text); only where policy allows it"
    )


class TurnsConfig(Section):
    mono_pause_s: float = Field(0.3, gt=0, description="mono: a pause this long may be a change of speaker")
    mono_voices: Literal["speaker_embedding", "pitch_timbre"] = Field(
        "speaker_embedding",
        description="mono: tell the two voices apart by a speaker embedding (Resemblyzer) or by pitch and MFCCs",
    )
    max_turn_gap_s: float = Field(3.0, gt=0, description="the same side silent this long starts a new turn")


class ReasonsConfig(Section):
    taxonomy: str = Field(
        "contact_centre", pattern=r"^[a-z0-9_]+$", description="a taxonomy in models/<name>/taxonomy.yaml"
    )
    model: str | None = Field(None, description="a .skops file; default models/<taxonomy>/reason_model.skops")
    min_confidence: float = Field(0.3, ge=0, le=1, description="below this the reason is 'other'")

    @field_validator("taxonomy")
    @classmethod
    def _taxonomy_shipped(cls, taxonomy: str) -> str:
        if not (MODELS_DIR / taxonomy / "taxonomy.yaml").is_file():
            known = sorted(p.parent.name for p in MODELS_DIR.glob("*/taxonomy.yaml"))
            raise ValueError(f"no taxonomy {taxonomy!r} under {MODELS_DIR}; known: {', '.join(known) or 'none'}")
        return taxonomy

    def model_path(self) -> Path:
        return Path(self.model) if self.model else MODELS_DIR / self.taxonomy / "reason_model.skops"

    def taxonomy_path(self) -> Path:
        return MODELS_DIR / self.taxonomy / "taxonomy.yaml"


class DissatisfactionConfig(Section):
    long_silence_s: float = Field(20.0, gt=0, description="a gap this long between turns counts as hold/silence")
    interruption_overlap_s: float = Field(
        0.5, ge=0, description="a turn starting this long before the other side finished is an interruption"
    )
    repeat_decay: float = Field(
        0.5, ge=0, le=1, description="each further signal of the same kind counts this much less (0.5 = half)"
    )
    negation_window: int = Field(3, ge=0, description="words before a phrase searched for 'not', 'no', 'не'")
    score_roles: list[Literal["agent", "customer"]] = Field(
        default_factory=lambda: ["customer"],
        description="whose signals make the score; the others' (an agent's apology) are kept as evidence only",
    )
    lexicon: str | None = Field(None, description="a lexicon YAML; default models/lexicons/dissatisfaction.yaml")
    trend_drop: float = Field(
        0.4, gt=0, le=2, description="the customer's sentiment falling this much from first to last quarter..."
    )
    trend_end: float = Field(-0.2, ge=-1, le=1, description="...to end at or below this is a negative_trend signal")
    negative_trend_weight: float = Field(0.3, ge=0, le=1, description="what a negative trend adds to the score")

    def lexicon_path(self) -> Path:
        return Path(self.lexicon) if self.lexicon else MODELS_DIR / "lexicons" / "dissatisfaction.yaml"


# What an ACW summary template may name; a sentence naming a field the call has no value for is left out.
TEMPLATE_FIELDS = ("reason", "issue", "action", "outcome", "next_steps", "request", "dissatisfaction", "feedback")
DEFAULT_TEMPLATES = {
    "default": {
        "en": [
            "Contact reason: {reason}.",
            'Customer said: "{issue}".',
            'Agent said: "{action}".',
            "Customer was dissatisfied ({dissatisfaction}).",
            "Outcome: {outcome}.",
            "Next steps: {next_steps}.",
        ],
        "ru": [
            "Причина обращения: {reason}.",
            "Клиент сказал: «{issue}».",
            "Оператор сказал: «{action}».",
            "Клиент был недоволен ({dissatisfaction}).",
            "Итог: {outcome}.",
            "Дальнейшие шаги: {next_steps}.",
        ],
    }
}


class AcwConfig(Section):
    templates: dict[str, dict[str, list[str]]] = Field(
        default_factory=lambda: DEFAULT_TEMPLATES,
        description="summary sentences per contact reason (or default) and language, with {fields} from the draft",
    )
    summary_max_chars: int = Field(600, gt=40)
    dissatisfied_threshold: float = Field(
        0.5, ge=0, le=1, description="a dissatisfaction score this high is mentioned in the summary and tagged"
    )
    quote_max_words: int = Field(25, ge=3, description="longer customer or agent sentences are cut in the summary")
    step_max_words: int = Field(10, ge=3, description="a next step's words in the summary (whole in follow_ups)")
    min_issue_words: int = Field(4, ge=1, description="a customer sentence shorter than this is not their issue")
    lexicon: str | None = Field(None, description="templates and cue phrases; default models/lexicons/acw.yaml")

    @field_validator("templates")
    @classmethod
    def _templates_name_known_fields(cls, templates: dict[str, dict[str, list[str]]]) -> dict:
        if "default" not in templates:
            raise ValueError("a 'default' template is needed (for reasons without their own)")
        for reason, by_language in templates.items():
            for language, sentences in by_language.items():
                if not sentences:
                    raise ValueError(f"template {reason}.{language} has no sentences")
                for sentence in sentences:
                    try:
                        named = template_fields(sentence)
                    except ValueError as exc:
                        raise ValueError(f"template {reason}.{language} {sentence!r}: {exc}") from None
                    unknown = [f for f in named if f not in TEMPLATE_FIELDS]
                    if unknown:
                        raise ValueError(
                            f"template {reason}.{language} names {{{unknown[0]}}}; known: {', '.join(TEMPLATE_FIELDS)}"
                        )
        return templates

    def template(self, reason: str, language: str) -> list[str]:
        """The summary sentences for a reason in a language: its own, else the default's; English if none."""
        for key in (reason, "default"):
            by_language = self.templates.get(key) or {}
            if language in by_language:
                return by_language[language]
        return self.templates["default"].get("en") or next(iter(self.templates["default"].values()))

    def lexicon_path(self) -> Path:
        return Path(self.lexicon) if self.lexicon else MODELS_DIR / "lexicons" / "acw.yaml"


class BatchConfig(Section):
    workers: int = Field(1, ge=1, description="worker processes, each with its own models; 1 = in this process")
    flush_every_calls: int = Field(
        50, ge=1, description="finished calls are written as a new part file after this many calls..."
    )
    flush_every_s: float = Field(60.0, gt=0, description="...or this many seconds, whichever comes first")


class LlmConfig(Section):
    """Optional drafting through an OpenAI-compatible chat endpoint (a local vLLM, llama.cpp or Ollama server)."""

    enabled: bool = Field(False, description="redraft the summary and fields with the LLM; the built-in draft is kept")
    base_url: str | None = Field(
        None, description="the API root, e.g. http://127.0.0.1:8000/v1; requests go to {base_url}/chat/completions"
    )
    model: str = Field("", description="the model name the server serves (llama.cpp ignores it)")
    timeout_s: float = Field(30.0, gt=0, description="a request not answered in this many seconds falls back")
    api_key_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="the environment variable holding the API key, if the server needs one (never the key itself)",
    )
    max_summary_chars: int = Field(600, gt=40, description="a longer summary from the LLM is rejected")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, base_url: str | None) -> str | None:
        if base_url is None:
            return None
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{base_url!r} is not an http(s) URL such as http://127.0.0.1:8000/v1")
        _ = parts.port  # raises ValueError for a port that is not a number in 0..65535
        return base_url.strip().rstrip("/")

    @model_validator(mode="after")
    def _enabled_needs_a_server(self) -> LlmConfig:
        if self.enabled and not self.base_url:
            raise ValueError("llm.enabled is true but llm.base_url is not set (e.g. http://127.0.0.1:8000/v1)")
        return self


class PipelineConfig(Section):
    name: str = "default"
    languages: list[str] = Field(default_factory=lambda: ["en", "ru"], min_length=1)
    audio: AudioConfig = AudioConfig()
    asr: AsrConfig = AsrConfig()
    channels: ChannelsConfig = ChannelsConfig()
    turns: TurnsConfig = TurnsConfig()
    redaction: RedactionConfig = RedactionConfig()
    reasons: ReasonsConfig = ReasonsConfig()
    dissatisfaction: DissatisfactionConfig = DissatisfactionConfig()
    acw: AcwConfig = AcwConfig()
    batch: BatchConfig = BatchConfig()
    llm: LlmConfig = LlmConfig()

    @model_validator(mode="after")
    def _templates_in_the_pipeline_languages(self) -> PipelineConfig:
        for reason, by_language in self.acw.templates.items():
            unknown = sorted(set(by_language) - set(self.languages))
            if unknown:
                listed = ", ".join(unknown)
                raise ValueError(f"acw.templates.{reason} has {listed}, not among languages {self.languages}")
        missing = [code for code in self.languages if code not in self.acw.templates["default"]]
        if missing:
            raise ValueError(f"acw.templates.default needs a template in every language; missing: {', '.join(missing)}")
        return self

    @field_validator("languages")
    @classmethod
    def _whisper_knows_them(cls, languages: list[str]) -> list[str]:
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        unknown = [code for code in languages if code not in _LANGUAGE_CODES]
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}; use Whisper's codes such as en, ru, de, uk, kk")
        return list(dict.fromkeys(languages))


def load_pipeline(path: str | Path | None = None) -> PipelineConfig:
    """Read and validate a pipeline YAML; a wrong key or value is a ConfigError naming it."""
    return load_validated(Path(path) if path else DEFAULT_PIPELINE, PipelineConfig, "pipeline config")


def load_validated(path: Path, model: type[BaseModel], what: str, not_found: str = "") -> BaseModel:
    """A YAML mapping validated as `model`; a missing or unreadable file, or a wrong key or value, is a
    ConfigError saying which (`what` names the file's kind in the message, `not_found` adds a hint)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {path}{not_found}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{what} {path} must be a mapping of settings, not {type(raw).__name__}")
    try:
        return model(**raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"invalid {what} {path}: {problems}") from None


def read_lexicon(path: Path, what: str, build: Callable[[dict], T]) -> T:
    """A YAML lexicon (cue phrases, word lists) turned into ready-to-match form by `build`; an unreadable file or a
    bad entry (a broken pattern, a missing key) is a ConfigError naming the file, never a traceback mid-run."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None
    try:
        return build(raw)
    except (re.error, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"invalid {what} {path}: {exc!r}") from None


def template_fields(sentence: str) -> list[str]:
    """The {fields} an ACW summary template sentence names; ValueError for a stray brace, a format spec or a
    conversion ("{reason:d}", "{reason!r}"): fields are plain text, and a spec would fail on every call."""
    named = []
    for _, name, spec, conversion in string.Formatter().parse(sentence):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"write {{{name}}} plainly, without ':{spec}' or '!{conversion}'")
        named.append(name)
    return named


def with_overrides(config: PipelineConfig, **sections: dict) -> PipelineConfig:
    """A copy of `config` with some settings replaced (e.g. asr={"model": ...}), validated like the YAML."""
    merged = config.model_dump()
    for section, values in sections.items():
        if isinstance(merged.get(section), dict):
            merged[section].update({k: v for k, v in values.items() if v is not None})
        elif values is not None:
            merged[section] = values
    try:
        return PipelineConfig(**merged)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid setting: {problems}") from None
