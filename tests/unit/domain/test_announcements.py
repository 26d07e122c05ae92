from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.announcements import (
    Announcement,
    AnnouncementQueue,
    build_announcement,
)

ZONES = ("lantai-1", "lantai-2", "luar")


def call(seq: int, zone: str = "lantai-1", *, recall: bool = False) -> Announcement:
    return build_announcement(seq, zone, f"A-{seq % 1000:03d}", 1 + seq % 9, recall=recall)


def drain(queue: AnnouncementQueue, zone: str) -> list[int]:
    """Play everything the zone has, one at a time; the seqs in the order they finished."""
    finished = []
    while (current := queue.playing(zone) or queue.next(zone)) is not None:
        assert queue.played(zone, current.seq)
        finished.append(current.seq)
    return finished


def test_an_announcement_carries_its_clips_and_text() -> None:
    a = build_announcement(42, "lantai-1", "A-012", 3)
    assert a.clips[0] == "chime"
    assert a.clips[-2:] == ("silakan_menuju_loket", "tiga")
    assert a.text == "Nomor antrean A dua belas, silakan menuju loket tiga"
    assert not a.recall


def test_calls_in_a_zone_are_announced_in_seq_order() -> None:
    queue = AnnouncementQueue()
    for seq in (7, 3, 5):
        assert queue.offer(call(seq))
    assert [a.seq for a in queue.pending("lantai-1")] == [3, 5, 7]
    assert drain(queue, "lantai-1") == [3, 5, 7]


def test_a_new_call_never_cuts_off_the_one_being_spoken() -> None:
    queue = AnnouncementQueue()
    queue.offer(call(1))
    first = queue.next("lantai-1")
    assert first is not None
    queue.offer(call(2))
    assert queue.next("lantai-1") is None
    assert queue.playing("lantai-1") == first
    assert queue.played("lantai-1", 1)
    second = queue.next("lantai-1")
    assert second is not None
    assert second.seq == 2


def test_acknowledging_another_seq_than_the_playing_one_changes_nothing() -> None:
    queue = AnnouncementQueue()
    queue.offer(call(1))
    queue.offer(call(2))
    queue.next("lantai-1")
    assert not queue.played("lantai-1", 2)
    assert not queue.played("lantai-2", 1)
    assert queue.done_through("lantai-1") == 0
    assert queue.playing("lantai-1") == call(1)


def test_a_call_replayed_while_waiting_or_playing_is_queued_once() -> None:
    queue = AnnouncementQueue()
    assert queue.offer(call(1))
    assert queue.offer(call(2))
    queue.next("lantai-1")
    assert not queue.offer(call(1))
    assert not queue.offer(call(2))
    assert drain(queue, "lantai-1") == [1, 2]


def test_a_call_replayed_after_a_reload_is_not_announced_twice() -> None:
    events = [call(1), call(2), call(3)]
    page = AnnouncementQueue()
    for event in events[:2]:
        page.offer(event)
    assert drain(page, "lantai-1") == [1, 2]
    stored = page.done_through("lantai-1")

    reloaded = AnnouncementQueue()
    reloaded.resume("lantai-1", stored)
    offered = [reloaded.offer(event) for event in events]  # the server replays everything
    assert offered == [False, False, True]
    assert drain(reloaded, "lantai-1") == [3]


def test_resuming_drops_calls_already_waiting_at_or_below_the_mark() -> None:
    queue = AnnouncementQueue()
    for seq in (1, 2, 3):
        queue.offer(call(seq))
    queue.resume("lantai-1", 2)
    assert [a.seq for a in queue.pending("lantai-1")] == [3]


def test_a_recall_is_a_new_event_and_is_announced_again() -> None:
    queue = AnnouncementQueue()
    first = build_announcement(4, "lantai-1", "B-020", 2)
    again = build_announcement(9, "lantai-1", "B-020", 2, recall=True)
    queue.offer(first)
    assert drain(queue, "lantai-1") == [4]
    assert queue.offer(again)
    played = queue.next("lantai-1")
    assert played == again
    assert played.clips[:2] == ("chime", "panggilan_ulang")


