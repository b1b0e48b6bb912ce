// Where the kept WebSocket resumes (web/live.js's state, without a socket), run by `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Live } from "../web/live.js";

/** A `Live` that never opens a socket: only its frame handling runs. */
function live() {
  const seen = { events: [], resyncs: [] };
  const instance = Object.create(Live.prototype);
  Object.assign(instance, {
    lastSeq: null,
    seen: {},
    unacked: new Set(),
    resume: null,
    connections: 0,
    markReady() {},
    scheduleAck() {},
    handlers: {
      event: (frame) => seen.events.push(frame.seq),
      resync: (seq) => seen.resyncs.push(seq),
      status() {},
      reconnected() {},
    },
  });
  return { instance, seen };
}

test("a first socket resumes from nothing, then from ready's token", () => {
  const { instance } = live();
  assert.equal(instance.sinceQuery(), "");
  instance.receive({ type: "ready", user_id: 1, seq: 10, resume: "1~0.7.10" });
  assert.equal(instance.sinceQuery(), "&since=1~0.7.10");
});

test("each event's token is what the next socket sends; a replayed event is handed over once", () => {
  const { instance, seen } = live();
  instance.receive({ type: "ready", user_id: 1, seq: 10, resume: "1~0.7.10" });
  instance.receive({ seq: 11, resume: "1~0.7.11", type: "message.created", chat_id: 2, data: {} });
  instance.receive({ type: "ready", user_id: 1, seq: 12, resume: "1~0.7.12" });
  instance.receive({ seq: 11, resume: "1~0.7.11", type: "message.created", chat_id: 2, data: {} });
  instance.receive({ seq: 12, resume: "1~0.7.12", type: "message.created", chat_id: 2, data: {} });
  assert.deepEqual(seen.events, [11, 12]);
  assert.equal(instance.sinceQuery(), "&since=1~0.7.12");
});

test("after a resync the socket goes on from its ready's token", () => {
  const { instance, seen } = live();
  instance.resume = "1~0.7.500";
  instance.lastSeq = 500;
  instance.receive({ type: "ready", user_id: 1, seq: 40, resume: "1~0.9.40" });
  assert.equal(instance.sinceQuery(), "&since=1~0.7.500", "until the server says otherwise");
  instance.receive({ type: "resync_required" });
  assert.deepEqual(seen.resyncs, [40], "from ready's seq");
  instance.receive({ seq: 41, resume: "1~0.9.41", type: "message.created", chat_id: 2, data: {} });
  assert.deepEqual(seen.events, [41], "a seq below the old position is new after a resync");
  assert.equal(instance.sinceQuery(), "&since=1~0.9.41");
});

test("a server without tokens is resumed with the seq", () => {
  const { instance } = live();
  instance.receive({ type: "ready", user_id: 1, seq: 10 });
  instance.receive({ seq: 11, type: "message.created", chat_id: 2, data: {} });
  assert.equal(instance.sinceQuery(), "&since=11");
});

test("the logs of several clusters are followed each by its own seqs, and acknowledged each", () => {
  const { instance, seen } = live();
  const sent = [];
  Object.assign(instance, { socket: { readyState: 1, send: (text) => sent.push(JSON.parse(text)) } });
  globalThis.WebSocket ??= { OPEN: 1 };
  instance.receive({ type: "ready", user_id: 1, seq: 10, resume: "1~0.7.10~1.9.90" });
  instance.receive({ seq: 95, log: 1, resume: "1~0.7.10~1.9.95", type: "message.created", chat_id: 33, data: {} });
  instance.receive({ seq: 11, resume: "1~0.7.11~1.9.95", type: "message.created", chat_id: 2, data: {} });
  // A reconnect replays from the token: neither log's events come twice, whatever their seqs.
  instance.receive({ type: "ready", user_id: 1, seq: 11, resume: "1~0.7.11~1.9.95" });
  instance.receive({ seq: 95, log: 1, resume: "1~0.7.10~1.9.95", type: "message.created", chat_id: 33, data: {} });
  instance.receive({ seq: 96, log: 1, resume: "1~0.7.11~1.9.96", type: "message.created", chat_id: 33, data: {} });
  assert.deepEqual(seen.events, [95, 11, 96]);
  assert.equal(instance.sinceQuery(), "&since=1~0.7.11~1.9.96");
  Live.prototype.scheduleAck.call(instance);
  return new Promise((done) =>
    setTimeout(() => {
      assert.deepEqual(sent, [{ type: "ack", seq: 96, log: 1 }, { type: "ack", seq: 11 }]);
      done();
    }, 50),
  );
});
