from __future__ import annotations

import pytest

from queue_server.domain.passwords import password_problem


@pytest.mark.parametrize("password", ["", "pendek", "123456789"])
def test_passwords_under_ten_characters_are_refused(password: str) -> None:
    assert password_problem(password) == "password_too_short"


@pytest.mark.parametrize("password", ["loket-demo", "Password123", "1234567890", "Bismillah123",
                                      "aaaaaaaaaaaa", "abababababab"])
def test_common_and_demo_passwords_are_refused(password: str) -> None:
    assert password_problem(password) == "password_common"


def test_the_user_name_is_not_a_password() -> None:
    assert password_problem("Siti.Rahma1", "siti.rahma1") == "password_is_username"


def test_a_long_uncommon_password_is_accepted() -> None:
    assert password_problem("kopi-pagi-di-mayangan", "siti") is None