def test_zones_are_announced_independently() -> None:
    queue = AnnouncementQueue()
    queue.offer(call(1, "lantai-1"))
    queue.offer(call(2, "lantai-2"))
    queue.offer(call(3, "lantai-1"))
    assert queue.next("lantai-1") == call(1, "lantai-1")
    assert queue.next("lantai-2") == call(2, "lantai-2")
    assert queue.next("lantai-1") is None
    assert drain(queue, "lantai-2") == [2]
    assert drain(queue, "lantai-1") == [1, 3]


def test_an_unknown_zone_has_nothing_to_say() -> None:
    queue = AnnouncementQueue()
    assert queue.next("basement") is None
    assert queue.playing("basement") is None
    assert queue.pending("basement") == ()
    assert queue.done_through("basement") == 0
    assert not queue.played("basement", 1)


def test_a_long_backlog_keeps_only_the_newest_calls() -> None:
    # A screen whose audio is still locked must not read out every call of the morning.
    queue = AnnouncementQueue(max_pending=3)
    for seq in range(1, 6):
        queue.offer(call(seq))
    assert [a.seq for a in queue.pending("lantai-1")] == [3, 4, 5]
    assert not queue.offer(call(1)), "a dropped call must not come back on replay"
    assert drain(queue, "lantai-1") == [3, 4, 5]


def test_the_backlog_limit_must_allow_one_call() -> None:
    with pytest.raises(ValueError):
        AnnouncementQueue(max_pending=0)


@given(st.data())
def test_offers_in_any_order_with_duplicates_play_each_seq_once_in_order(
    data: st.DataObject,
) -> None:
    zone_of = data.draw(
        st.dictionaries(st.integers(1, 10_000), st.sampled_from(ZONES), min_size=1, max_size=30)
    )
    seqs = list(zone_of)
    repeats = data.draw(st.lists(st.sampled_from(seqs), max_size=30))
    queue = AnnouncementQueue(max_pending=100)
    for seq in data.draw(st.permutations(seqs + repeats)):
        queue.offer(call(seq, zone_of[seq]))
    for zone in ZONES:
        assert drain(queue, zone) == sorted(s for s in seqs if zone_of[s] == zone)


LIVE_ZONES = ZONES[:2]
# (action, zone, how many events back)
_steps = st.one_of(
    st.just(("deliver", "", 0)),
    st.tuples(st.just("step"), st.sampled_from(LIVE_ZONES), st.just(0)),
    st.tuples(st.just("replay"), st.just(""), st.integers(1, 10)),
    st.just(("reload", "", 0)),
)


@given(
    st.lists(st.sampled_from(LIVE_ZONES), min_size=1, max_size=20), st.lists(_steps, max_size=80)
)
def test_a_live_screen_with_replays_and_reloads_plays_each_call_once_in_order(
    zones: list[str], steps: list[tuple[str, str, int]]
) -> None:
    # The server delivers events in seq order; a reconnect replays recent ones; a page reload
    # starts a fresh queue from the marks the page stored and the server replays everything.
    events = [call(seq, zone) for seq, zone in enumerate(zones, 1)]
    delivered = 0
    stored: dict[str, int] = {}
    finished: dict[str, list[int]] = {zone: [] for zone in ZONES}
    queue = AnnouncementQueue(max_pending=100)

    def finish(zone: str, seq: int) -> None:
        assert queue.played(zone, seq)
        finished[zone].append(seq)
        stored[zone] = queue.done_through(zone)

    for action, zone, back in steps:
        if action == "deliver" and delivered < len(events):
            queue.offer(events[delivered])
            delivered += 1
        elif action == "step":
            current = queue.playing(zone)
            if current is not None:
                finish(zone, current.seq)
            else:
                queue.next(zone)
        elif action == "replay":
            for event in events[max(0, delivered - back) : delivered]:
                queue.offer(event)
        elif action == "reload":
            queue = AnnouncementQueue(max_pending=100)
            for stored_zone, mark in stored.items():
                queue.resume(stored_zone, mark)
            for event in events[:delivered]:
                queue.offer(event)
    for event in events[delivered:]:
        queue.offer(event)
    for each in ZONES:
        finished[each].extend(drain(queue, each))
        assert finished[each] == [e.seq for e in events if e.zone == each]
