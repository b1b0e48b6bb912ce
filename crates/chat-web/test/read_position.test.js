// What the client sends so that reads from replicas never go back in time (web/read_position.js),
// run by `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ReadPosition } from "../web/read_position.js";

test("nothing shown yet: nothing is sent", () => {
  assert.deepEqual(new ReadPosition().headers(), {});
});

test("the largest position and the newest seq are sent", () => {
  const shown = new ReadPosition();
  shown.keep("9007199254740993", true, shown.sent()); // past 2^53: compared exactly
  shown.keep("9007199254740992", true, shown.sent());
  shown.received(7);
  shown.received(5);
  assert.deepEqual(shown.headers(), { "Chat-Position": "9007199254740993", "Chat-Seq": "7" });
});

test("a success without a position makes the client forget its own, not the seq; a refusal does not", () => {
  const shown = new ReadPosition();
  shown.keep("120", true, shown.sent());
  shown.keep("130", false, shown.sent());
  shown.received(3);
  shown.keep(null, false, shown.sent());
  assert.deepEqual(shown.headers(), { "Chat-Position": "130", "Chat-Seq": "3" });
  shown.keep(null, true, shown.sent());
  assert.deepEqual(shown.headers(), { "Chat-Seq": "3" });
  shown.keep("not a number", true, shown.sent());
  assert.deepEqual(shown.headers(), { "Chat-Seq": "3" });
});

test("an answer to a call sent before the position was forgotten is not kept", () => {
  const shown = new ReadPosition();
  shown.keep("100", true, shown.sent());
  const earlier = shown.sent();
  shown.keep(null, true, shown.sent());
  shown.keep("120", true, earlier);
  assert.deepEqual(shown.headers(), {});
  shown.keep("130", true, shown.sent());
  assert.deepEqual(shown.headers(), { "Chat-Position": "130" });
});

test("a new login starts from nothing", () => {
  const shown = new ReadPosition();
  shown.keep("120", true, shown.sent());
  shown.received(3);
  shown.reset();
  assert.deepEqual(shown.headers(), {});
});

test("after a resync the seq goes on from where the stream restarted, even below the old one", () => {
  const shown = new ReadPosition();
  shown.received(500);
  shown.restart(40);
  assert.deepEqual(shown.headers(), { "Chat-Seq": "40" });
  shown.received(41);
  assert.deepEqual(shown.headers(), { "Chat-Seq": "41" });
});
