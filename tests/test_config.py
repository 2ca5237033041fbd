"""Pipeline settings: the shipped YAML is valid; a wrong key or value is named in the error."""

from __future__ import annotations

import pytest
import yaml

from acw_speech.config import DEFAULT_PIPELINE, load_pipeline, with_overrides
from acw_speech.errors import ConfigError


def test_default_pipeline_loads_with_its_values():
    config = load_pipeline(DEFAULT_PIPELINE)
    assert config.languages == ["en", "ru"]
    assert config.channels.roles == ["agent", "customer"]
    assert config.asr.model == "whisper-base" and config.asr.vad is True
    assert config.reasons.model_path().is_file()


@pytest.mark.parametrize(
    "yaml_text, named",
    [
        ("asr:\n  beam_sise: 5\n", "asr.beam_sise"),
        ("asr:\n  device: tpu\n", "asr.device"),
        ("channels:\n  roles: [agent, agent]\n", "channels.roles"),
        ("audio:\n  min_duration_s: -1\n", "audio.min_duration_s"),
        ("languages: []\n", "languages"),
        ("languages: [en, xx]\n", "unknown language"),
        ("- just\n- a list\n", "mapping"),
        ("asr: [unclosed\n", "cannot read"),
        ("asr:\n  compute_type: int3\n", "asr.compute_type"),
        ("reasons:\n  taxonomy: airline\n", "no taxonomy 'airline'"),
        ("audio:\n  min_duration_s: 10\n  max_duration_s: 5\n", "must be longer than min_duration_s"),
    ],
)
def test_wrong_settings_are_named(tmp_path, yaml_text, named):
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert named in str(caught.value)


def test_missing_pipeline_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_pipeline(tmp_path / "nope.yaml")


def test_command_line_overrides_are_validated():
    config = load_pipeline()
    assert with_overrides(config, asr={"model": "/models/x", "device": None}).asr.model == "/models/x"
    with pytest.raises(ConfigError, match="asr.device"):
        with_overrides(config, asr={"device": "gpu"})


def test_a_broken_lexicon_is_a_config_error_naming_the_file(tmp_path):
    from acw_speech.config import read_lexicon
    from acw_speech.entities import load_entity_words

    broken = tmp_path / "entities.yaml"
    broken.write_text("en:\n  patterns: {amount: ['(unclosed']}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invalid entity lexicon .*entities\.yaml"):
        load_entity_words(broken)
    with pytest.raises(ConfigError, match="cannot read feedback cues"):
        read_lexicon(tmp_path / "missing.yaml", "feedback cues", dict)


@pytest.mark.parametrize(
    "templates, message",
    [
        ({"default": {"en": ["Reason {reason:d}"], "ru": ["x"]}}, "without ':d'"),
        ({"default": {"en": ["{reason!r}"], "ru": ["x"]}}, "without"),
        ({"default": {"en": ["{bogus}"], "ru": ["x"]}}, "names {bogus}"),
        ({"default": {"ru": ["x"]}}, "missing: en"),
        ({"default": {"en": ["x"], "ru": ["x"]}, "refund_return": {"zz": ["x"]}}, "has zz, not among languages"),
    ],
)
def test_summary_templates_that_would_fail_on_calls_are_refused_at_load(tmp_path, templates, message):
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"acw": {"templates": templates}}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_pipeline(path)


def test_the_default_pipeline_shows_the_summary_templates_a_pipeline_without_them_gets():
    from acw_speech.config import DEFAULT_TEMPLATES

    # a centre's own pipeline that leaves out acw.templates drafts exactly like the default one
    assert load_pipeline().acw.templates == DEFAULT_TEMPLATES
