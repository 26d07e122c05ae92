"""What makes a staff password acceptable.

Staff accounts guard every counter and the supervisor's data; the rule is deliberately plain
so an office can explain it: at least ten characters, not the user name, and not one of the
passwords people reach for first (including the demo's own).
"""

from __future__ import annotations

MIN_LENGTH = 10

#: Compared case-insensitively. The demo password is here so that no real account can carry it.
COMMON = frozenset({
    "loket-demo", "loketdemo", "password", "password1", "password12", "password123",
    "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwertyuiop", "qwerty123", "asdfghjkl",
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "1234512345",
    "abc1234567", "abcdefghij", "iloveyou", "admin", "admin123", "admin12345", "administrator",
    "supervisor", "petugas", "petugas123", "operator", "operator123", "welcome", "welcome123",
    "indonesia", "indonesia1", "indonesia45", "merdeka45", "bismillah", "bismillah123",
    "sayangku", "rahasia", "rahasia123", "katasandi", "katasandi123", "probolinggo",
    "probolinggo1", "mpp", "mppkota", "mppprobolinggo", "pelayanan", "pelayananpublik",
})


def password_problem(password: str, username: str = "") -> str | None:
    """The message code of what is wrong with ``password``, or ``None`` when it will do."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    folded = password.casefold()
    if username and folded == username.casefold():
        return "password_is_username"
    if folded in COMMON or len(set(folded)) <= 2:
        return "password_common"
    return None
