#!/usr/bin/env python3
"""Regenerate everything under ``sample_audio/``.

* Five scripted demo calls for the fictional company "Northwind", synthesised
  with espeak-ng (voices) and sox (resampling / mu-law encoding).
* Reference transcripts with real utterance times in
  ``sample_audio/references/<stem>.json``.
* Four real clips copied byte-for-byte from ``../shared/data`` with their licence
  texts (``sample_audio/licenses/``) and ``sample_audio/ATTRIBUTION.md``.
* ``sample_audio/README.md`` with a table of every file.

Usage (from the repository root)::

    python tools/make_sample_audio.py

Only the standard library and numpy are used; espeak-ng and sox (soxi) are
called through subprocess argument lists (never a shell).  The output is
deterministic: espeak-ng and sox are deterministic and the background noise
uses a fixed seed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "sample_audio"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

BASE_RATE = 16000  # all demo calls are synthesised at 16 kHz
PEAK_DBFS = -3.0  # per-utterance peak normalisation
NOISE_DBFS = -60.0  # RMS of the very light background noise
LEAD_SILENCE_S = 0.5  # silence at the start and at the end of each call
GAPS_S = (0.7, 0.6, 0.8, 0.6, 0.7, 0.6, 0.9, 0.6, 0.7, 0.6, 0.8)  # between turns
TRIM_THRESHOLD = 0.02  # fraction of the utterance peak treated as silence
TRIM_PAD_S = 0.02

# ---------------------------------------------------------------------------
# Demo call scripts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    name: str  # espeak-ng voice (+variant)
    pitch: int  # -p 0..99
    speed: int  # -s words per minute


@dataclass(frozen=True)
class DemoCall:
    stem: str
    language: str
    layout: str  # "stereo" | "mono"
    sample_rate: int
    encoding: str  # "pcm_s16le" | "mu-law"
    reason: str
    scenario: str
    agent: Voice
    customer: Voice
    turns: tuple[tuple[str, str], ...]  # (role, text); agent speaks first


EN_AGENT = Voice("en-us", 45, 160)
EN_CUSTOMER = Voice("en-gb+f3", 65, 155)

DEMO_CALLS: tuple[DemoCall, ...] = (
    DemoCall(
        stem="double_charge_refund",
        language="en",
        layout="stereo",
        sample_rate=16000,
        encoding="pcm_s16le",
        reason="billing_payment",
        scenario=(
            "Customer was charged twice on this month's bill; the agent confirms the "
            "duplicate charge and refunds it within five business days."
        ),
        agent=EN_AGENT,
        customer=EN_CUSTOMER,
        turns=(
            ("agent", "Thank you for calling Northwind Mobile, this is Sam, how can I help you today?"),
            ("customer", "Hi, I was charged twice for my phone bill this month."),
            ("agent", "Sorry about that. Let me check your account."),
            ("customer", "Please refund the extra charge."),
            ("agent", "I can see the duplicate payment. I have refunded it now."),
            ("customer", "When will I get the money back?"),
            ("agent", "It will be back within five business days."),
            ("customer", "Great, thank you for your help."),
        ),
    ),
    DemoCall(
        stem="angry_cancellation",
        language="en",
        layout="mono",
        sample_rate=16000,
        encoding="pcm_s16le",
        reason="cancellation",
        scenario=(
            "Angry customer calling for the third time wants to cancel the service, says it "
            "is unacceptable and asks for a manager; the agent escalates to a supervisor."
        ),
        agent=Voice("en-us", 30, 155),
        customer=Voice("en-gb+m3", 85, 160),
        turns=(
            ("agent", "Thank you for calling Northwind Mobile, this is Sam, how can I help you today?"),
            ("customer", "This is the third time I'm calling. I want to cancel my service."),
            ("agent", "I'm sorry to hear that. What went wrong?"),
            ("customer", "Nobody fixed my problem. This is unacceptable."),
            ("agent", "I understand. Can I offer you a discount to stay?"),
            ("customer", "No. Let me speak to your manager."),
            ("agent", "Of course. I have started the cancellation, and my supervisor will call you back today."),
            ("customer", "Fine. Goodbye."),
        ),
    ),
    DemoCall(
        stem="internet_not_working",
        language="en",
        layout="stereo",
        sample_rate=8000,
        encoding="mu-law",
        reason="technical_issue",
        scenario=(
            "Home internet keeps dropping even after a router restart; the agent runs a line "
            "test, finds a fault and books a technician."
        ),
        agent=EN_AGENT,
        customer=EN_CUSTOMER,
        turns=(
            ("agent", "Thank you for calling Northwind Mobile, this is Sam, how can I help you today?"),
            ("customer", "Hi, my internet at home keeps dropping all the time."),
            ("agent", "I'm sorry to hear that. Have you tried restarting your router?"),
            ("customer", "Yes, I restarted my router twice, but it still keeps dropping."),
            ("agent", "Okay, let me run a line test on your connection."),
            ("customer", "Sure, I will wait."),
            ("agent", "The test found a fault on the line outside your home. I will book a technician for you."),
            ("customer", "When can the technician come?"),
            ("agent", "The technician will visit tomorrow morning."),
            ("customer", "That works for me. Thank you."),
        ),
    ),
    DemoCall(
        stem="order_not_arrived",
        language="en",
        layout="mono",
        sample_rate=16000,
        encoding="pcm_s16le",
        reason="order_status_delivery",
        scenario=(
            "An order placed two weeks ago never arrived and tracking is stuck; the agent "
            "re-ships it and will email the new tracking number tomorrow."
        ),
        agent=Voice("en-us", 30, 160),
        customer=Voice("en-gb+f4", 90, 150),
        turns=(
            ("agent", "Thank you for calling Northwind Store, this is Sam, how can I help you today?"),
            ("customer", "Hi, I placed an order two weeks ago and it never arrived."),
            ("agent", "Sorry about that. Let me check the tracking."),
            ("customer", "The tracking page has not changed for ten days."),
            ("agent", "It looks like the package was lost, so I will send you a new one today."),
            ("customer", "Thank you. How will I know when it ships?"),
            ("agent", "We will email you the new tracking number tomorrow."),
            ("customer", "Perfect, thanks for your help."),
        ),
    ),
    DemoCall(
        stem="return_ru",
        language="ru",
        layout="stereo",
        sample_rate=16000,
        encoding="pcm_s16le",
        reason="refund_return",
        scenario=(
            "Russian-speaking customer wants to return a faulty kettle bought last week and get "
            "the money back; the agent opens a return request, refund within ten days."
        ),
        agent=Voice("ru", 45, 140),
        customer=Voice("ru-lv", 70, 125),
        turns=(
            ("agent", "Спасибо, что позвонили в Нордвинд, меня зовут Саша. Как я могу вам помочь?"),
            ("customer", "Здравствуйте. Я хочу вернуть чайник и получить деньги обратно."),
            ("agent", "Хорошо. Скажите, пожалуйста, почему вы хотите его вернуть?"),
            ("customer", "Он сломался через два дня. Я купила его на прошлой неделе."),
            ("agent", "Понятно. Я оформил возврат товара."),
            ("customer", "Когда вы вернёте деньги?"),
            ("agent", "Деньги вернутся на вашу карту в течение десяти дней."),
            ("customer", "Хорошо, спасибо большое."),
        ),
    ),
)

# ---------------------------------------------------------------------------
# Real clips (copied byte-for-byte from ../shared/data)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RealClip:
    src: str  # path relative to SHARED_DATA
    dest: str  # file name in sample_audio/
    language: str
    layout: str
    description: str
    upstream_repo: str
    upstream_path: str
    commit: str
    licence: str
    licence_file: str  # file name in sample_audio/licenses/
    reference_note: str


FW = "audio-faster-whisper-tests"
PYA = "audio-pyannote-sample"
PIS = "audio-pisets-ru-en"

LICENCE_COPIES = (
    # (source relative to SHARED_DATA, name in sample_audio/licenses/)
    (f"{FW}/LICENSE", "faster-whisper_MIT.txt"),
    (f"{PYA}/LICENSE", "pyannote-audio_MIT.txt"),
    (f"{PIS}/LICENSE.Apache-2.0.txt", "pisets_Apache-2.0.txt"),
)

REAL_CLIPS: tuple[RealClip, ...] = (
    RealClip(
        src=f"{FW}/jfk.flac",
        dest="jfk.flac",
        language="en",
        layout="mono",
        description=(
            "John F. Kennedy, 1961 inaugural address excerpt (one speaker; stored as a "
            "2-channel 44.1 kHz 24-bit FLAC, both channels carry the same speech)."
        ),
        upstream_repo="SYSTRAN/faster-whisper",
        upstream_path="tests/data/jfk.flac",
        commit="65882eee9f5cdbeeb2d877f1131d48cf241b327d",
        licence=("Recording: US-government work, public domain. Repository: MIT (Copyright (c) 2023 SYSTRAN)."),
        licence_file="faster-whisper_MIT.txt",
        reference_note="exact reference (asserted in the upstream tests/test_transcribe.py)",
    ),
    RealClip(
        src=f"{FW}/stereo_diarization.wav",
        dest="stereo_diarization.wav",
        language="en",
        layout="stereo",
        description=("Two read sentences, one speaker per channel (like a 2-channel call recording)."),
        upstream_repo="SYSTRAN/faster-whisper",
        upstream_path="tests/data/stereo_diarization.wav",
        commit="65882eee9f5cdbeeb2d877f1131d48cf241b327d",
        licence="MIT (Copyright (c) 2023 SYSTRAN); provenance of the recording not documented upstream.",
        licence_file="faster-whisper_MIT.txt",
        reference_note="expected whisper-tiny output per channel from the upstream tests, not a human transcript",
    ),
    RealClip(
        src=f"{PYA}/sample.wav",
        dest="pyannote_two_speakers.wav",
        language="en",
        layout="mono",
        description=(
            "Two-party telephone-style conversation between strangers (two speakers mixed in "
            "one channel, with a short overlap)."
        ),
        upstream_repo="pyannote/pyannote-audio",
        upstream_path="src/pyannote/audio/sample/sample.wav (+ sample.rttm, sample.stm)",
        commit="b749285c5cdd4636b2edc7f766f1352c8dde9369",
        licence="MIT (Copyright (c) 2020 CNRS); provenance of the recording not documented upstream.",
        licence_file="pyannote-audio_MIT.txt",
        reference_note="time-stamped utterances with speaker names from the upstream sample.stm",
    ),
    RealClip(
        src=f"{PIS}/test_sound_ru.wav",
        dest="pisets_ru.wav",
        language="ru",
        layout="mono",
        description="Short Russian test utterance (one speaker).",
        upstream_repo="bond005/pisets",
        upstream_path="tests/testdata/test_sound_ru.wav",
        commit="e095ae626bbd18bb4490b9745d0acc34006c4eb8",
        licence="Apache-2.0 (repository LICENSE).",
        licence_file="pisets_Apache-2.0.txt",
        reference_note="word list asserted in the upstream tests (lower-case, no punctuation)",
    ),
)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True)


def synth_utterance(text: str, voice: Voice, tmp: Path) -> np.ndarray:
    """Synthesise one utterance; return float64 mono samples at BASE_RATE, trimmed and normalised."""
    raw_wav = tmp / "espeak.wav"
    pcm = tmp / "utt.raw"
    run(
        [
            "espeak-ng",
            "-v",
            voice.name,
            "-p",
            str(voice.pitch),
            "-s",
            str(voice.speed),
            "-w",
            str(raw_wav),
            text,
        ]
    )
    # -D: no dither, so the output is bit-identical on every run (sox dither is random).
    run(
        [
            "sox",
            "-D",
            str(raw_wav),
            "-t",
            "raw",
            "-e",
            "signed-integer",
            "-b",
            "16",
            "-c",
            "1",
            "-r",
            str(BASE_RATE),
            str(pcm),
        ]
    )
    x = np.fromfile(pcm, dtype="<i2").astype(np.float64) / 32768.0
    peak = np.max(np.abs(x))
    if peak <= 0:
        raise RuntimeError(f"espeak-ng produced silence for {text!r}")
    loud = np.flatnonzero(np.abs(x) > TRIM_THRESHOLD * peak)
    pad = int(TRIM_PAD_S * BASE_RATE)
    x = x[max(0, loud[0] - pad) : min(len(x), loud[-1] + pad + 1)]
    return x * (10 ** (PEAK_DBFS / 20) / peak)


def write_pcm16(path: Path, channels: list[np.ndarray], rate: int) -> None:
    data = np.stack(channels, axis=1)
    ints = np.clip(np.round(data * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(ints.tobytes())


def build_call(call: DemoCall, tmp: Path, seed: int) -> dict:
    lead = int(LEAD_SILENCE_S * BASE_RATE)
    pieces: list[tuple[str, int, np.ndarray]] = []  # (role, start sample, samples)
    pos = lead
    for i, (role, text) in enumerate(call.turns):
        if i == 0 and role != "agent":
            raise ValueError(f"{call.stem}: the agent must speak first")
        voice = call.agent if role == "agent" else call.customer
        x = synth_utterance(text, voice, tmp)
        pieces.append((role, pos, x))
        pos += len(x)
        if i < len(call.turns) - 1:
            pos += int(round(GAPS_S[i % len(GAPS_S)] * BASE_RATE))
    total = pos + lead

    n_ch = 2 if call.layout == "stereo" else 1
    roles = ["agent", "customer"]
    rng = np.random.default_rng(seed)
    noise_rms = 10 ** (NOISE_DBFS / 20)
    chans = [rng.standard_normal(total) * noise_rms for _ in range(n_ch)]
    turns = []
    for (role, start, x), (_, text) in zip(pieces, call.turns):
        ch = roles.index(role) if n_ch == 2 else 0
        chans[ch][start : start + len(x)] += x
        turns.append(
            {
                "role": role,
                "text": text,
                "start": round(start / BASE_RATE, 3),
                "end": round((start + len(x)) / BASE_RATE, 3),
            }
        )

    dest = OUT_DIR / f"{call.stem}.wav"
    if call.encoding == "pcm_s16le" and call.sample_rate == BASE_RATE:
        write_pcm16(dest, chans, BASE_RATE)
    elif call.encoding == "mu-law":
        tmp_wav = tmp / "call16k.wav"
        write_pcm16(tmp_wav, chans, BASE_RATE)
        run(["sox", "-D", str(tmp_wav), "-e", "mu-law", "-r", str(call.sample_rate), str(dest)])
    else:
        raise ValueError(f"unsupported encoding/rate for {call.stem}")

    ref: dict = {
        "file": dest.name,
        "language": call.language,
        "layout": call.layout,
        "sample_rate": call.sample_rate,
        "encoding": call.encoding,
    }
    if call.layout == "stereo":
        ref["channel_roles"] = roles
    ref.update({"reason": call.reason, "scenario": call.scenario, "turns": turns})
    return ref


def write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def soxi(path: Path) -> dict:
    def q(flag: str) -> str:
        return run(["soxi", flag, str(path)]).stdout.decode().strip()

    return {
        "duration": float(q("-D")),
        "rate": int(q("-r")),
        "channels": int(q("-c")),
        "encoding": q("-e"),
        "bits": q("-b"),
    }


# ---------------------------------------------------------------------------
# Real clips, attribution, README
# ---------------------------------------------------------------------------


def real_clip_reference(clip: RealClip) -> dict:
    info = soxi(OUT_DIR / clip.dest)
    ref: dict = {
        "file": clip.dest,
        "language": clip.language,
        "layout": clip.layout,
        "sample_rate": info["rate"],
        "encoding": {"FLAC": "flac"}.get(info["encoding"], "pcm_s16le"),
        "reason": None,
        "scenario": clip.description,
        "source": f"https://github.com/{clip.upstream_repo} @ {clip.commit}: {clip.upstream_path}",
        "reference_kind": clip.reference_note,
    }
    if clip.dest == "jfk.flac":
        refs = json.loads((SHARED_DATA / FW / "references.json").read_text(encoding="utf-8"))
        ref["turns"] = [{"role": None, "text": refs["jfk.flac"]["text"]}]
    elif clip.dest == "stereo_diarization.wav":
        refs = json.loads((SHARED_DATA / FW / "references.json").read_text(encoding="utf-8"))
        r = refs["stereo_diarization.wav"]
        ref["turns"] = [
            {"role": None, "channel": 0, "text": r["left"]},
            {"role": None, "channel": 1, "text": r["right"]},
        ]
    elif clip.dest == "pyannote_two_speakers.wav":
        turns = []
        for line in (SHARED_DATA / PYA / "sample.stm").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith(";;"):
                continue
            _file, _chan, speaker, start, end, text = line.split(maxsplit=5)
            turns.append(
                {
                    "role": None,
                    "speaker": speaker,
                    "text": text,
                    "start": float(start),
                    "end": float(end),
                }
            )
        ref["turns"] = turns
    elif clip.dest == "pisets_ru.wav":
        ref["turns"] = [{"role": None, "text": "нейронные сети это хорошо"}]
    else:  # pragma: no cover
        raise ValueError(clip.dest)
    return ref


def copy_real_clips(refs_dir: Path) -> bool:
    if not SHARED_DATA.is_dir():
        print(f"warning: {SHARED_DATA} not found; real clips not refreshed", file=sys.stderr)
        return False
    lic_dir = OUT_DIR / "licenses"
    lic_dir.mkdir(parents=True, exist_ok=True)
    for src, name in LICENCE_COPIES:
        shutil.copyfile(SHARED_DATA / src, lic_dir / name)
    for clip in REAL_CLIPS:
        shutil.copyfile(SHARED_DATA / clip.src, OUT_DIR / clip.dest)
        write_json(refs_dir / f"{Path(clip.dest).stem}.json", real_clip_reference(clip))
    return True


def write_attribution() -> None:
    lines = [
        "# Attribution for the real audio clips in sample_audio/",
        "",
        "The five demo calls (`double_charge_refund.wav`, `angry_cancellation.wav`,",
        "`internet_not_working.wav`, `order_not_arrived.wav`, `return_ru.wav`) are synthetic:",
        "they were generated by `tools/make_sample_audio.py` with espeak-ng and sox for the",
        'fictional company "Northwind" and contain no real people, names or numbers.',
        "",
        "The clips below are real recordings copied byte-for-byte from public repositories.",
        "Licence texts are in `licenses/`. Reference transcripts are in `references/<stem>.json`.",
        "",
    ]
    for clip in REAL_CLIPS:
        ref = json.loads((OUT_DIR / "references" / f"{Path(clip.dest).stem}.json").read_text(encoding="utf-8"))
        lines += [
            f"## `{clip.dest}`",
            "",
            f"- **What:** {clip.description}",
            f"- **Source:** https://github.com/{clip.upstream_repo}, commit `{clip.commit}`, `{clip.upstream_path}`",
            f"- **Licence:** {clip.licence} Text: `licenses/{clip.licence_file}`.",
            f"- **Reference** — {clip.reference_note}:",
            "",
        ]
        for t in ref["turns"]:
            prefix = ""
            if "speaker" in t:
                prefix = f"{t['speaker']} {t['start']:.2f}-{t['end']:.2f}: "
            elif "channel" in t:
                prefix = ("left" if t["channel"] == 0 else "right") + " channel: "
            lines.append(f"  > {prefix}{t['text']}")
            lines.append("  >")
        lines.pop()
        lines.append("")
    (OUT_DIR / "ATTRIBUTION.md").write_text("\n".join(lines), encoding="utf-8")


def write_readme() -> None:
    rows = []
    for call in DEMO_CALLS:
        rows.append((f"{call.stem}.wav", call.language, call.layout, call.scenario, call.reason))
    for clip in REAL_CLIPS:
        rows.append((clip.dest, clip.language, clip.layout, "Real clip: " + clip.description, None))
    lines = [
        "# sample_audio",
        "",
        "Demo inputs for acw-speech. The five call recordings are **synthetic** (espeak-ng voices,",
        'fictional company "Northwind"); the last four files are short real clips, see',
        "[ATTRIBUTION.md](ATTRIBUTION.md). Reference transcripts (with turn times for the demo",
        "calls) are in `references/<stem>.json`. In stereo demo calls channel 0 (left) is the",
        "agent and channel 1 (right) the customer.",
        "",
        "| file | duration | rate | channels | encoding | language | layout | reason | scenario |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, lang, layout, scenario, reason in rows:
        path = OUT_DIR / name
        if not path.exists():
            continue
        info = soxi(path)
        enc = f"{info['encoding']} {info['bits']}-bit"
        lines.append(
            f"| `{name}` | {info['duration']:.2f} s | {info['rate']} Hz | {info['channels']} | {enc} "
            f"| {lang} | {layout} | {reason or '–'} | {scenario} |"
        )
    lines += [
        "",
        "Regenerate everything (needs espeak-ng, sox and numpy; real clips are copied from",
        "`../shared/data`):",
        "",
        "```",
        "python tools/make_sample_audio.py",
        "```",
        "",
    ]
    (OUT_DIR / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    for tool in ("espeak-ng", "sox", "soxi"):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found on PATH", file=sys.stderr)
            return 1
    refs_dir = OUT_DIR / "references"
    refs_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="acw_sample_audio_") as td:
        tmp = Path(td)
        for seed, call in enumerate(DEMO_CALLS):
            ref = build_call(call, tmp, seed=1000 + seed)
            write_json(refs_dir / f"{call.stem}.json", ref)
            info = soxi(OUT_DIR / ref["file"])
            print(f"{ref['file']}: {info['duration']:.2f} s, {len(ref['turns'])} turns")
    copy_real_clips(refs_dir)
    if all((refs_dir / f"{Path(c.dest).stem}.json").exists() for c in REAL_CLIPS):
        write_attribution()
    write_readme()
    return 0


if __name__ == "__main__":
    sys.exit(main())
