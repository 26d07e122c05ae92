// Announcement voice: every clip of the pack is fetched and decoded when the page loads, and a
// call is scheduled as one sentence on the Web Audio clock, so nothing waits on the network
// between two words. Clips of a phrase follow each other almost touching; phrases are separated
// by a short breath, and the whole sentence is said again after a slightly longer one.
const GAP_S = 0.02;          // between clips of one phrase: joined, not glued
const EDGE_S = 0.012;        // silence kept before the voice starts when trimming a clip
const TAIL_S = 0.03;         // and after it ends, so a fading vowel is not cut
const SILENT = 0.01;         // |sample| below this (about -40 dBFS) counts as silence
const DECODE_RATE = 44100;

// Trim the silence a recording starts and ends with: a pack of human recordings rarely
// has clean edges, and any silence left in would become a pause inside a number.
function trim(ctx, buffer) {
  const data = buffer.getChannelData(0);
  let first = 0;
  let last = data.length - 1;
  while (first < data.length && Math.abs(data[first]) < SILENT) first++;
  while (last > first && Math.abs(data[last]) < SILENT) last--;
  if (first >= last) return buffer;
  const from = Math.max(0, first - Math.round(EDGE_S * buffer.sampleRate));
  const to = Math.min(data.length, last + Math.round(TAIL_S * buffer.sampleRate));
  const out = ctx.createBuffer(buffer.numberOfChannels, to - from, buffer.sampleRate);
  for (let ch = 0; ch < buffer.numberOfChannels; ch++) {
    out.copyToChannel(buffer.getChannelData(ch).subarray(from, to), ch);
  }
  return out;
}

export class Voice {
  constructor(options) {
    this.repeat = options.repeat || 2;
    this.pauseS = (options.pauseMs || 400) / 1000;
    this.buffers = new Map();
    this.failed = [];
    this.ready = false;
  }

  // Fetch and decode every clip of the pack; resolves when all are in memory.
  async load(manifestUrl) {
    const manifest = await (await fetch(manifestUrl)).json();
    const decoder = new OfflineAudioContext(1, 1, DECODE_RATE);
    await Promise.all(Object.entries(manifest.clips).map(async ([name, url]) => {
      try {
        const bytes = await (await fetch(url)).arrayBuffer();
        this.buffers.set(name, trim(decoder, await decoder.decodeAudioData(bytes)));
      } catch {
        this.failed.push(name);
      }
    }));
    this.name = manifest.name;
    this.ready = true;
    return this;
  }

  // When each clip starts, in seconds from the start of the announcement. A recall or a
  // call is said `repeat` times; the chime only opens the first.
  plan(phrases) {
    const items = [];
    const pauses = [];
    let at = 0;
    const say = (phrase) => {
      phrase.forEach((clip, i) => {
        const buffer = this.buffers.get(clip);
        if (!buffer) return;  // a missing clip is skipped, not waited for
        if (i > 0 && items.length) at += GAP_S;
        items.push({ clip: clip, at: at, duration: buffer.duration });
        at += buffer.duration;
      });
    };
    const spoken = phrases.filter((p) => p[0] !== "chime");
    const chime = phrases.find((p) => p[0] === "chime");
    if (chime) say(chime);
    for (let round = 0; round < this.repeat; round++) {
      spoken.forEach((phrase, i) => {
        if (items.length) {
          const kind = i === 0 && round > 0 ? "repeat" : "phrase";
          const pause = kind === "repeat" ? this.pauseS * 1.5 : this.pauseS;
          pauses.push({ at: at, duration: pause, kind: kind });
          at += pause;
        }
        say(phrase);
      });
    }
    return { items: items, pauses: pauses, duration: at };
  }

  schedule(ctx, plan, start) {
    let last = null;
    for (const item of plan.items) {
      const source = ctx.createBufferSource();
      source.buffer = this.buffers.get(item.clip);
      source.connect(ctx.destination);
      source.start(start + item.at);
      last = source;
    }
    return last;
  }

  // Play on a live context; resolves when the last clip has ended.
  play(ctx, phrases) {
    const plan = this.plan(phrases);
    if (!plan.items.length) return Promise.resolve(plan);
    return new Promise((resolve) => {
      const last = this.schedule(ctx, plan, ctx.currentTime + 0.08);
      // onended can be lost if the context is suspended; the timer keeps the queue going.
      let timer = null;
      const done = () => { clearTimeout(timer); resolve(plan); };
      timer = setTimeout(done, (plan.duration + 2) * 1000);
      last.onended = done;
    });
  }

  // The announcement rendered offline, as the speakers would receive it (tests, tuning).
  async render(phrases, sampleRate) {
    const rate = sampleRate || 22050;
    const plan = this.plan(phrases);
    const ctx = new OfflineAudioContext(1, Math.ceil((plan.duration + 0.2) * rate), rate);
    this.schedule(ctx, plan, 0.1);
    const audio = await ctx.startRendering();
    return { plan: plan, offset: 0.1, sampleRate: rate, samples: audio.getChannelData(0) };
  }
}
