// Presence as people read it (web/presence.js): online, or when last seen, in words that age.

import { test } from "node:test";
import assert from "node:assert/strict";
import { isOnline, presenceOf, presenceText } from "../web/presence.js";

const NOW = new Date(2026, 11, 7, 15, 0).getTime();
const seen = (ms) => ({ status: "offline", last_seen_at: new Date(ms).toISOString() });
const MINUTE = 60_000;

test("online is said so; unknown is nothing", () => {
  assert.equal(presenceText({ status: "online", last_seen_at: null }, NOW), "online");
  assert.equal(presenceText(undefined, NOW), "");
  assert.equal(presenceText({ status: "offline", last_seen_at: null }, NOW), "offline");
  assert.equal(isOnline({ status: "online" }), true);
  assert.equal(isOnline(undefined), false);
});

test("within the hour, minutes; then today, yesterday, or the day", () => {
  assert.equal(presenceText(seen(NOW - 20_000), NOW), "last seen just now");
  assert.equal(presenceText(seen(NOW - MINUTE), NOW), "last seen 1 minute ago");
  assert.equal(presenceText(seen(NOW - 59 * MINUTE), NOW), "last seen 59 minutes ago");
  assert.match(presenceText(seen(new Date(2026, 11, 7, 9, 5).getTime()), NOW), /^last seen today at \d\d:05/);
  assert.match(presenceText(seen(new Date(2026, 11, 6, 23, 30).getTime()), NOW), /^last seen yesterday at \d\d:30/);
  const older = presenceText(seen(new Date(2026, 11, 1, 12).getTime()), NOW);
  assert.match(older, /^last seen /);
  assert.doesNotMatch(older, /today|yesterday|ago/);
});

test("a clock slightly behind the server's does not say the future", () => {
  assert.equal(presenceText(seen(NOW + 5_000), NOW), "last seen just now");
});

test("only what the page reads is kept of a frame", () => {
  assert.deepEqual(presenceOf({ type: "presence.updated", user_id: 5, status: "online" }), { status: "online", last_seen_at: null });
});
