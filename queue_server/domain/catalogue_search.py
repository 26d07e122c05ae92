"""Finding a service from the words a visitor types ("ktp hilang", "syarat paspor").

A small word match, not a search engine: the catalogue is a few hundred names. Words that only
say *what about* the service ("syarat", "biaya", "cara") are dropped; each remaining word must
appear in the service's name, English name, code, product or agency (a word of four letters
or more may sit inside a longer one: "hilang" in "kehilangan"). A word found in the code counts
most, then in the name, then elsewhere; among equals the catalogue's own order wins (an agency
lists its main service first: KTP-el before its replacement).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def word_set(text: str) -> frozenset[str]:
    """The words of a long literal, written as running text for the eye."""
    return frozenset(text.split())


#: Words that ask about a service rather than name it, in both languages.
QUESTION_WORDS = word_set("""
    syarat syaratnya persyaratan persyaratannya biaya biayanya tarif harga berapa cara caranya
    bagaimana gimana prosedur mekanisme alur waktu lama lamanya produk apa apakah saya aku mau
    ingin akan buat membuat bikin urus mengurus ngurus pengurusan bagi untuk di ke dan atau yang
    dengan info informasi tanya mohon tolong min kak pak bu halo hai selamat pagi siang sore
    layanan pelayanan dong ya nya
    requirement requirements fee fees cost costs how what much long make get need apply for the
    a an to my i of please about is do does service services info hello hi
""")

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation ("KTP-el" → ["ktp", "el"])."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORD.findall(plain.lower())


def content_words(text: str) -> list[str]:
    """The words of a question that can name a service."""
    return [w for w in words(text) if w not in QUESTION_WORDS]


@dataclass(frozen=True)
class Entry:
    """One service as the search sees it."""

    code: str
    name: str
    name_en: str
    agency: str
    agency_name: str
    produk: str = ""
    #: filled in by ``__post_init__``
    vocabulary: frozenset[str] = field(default=frozenset(), compare=False)
    #: the words of the service itself, without its agency's
    own_vocabulary: frozenset[str] = field(default=frozenset(), compare=False)
    code_words: frozenset[str] = field(default=frozenset(), compare=False)
    name_words: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        own = frozenset(words(" ".join((self.code, self.name, self.name_en, self.produk))))
        object.__setattr__(self, "own_vocabulary", own)
        object.__setattr__(self, "vocabulary",
                           own | frozenset(words(f"{self.agency} {self.agency_name}")))
        object.__setattr__(self, "code_words", frozenset(words(self.code)))
        object.__setattr__(self, "name_words", frozenset(words(self.name)))

    def weight(self, word: str) -> float:
        """How strongly ``word`` points at this service."""
        if word in self.code_words:
            return 3.0
        if word in self.name_words:
            return 2.0
        return 1.0 if word in self.vocabulary else 0.5


def _word_matches(query_word: str, vocabulary: Iterable[str]) -> bool:
    if query_word in vocabulary:
        return True
    return len(query_word) >= 4 and any(query_word in w for w in vocabulary)


def names_a_service(entries: Sequence[Entry], text: str) -> bool:
    """Whether every word appears in one service's own name (not only in its agency's):
    "paspor" names services, "imigrasi" only an agency."""
    wanted = content_words(text)
    return bool(wanted) and any(all(_word_matches(w, e.own_vocabulary) for w in wanted)
                                for e in entries)


def search(entries: Sequence[Entry], text: str, *, limit: int = 4) -> list[Entry]:
    """The services the words name, best first; empty when no service has every word."""
    wanted = content_words(text)
    if not wanted:
        return []
    found = [e for e in entries if all(_word_matches(w, e.vocabulary) for w in wanted)]
    if not found:
        # Fall back to the services matching most words, so "ktp rusak parah" still finds
        # the replacement of a damaged KTP-el; at least half the words must match.
        scored = [(sum(_word_matches(w, e.vocabulary) for w in wanted), e) for e in entries]
        best = max((s for s, _ in scored), default=0)
        if best == 0 or best * 2 < len(wanted):
            return []
        found = [e for s, e in scored if s == best]
    order = {e.code: i for i, e in enumerate(entries)}
    return sorted(found, key=lambda e: (-sum(e.weight(w) for w in wanted),
                                        order[e.code]))[:limit]


def agencies_named(agencies: Sequence[tuple[str, str, str]], text: str) -> list[str]:
    """Codes of the agencies ``(code, name, short_name)`` that the whole text names
    ("dukcapil", "imigrasi", "bpjs kesehatan")."""
    wanted = content_words(text)
    if not wanted:
        return []
    found = []
    for code, name, short in agencies:
        vocabulary = set(words(f"{code} {name} {short}"))
        if all(w in vocabulary for w in wanted):
            found.append(code)
    return found
