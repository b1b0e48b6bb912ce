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
  shown.keep("9007199254740993"); // past 2^53: compared exactly
  shown.keep("9007199254740992");
  shown.received(7);
  shown.received(5);
  assert.deepEqual(shown.headers(), { "Chat-Position": "9007199254740993", "Chat-Seq": "7" });
});

test("an answer without a position makes the client forget its own, not the seq", () => {
  const shown = new ReadPosition();
  shown.keep("120");
  shown.received(3);
  shown.keep(null);
  assert.deepEqual(shown.headers(), { "Chat-Seq": "3" });
  shown.keep("not a number");
  assert.deepEqual(shown.headers(), { "Chat-Seq": "3" });
});

test("a new login starts from nothing", () => {
  const shown = new ReadPosition();
  shown.keep("120");
  shown.received(3);
  shown.reset();
  assert.deepEqual(shown.headers(), {});
});
