"""The few bytes a commit sends other processes (PostgreSQL ``NOTIFY``)."""

from queue_server.events.backends import notification, parse_notification, this_process


def test_a_notification_reads_back_as_written() -> None:
    assert parse_notification(notification(3, 41, 47, "a1b2")) == (3, 41, 47, "a1b2")


def test_a_malformed_notification_is_ignored() -> None:
    for payload in ["", "3:41:47", "3:x:47:a1b2", "3:41:47:a1b2:extra"]:
        assert parse_notification(payload) is None


def test_each_process_names_its_own_notifications() -> None:
    # A process skips its own notifications by this name: two must never share it.
    assert this_process().origin != this_process().origin
