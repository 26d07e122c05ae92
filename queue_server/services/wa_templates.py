"""Which approved WhatsApp template a booking's message goes out as, if any (docs/whatsapp.md,
"Templates"). Decided when the message is queued and stored with it, so the sending worker
needs no site configuration and the row alone says what went out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from queue_server.channels.base import Template
from queue_server.domain.conversation import Lang
from queue_server.site import Site


@dataclass(frozen=True)
class TemplateChoice:
    name: str
    #: Meta's code of the approved translation (``id``, ``en``, ``en_US`` …)
    language: str
    #: the language the parameters must be written in to match it
    lang: Lang


def choose(site: Site, purpose: str, lang: Lang) -> TemplateChoice | None:
    """The template for ``purpose`` in the visitor's language, else in the first language
    it was approved in (an Indonesian template reaches an English visitor; free text outside
    the 24-hour window reaches nobody). ``None``: send free text, as a gateway or a site
    without templates does."""
    settings = site.whatsapp
    if settings is None or settings.provider != "cloud":
        return None
    template = settings.templates.get(purpose)
    if template is None or not template.languages:
        return None
    for code in template.languages:
        if code == lang or code.startswith(f"{lang}_"):
            return TemplateChoice(template.name, code, lang)
    first = template.languages[0]
    return TemplateChoice(template.name, first, "en" if first.startswith("en") else "id")


def template_for(site: Site, purpose: str, lang: Lang,
                 parameters: Callable[[Lang], tuple[str, ...]]) -> Template | None:
    """The filled template for ``purpose``, or ``None`` for free text; ``parameters`` writes
    the body's {{1}}, {{2}} … in the language the chosen translation needs."""
    choice = choose(site, purpose, lang)
    if choice is None:
        return None
    return Template(choice.name, choice.language, parameters(choice.lang))
