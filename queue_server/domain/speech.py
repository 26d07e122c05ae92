"""What the lobby says when a ticket is called, as clip names and as plain text.

An announcement is a string of short pre-recorded clips played back to back: a chime, "nomor
antrean", the queue letters, the number in words, "silakan menuju loket" and the counter number.
Numbers are read the Indonesian way, where *se-* stands for *satu* in front of belas, puluh,
ratus and ribu (11 sebelas, 100 seratus, 1000 seribu), and leading zeros are not read.
"""

from __future__ import annotations

from queue_server.domain.numbering import parse_number

MAX_NUMBER = 9999

_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
# The *se-* forms are whole words, not "se" + "puluh": a clip of "se" alone sounds wrong.
_SE_WORDS = ("sepuluh", "sebelas", "seratus", "seribu")
_SCALE_WORDS = ("belas", "puluh", "ratus", "ribu")

_LETTER_NAMES = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha",
    "I": "i", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe",
    "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "u", "V": "ve", "W": "we", "X": "eks",
    "Y": "ye", "Z": "zet",
}  # fmt: skip

CHIME = "chime"
RECALL = "panggilan_ulang"
TICKET = "nomor_antrean"
GO_TO_COUNTER = "silakan_menuju_loket"

#: Every clip :func:`announcement_clips` may produce; the shipped clip set holds one file each.
CLIP_NAMES: frozenset[str] = frozenset(
    {CHIME, RECALL, TICKET, GO_TO_COUNTER, *_DIGITS, *_SE_WORDS, *_SCALE_WORDS}
    | {f"huruf_{letter.lower()}" for letter in _LETTER_NAMES}
)


def number_words(n: int) -> list[str]:
    """Read 0–9999 in Indonesian: ``2025`` → ``["dua", "ribu", "dua", "puluh", "lima"]``."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"can only read numbers 0-{MAX_NUMBER}, got {n}")
    if n == 0:
        return ["nol"]
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    return (
        _times(thousands, "ribu", "seribu")
        + _times(hundreds, "ratus", "seratus")
        + _below_hundred(rest)
    )


def number_text(n: int) -> str:
    """``115`` → ``"seratus lima belas"``."""
    return " ".join(number_words(n))


def letter_name(ch: str) -> str:
    """The Indonesian name of a letter: ``"B"`` → ``"be"``, ``"x"`` → ``"eks"``."""
    name = _LETTER_NAMES.get(ch.upper()) if len(ch) == 1 else None
    if name is None:
        raise ValueError(f"not a letter A-Z: {ch!r}")
    return name


def letter_clip(ch: str) -> str:
    """The clip name for one letter of a queue prefix: ``"A"`` → ``"huruf_a"``."""
    letter_name(ch)  # rejects anything but A-Z
    return f"huruf_{ch.lower()}"


def announcement_clips(
    ticket_number: str, counter_number: int, *, recall: bool = False
) -> list[str]:
    """Clip names, in playing order, calling ``ticket_number`` to ``counter_number``.

    ``("A-012", 3)`` → chime, nomor_antrean, huruf_a, dua, belas, silakan_menuju_loket, tiga.
    A recall adds "panggilan ulang" after the chime.
    """
    prefix, number = parse_number(ticket_number)
    _check_counter(counter_number)
    return [
        CHIME,
        *([RECALL] if recall else []),
        TICKET,
        *(letter_clip(letter) for letter in prefix),
        *number_words(number),
        GO_TO_COUNTER,
        *number_words(counter_number),
    ]


def announcement_phrases(
    ticket_number: str, counter_number: int, *, recall: bool = False
) -> list[list[str]]:
    """The same clips grouped into phrases: a player joins the clips of a phrase without a
    gap and leaves a short breath between phrases, as a person reading it out would.

    ``("A-012", 3)`` → ``[[chime], [nomor_antrean, huruf_a, dua, belas],
    [silakan_menuju_loket, tiga]]``; a recall puts ``[panggilan_ulang]`` after the chime.
    """
    clips = announcement_clips(ticket_number, counter_number, recall=recall)
    # Each phrase but the chime starts on one of these clips.
    starts = {RECALL, TICKET, GO_TO_COUNTER}
    phrases: list[list[str]] = []
    for clip in clips:
        if not phrases or clip in starts:
            phrases.append([])
        phrases[-1].append(clip)
    return phrases


def announcement_text(ticket_number: str, counter_number: int, *, recall: bool = False) -> str:
    """The same announcement as one sentence for a speech synthesizer (Web Speech, ``id-ID``).

    ``("A-012", 3)`` → ``"Nomor antrean A dua belas, silakan menuju loket tiga"``. Letters stay
    capitals, one per word, so a synthesizer spells "AB" instead of reading it as a word.
    """
    prefix, number = parse_number(ticket_number)
    _check_counter(counter_number)
    sentence = (
        f"nomor antrean {' '.join(prefix)} {number_text(number)}, "
        f"silakan menuju loket {number_text(counter_number)}"
    )
    if recall:
        sentence = f"panggilan ulang, {sentence}"
    return sentence[0].upper() + sentence[1:]


def _times(count: int, scale: str, one: str) -> list[str]:
    if count == 0:
        return []
    if count == 1:
        return [one]
    return [_DIGITS[count], scale]


def _below_hundred(n: int) -> list[str]:
    tens, units = divmod(n, 10)
    if n == 0:
        return []
    if n < 10:
        return [_DIGITS[n]]
    if n == 10:
        return ["sepuluh"]
    if n == 11:
        return ["sebelas"]
    if n < 20:
        return [_DIGITS[units], "belas"]
    return [_DIGITS[tens], "puluh", *([_DIGITS[units]] if units else [])]


def _check_counter(counter_number: int) -> None:
    if not 1 <= counter_number <= MAX_NUMBER:
        raise ValueError(f"counter numbers run 1-{MAX_NUMBER}, got {counter_number}")
