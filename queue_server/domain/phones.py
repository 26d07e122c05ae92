"""Indonesian mobile numbers, written the many ways people write them, as one ``+62…`` form.

Booking keys limits on the phone number and a WhatsApp helper will message it, so both need
``0812-3456-7890``, ``+62 812 3456 7890`` and ``6281234567890`` to be the same number.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.()/]")
#: After the country code a mobile number starts with 8 and has 9 to 12 digits in all
#: (Telkomsel, Indosat, XL, Tri, Smartfren: 08xx-xxxx-xxx[x][x]).
_MOBILE = re.compile(r"8[1-9]\d{7,10}\Z")


def normalise_phone(text: str) -> str:
    """``"0812-3456-7890"`` → ``"+6281234567890"``; raises ``ValueError`` for anything that is
    not an Indonesian mobile number (landlines cannot receive WhatsApp or SMS)."""
    cleaned = _SEPARATORS.sub("", text.strip())
    if cleaned.startswith("+62"):
        national = cleaned[3:]
    elif cleaned.startswith("62"):
        national = cleaned[2:]
    elif cleaned.startswith("0"):
        national = cleaned[1:]
    else:
        national = cleaned
    if not national.isascii() or not _MOBILE.match(national):
        raise ValueError(f"not an Indonesian mobile number: {text!r}")
    return "+62" + national


def whatsapp_id(phone: str) -> str:
    """``+6281234567890`` → ``6281234567890``: the form the WhatsApp Cloud API gives as the
    sender of a message (``from``), so a booking's number and a visitor who writes are one."""
    return phone.removeprefix("+")
