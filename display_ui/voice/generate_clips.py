"""Generate the default announcement clips into display_ui/static/voice/.

Run from the repository root:  .venv/bin/python -m display_ui.voice.generate_clips

Needs espeak-ng (with its Indonesian voice), sox and ffmpeg (with libmp3lame). Speech comes
from espeak-ng, the silence around each word is trimmed with sox so clips join without gaps,
and ffmpeg writes small mono MP3s. The chime is synthesized with sox. The output is
reproducible: the same tools give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from queue_server.domain.speech import CHIME, CLIP_NAMES, letter_name

OUT_DIR = Path(__file__).resolve().parents[1] / "static" / "voice"
SAMPLE_RATE = 22050
BITRATE = "40k"

# espeak-ng reads some words with the wrong e: Indonesian has a schwa in belas, empat and enam
# and an é in loket. [[...]] hands espeak-ng the phonemes directly.
_PRONUNCIATION = {
    "empat": "[[@mp'at]]",
    "enam": "[[@n'am]]",
    "belas": "[[b@l'as]]",
    "sebelas": "[[s@b@l'as]]",
    "silakan_menuju_loket": "silakan menuju [[l'oket]]",
}


def spoken_text(name: str) -> str:
    """What espeak-ng is asked to say for a clip name."""
    if name in _PRONUNCIATION:
        return _PRONUNCIATION[name]
    if name.startswith("huruf_"):
        return letter_name(name.removeprefix("huruf_"))
    return name.replace("_", " ")


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def speak(text: str, wav: Path, *, voice: str, speed: int, pitch: int) -> None:
    raw = wav.with_suffix(".raw.wav")
    run("espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text)
    # Trim the leading silence, reverse, trim again, reverse back: the clip starts and ends on
    # the voice. A short fade-in after each trim keeps the cut edges from clicking (the second
    # one, on the reversed audio, is the fade-out). -D: no dither, so output is reproducible.
    trim = ["silence", "1", "0.01", "0.5%"]
    run(
        "sox", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", str(wav),
        *trim, "fade", "q", "0.005", "reverse", *trim, "fade", "q", "0.02", "reverse",
        "pad", "0.01", "0.04", "norm", "-1",
    )  # fmt: skip


def chime(wav: Path) -> None:
    """A soft ding-dong: E5 then C5, each a decaying tone with two quiet overtones."""
    notes = {"ding.wav": (659.25, 0.0), "dong.wav": (523.25, 0.45)}
    parts = []
    for file_name, (frequency, start) in notes.items():
        part = wav.with_name(file_name)
        run(
            "sox", "-D", "-n", "-r", str(SAMPLE_RATE), "-c", "1", str(part),
            "synth", "1.3", "sine", str(frequency), "sine", str(frequency * 2),
            "sine", str(frequency * 3),
            "remix", "1v0.6,2v0.25,3v0.08",
            "fade", "h", "0.015", "fade", "l", "0", "1.3", "1.25", "pad", str(start), "0",
        )  # fmt: skip
        parts.append(str(part))
    run("sox", "-D", "-m", *parts, str(wav), "reverb", "15", "norm", "-4")


def encode(wav: Path, mp3: Path) -> None:
    run(
        "ffmpeg", "-y", "-loglevel", "error", "-i", str(wav),
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-codec:a", "libmp3lame", "-b:a", BITRATE,
        "-map_metadata", "-1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-fflags", "+bitexact", "-flags:a", "+bitexact", str(mp3),
    )  # fmt: skip


def write_manifest(out: Path) -> None:
    """The pack's manifest.json (docs/voice.md): every clip name → its file."""
    manifest = {"format": 1, "name": "espeak-ng Bahasa Indonesia (bawaan)", "language": "id",
                "clips": {name: f"{name}.mp3" for name in sorted(CLIP_NAMES)}}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where to write the clips")
    parser.add_argument("--voice", default="id", help="espeak-ng voice (default: id)")
    parser.add_argument("--speed", type=int, default=140, help="words per minute")
    parser.add_argument("--pitch", type=int, default=45, help="0-99, espeak-ng default 50")
    args = parser.parse_args(argv)

    missing = [tool for tool in ("espeak-ng", "sox", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)}", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    names = sorted(CLIP_NAMES)
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names, 1):
            wav = Path(tmp) / f"{name}.wav"
            if name == CHIME:
                chime(wav)
                said = "(ding-dong)"
            else:
                said = spoken_text(name)
                speak(said, wav, voice=args.voice, speed=args.speed, pitch=args.pitch)
            mp3 = args.out / f"{name}.mp3"
            encode(wav, mp3)
            size = mp3.stat().st_size
            total += size
            print(f"[{i:2}/{len(names)}] {name:<22} {said:<28} {size / 1024:5.1f} KiB")
    write_manifest(args.out)
    print(f"{len(names)} clips, {total / 1024:.1f} KiB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
