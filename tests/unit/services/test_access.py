"""The one role check: who oversees the site, who may act for any counter."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from queue_server.domain.errors import Forbidden
from queue_server.services.access import (
    STAFF,
    SUPERVISORS,
    Role,
    has_role,
    oversees_counters,
    require_role,
)


@dataclass(frozen=True)
class Someone:
    role: str
    counter: str | None = None


def test_supervisors_and_admins_oversee_the_site_and_officers_do_not() -> None:
    assert has_role(Someone("supervisor"), SUPERVISORS)
    assert has_role(Someone(Role.ADMIN), SUPERVISORS)
    assert not has_role(Someone("officer", "A1"), SUPERVISORS)
    assert not has_role(None, STAFF)
    assert all(has_role(Someone(role), STAFF) for role in Role if role is not Role.REGION)
    # A region account reads every site but works at none.
    assert not has_role(Someone(Role.REGION), STAFF)


def test_require_role_refuses_with_forbidden() -> None:
    require_role(Someone("admin"), SUPERVISORS)
    with pytest.raises(Forbidden) as refused:
        require_role(Someone("officer", "A1"), SUPERVISORS)
    assert refused.value.code == "forbidden"
    with pytest.raises(Forbidden):
        require_role(Someone("visitor"), STAFF)  # a role the code does not know


@pytest.mark.parametrize(("someone", "oversees"), [
    (Someone("supervisor"), True),
    (Someone("admin"), True),
    (Someone("supervisor", "A1"), False),  # at a counter they work it like an officer
    (Someone("officer"), False),
    (Someone("officer", "A1"), False),
])
def test_only_a_supervisor_without_a_counter_acts_for_any_counter(someone: Someone,
                                                                 oversees: bool) -> None:
    assert oversees_counters(someone) is oversees
