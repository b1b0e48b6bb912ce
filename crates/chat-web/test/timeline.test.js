import { test } from "node:test";
import assert from "node:assert/strict";
import { dayLabel, GROUP_WITHIN_MS, timeline } from "../web/timeline.js";

const NOW = new Date(2026, 11, 7, 15, 0).getTime();
const at = (day, hour, minute = 0) => new Date(2026, 11, day, hour, minute).toISOString();
const sent = (id, author, ts) => ({ message: { id, author_id: author, ts }, state: "sent" });
const kinds = (items) => items.map((item) => item.kind === "message" ? `${item.message.id}${item.continued ? "+" : ""}` : item.kind === "day" ? item.label : "new");

test("days are named today, yesterday, then by date, with the year only when it is another", () => {
  assert.equal(dayLabel(at(7, 9), NOW), "Today");
  assert.equal(dayLabel(at(6, 23, 59), NOW), "Yesterday");
  assert.doesNotMatch(dayLabel(at(1, 12), NOW), /2026|Today|Yesterday/);
  assert.match(dayLabel(new Date(2025, 11, 31, 12).toISOString(), NOW), /2025/);
});

test("a separator opens each day, and the first message of a day starts a group", () => {
  const items = timeline([sent(1, 7, at(6, 23, 58)), sent(2, 7, at(7, 0, 1)), sent(3, 7, at(7, 0, 2))], { me: 1, unreadAfter: null, now: NOW });
  assert.deepEqual(kinds(items), ["Yesterday", "1", "Today", "2", "3+"]);
});

test("one author's messages group while each follows the last within the window", () => {
  const start = new Date(2026, 11, 7, 10, 0).getTime();
  const ts = (offset) => new Date(start + offset).toISOString();
  const entries = [sent(1, 7, ts(0)), sent(2, 7, ts(GROUP_WITHIN_MS)), sent(3, 7, ts(2 * GROUP_WITHIN_MS + 1)), sent(4, 8, ts(2 * GROUP_WITHIN_MS + 2)), sent(5, 7, ts(2 * GROUP_WITHIN_MS + 3))];
  assert.deepEqual(kinds(timeline(entries, { me: 1, unreadAfter: null, now: NOW })), ["Today", "1", "2+", "3", "4", "5"]);
});

test("the divider stands before the first unread message from someone else, and starts a group", () => {
  const entries = [sent(10, 7, at(7, 10)), sent(11, 1, at(7, 10, 1)), sent(12, 7, at(7, 10, 2)), sent(13, 7, at(7, 10, 3))];
  // Our own message past the marker is not news to us.
  assert.deepEqual(kinds(timeline(entries, { me: 1, unreadAfter: 10, now: NOW })), ["Today", "10", "11", "new", "12", "13+"]);
  assert.deepEqual(kinds(timeline(entries, { me: 1, unreadAfter: 0, now: NOW })), ["Today", "new", "10", "11", "12", "13+"]);
  // Nothing was unread as the chat opened: messages arriving live bring no divider.
  assert.deepEqual(kinds(timeline(entries, { me: 1, unreadAfter: null, now: NOW })), ["Today", "10", "11", "12", "13+"]);
});

test("our sends not yet stored never carry the divider", () => {
  const entries = [sent(10, 7, at(7, 10)), { message: { id: "local-1", author_id: 1, ts: at(7, 10, 1) }, state: "sending" }];
  assert.deepEqual(kinds(timeline(entries, { me: 1, unreadAfter: 10, now: NOW })), ["Today", "10", "local-1"]);
});
