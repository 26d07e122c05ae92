"""The display's announcement rule (display_ui/static/announcements.js) — the code the lobby
screens run — in a real Chromium: one at a time, each once, in seq order, through replays,
reloads and a backlog. (These were the Python AnnouncementQueue's tests; production never
used that class, so the rule now lives once, in the browser, and is tested there.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.servers import Server

#: Loaded into the page: helpers every case below uses.
PRELUDE = """
  const { AnnouncementQueue, MAX_PENDING } = await import("/static/display/announcements.js");
  const call = (seq) => ({ seq: seq, number: "A-" + String(seq % 1000).padStart(3, "0") });
  // Play everything the queue has, one at a time: the seqs in the order they finished.
  const drain = (queue) => {
    const finished = [];
    for (let n = 0; n < 10000; n++) {
      const current = queue.playing || queue.next();
      if (!current) break;
      if (!queue.played(current.seq)) throw new Error("played() refused " + current.seq);
      finished.push(current.seq);
    }
    return finished;
  };
"""


@pytest.fixture
def run(new_page: Any, live_server: Server) -> Any:
    page = new_page(800, 600)
    page.goto(f"{live_server.url}/supervisor")  # any page of the site: modules load same-origin

    def run(body: str) -> Any:
        return page.evaluate("async () => {" + PRELUDE + body + "}")

    return run


def test_calls_are_announced_in_seq_order(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      const offered = [7, 3, 5].map((s) => q.offer(call(s)));
      return [offered, q.waiting.map((a) => a.seq), drain(q)];
    """) == [[True, True, True], [3, 5, 7], [3, 5, 7]]


def test_a_new_call_never_cuts_off_the_one_being_spoken(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      q.offer(call(1));
      const first = q.next();
      q.offer(call(2));
      const during = q.next();
      const stillPlaying = q.playing.seq;
      const done = q.played(1);
      return [first.seq, during, stillPlaying, done, q.next().seq];
    """) == [1, None, 1, True, 2]


def test_acknowledging_another_seq_than_the_playing_one_changes_nothing(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      q.offer(call(1));
      q.offer(call(2));
      q.next();
      return [q.played(2), q.doneThrough, q.playing.seq];
    """) == [False, 0, 1]


def test_a_call_replayed_while_waiting_or_playing_is_queued_once(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      const first = [q.offer(call(1)), q.offer(call(2))];
      q.next();
      const again = [q.offer(call(1)), q.offer(call(2))];
      return [first, again, drain(q)];
    """) == [[True, True], [False, False], [1, 2]]


def test_a_call_replayed_after_a_reload_is_not_announced_twice(run: Any) -> None:
    assert run("""
      const page = new AnnouncementQueue();
      [1, 2].forEach((s) => page.offer(call(s)));
      const before = drain(page);
      const reloaded = new AnnouncementQueue();
      reloaded.resume(page.doneThrough);  // the zone's mark, from the server's snapshot
      const offered = [1, 2, 3].map((s) => reloaded.offer(call(s)));  // everything replayed
      return [before, offered, drain(reloaded)];
    """) == [[1, 2], [False, False, True], [3]]


def test_resuming_drops_calls_already_waiting_at_or_below_the_mark(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      [1, 2, 3].forEach((s) => q.offer(call(s)));
      q.resume(2);
      return q.waiting.map((a) => a.seq);
    """) == [3]


def test_a_recall_is_a_new_event_and_is_announced_again(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      q.offer({ seq: 4, number: "B-020", recall: false });
      const first = drain(q);
      const offered = q.offer({ seq: 9, number: "B-020", recall: true });
      const again = q.next();
      return [first, offered, again.seq, again.recall];
    """) == [[4], True, 9, True]


def test_a_long_backlog_keeps_only_the_newest_calls(run: Any) -> None:
    # A screen whose audio is still locked must not read out every call of the morning.
    assert run("""
      const q = new AnnouncementQueue(3);
      for (let s = 1; s <= 5; s++) q.offer(call(s));
      const kept = q.waiting.map((a) => a.seq);
      const replayed = q.offer(call(1));  // a dropped call must not come back on replay
      return [kept, replayed, drain(q), MAX_PENDING, new AnnouncementQueue().maxPending];
    """) == [[3, 4, 5], False, [3, 4, 5], 20, 20]


def test_the_backlog_limit_must_allow_one_call(run: Any) -> None:
    assert run("""
      try { new AnnouncementQueue(0); return "accepted"; }
      catch (e) { return e.name; }
    """) == "RangeError"


def test_a_call_put_back_when_the_link_drops_is_played_next(run: Any) -> None:
    assert run("""
      const q = new AnnouncementQueue();
      [1, 2].forEach((s) => q.offer(call(s)));
      q.next();
      q.putBack();  // the claim could not reach the server
      return [q.playing, q.offer(call(1)), drain(q)];
    """) == [None, False, [1, 2]]


#: Deterministic pseudo-random runs (a small LCG, so a failure can be replayed by its seed).
RANDOM = """
  let state = seed >>> 0;
  const rand = (n) => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state % n; };
"""


def test_offers_in_any_order_with_duplicates_play_each_seq_once_in_order(run: Any) -> None:
    failures = run("""
      const failures = [];
      for (let seed = 1; seed <= 300; seed++) {
        """ + RANDOM + """
        const seqs = [...new Set(Array.from({ length: 1 + rand(30) }, () => 1 + rand(10000)))];
        const offers = seqs.concat(Array.from({ length: rand(30) }, () => seqs[rand(seqs.length)]));
        for (let i = offers.length - 1; i > 0; i--) {
          const j = rand(i + 1); [offers[i], offers[j]] = [offers[j], offers[i]];
        }
        const q = new AnnouncementQueue(100);
        offers.forEach((s) => q.offer(call(s)));
        const got = drain(q);
        const want = [...seqs].sort((a, b) => a - b);
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push({ seed, got, want });
      }
      return failures;
    """)
    assert failures == []


def test_a_live_screen_with_replays_and_reloads_plays_each_call_once_in_order(
    run: Any,
) -> None:
    # The server delivers events in seq order; a reconnect replays recent ones; a page reload
    # starts a fresh queue from the zone's mark and the server replays everything.
    failures = run("""
      const failures = [];
      for (let seed = 1; seed <= 300; seed++) {
        """ + RANDOM + """
        const events = Array.from({ length: 1 + rand(20) }, (_, i) => call(i + 1));
        let delivered = 0, stored = 0;
        const finished = [];
        let q = new AnnouncementQueue(100);
        for (let step = rand(80); step > 0; step--) {
          const action = rand(4);
          if (action === 0 && delivered < events.length) {
            q.offer(events[delivered++]);
          } else if (action === 1) {
            if (q.playing) {
              const seq = q.playing.seq;
              q.played(seq);
              finished.push(seq);
              stored = q.doneThrough;
            } else {
              q.next();
            }
          } else if (action === 2) {
            const from = Math.max(0, delivered - 1 - rand(10));
            events.slice(from, delivered).forEach((e) => q.offer(e));
          } else if (action === 3) {
            q = new AnnouncementQueue(100);
            q.resume(stored);
            events.slice(0, delivered).forEach((e) => q.offer(e));
          }
        }
        events.slice(delivered).forEach((e) => q.offer(e));
        finished.push(...drain(q));
        const want = events.map((e) => e.seq);
        if (JSON.stringify(finished) !== JSON.stringify(want)) {
          failures.push({ seed, finished, want });
        }
      }
      return failures;
    """)
    assert failures == []
