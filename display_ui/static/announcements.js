// The order in which a lobby zone hears its calls: one at a time, each once, by sequence.
//
// Every call or recall is an event with a sequence number, and events reach a screen in
// sequence order (commit order is sequence order; a reconnecting screen replays from
// since=<seq>). So a zone needs one number to tell new calls from replays: the highest seq it
// has finished announcing, given up on, or learned from the server's per-zone mark. Anything
// at or below that mark, or already waiting or playing, is a duplicate. A display page is one
// zone, so one queue per page; the server's claim (announce → announce.claim) keeps two
// screens of a zone from both saying a call.

//: Waiting announcements kept. A screen whose audio is still locked keeps receiving calls;
//: once unlocked it should not read out a quarter of an hour of old calls.
export const MAX_PENDING = 20;

export class AnnouncementQueue {
  constructor(maxPending) {
    const max = maxPending === undefined ? MAX_PENDING : maxPending;
    if (!(max >= 1)) throw new RangeError("maxPending must be at least 1, got " + max);
    this.maxPending = max;
    this.doneThrough = 0;
    this.playing = null;
    this.waiting = [];  // sorted by seq
  }

  seen(seq) {
    if (seq <= this.doneThrough) return true;
    if (this.playing && seq <= this.playing.seq) return true;
    return this.waiting.some((a) => a.seq === seq);
  }

  // Queue an announcement ({seq, …}); false if it is a replay of one already seen.
  offer(announcement) {
    if (this.seen(announcement.seq)) return false;
    let at = this.waiting.length;
    while (at > 0 && this.waiting[at - 1].seq > announcement.seq) at--;
    this.waiting.splice(at, 0, announcement);
    if (this.waiting.length > this.maxPending) {
      // Drop the oldest, and remember it as done so a replay cannot bring it back.
      const dropped = this.waiting.shift();
      this.doneThrough = Math.max(this.doneThrough, dropped.seq);
    }
    return true;
  }

  // Start the next announcement; null while one is playing (a new call never cuts one off)
  // or when none waits.
  next() {
    if (this.playing || !this.waiting.length) return null;
    this.playing = this.waiting.shift();
    return this.playing;
  }

  // The playing one could not be started after all (the link dropped before the server
  // granted it): it waits at the front again.
  putBack() {
    if (!this.playing) return;
    this.waiting.unshift(this.playing);
    this.playing = null;
  }

  // The playing one is done (said here, or said by another screen of the zone); false if
  // `seq` is not the one playing.
  played(seq) {
    if (!this.playing || this.playing.seq !== seq) return false;
    this.doneThrough = Math.max(this.doneThrough, seq);
    this.playing = null;
    return true;
  }

  // Treat every seq up to `doneThrough` as announced (the server's mark for the zone, or
  // what a reloaded page remembers).
  resume(doneThrough) {
    this.doneThrough = Math.max(this.doneThrough, doneThrough || 0);
    this.waiting = this.waiting.filter((a) => a.seq > this.doneThrough);
  }

  // The server's history was replaced (since_reset): forget every mark and waiting call.
  reset() {
    this.doneThrough = 0;
    this.waiting = [];
  }
}
