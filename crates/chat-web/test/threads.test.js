// Threads as people read them (web/threads.js): a root's summary, and what thread.updated does to it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { isReply, lastReplyText, replyCount, threadSummary, withThread } from "../web/threads.js";

// Local times: "today" and "yesterday" are the reader's days.
const NOW = new Date(2026, 2, 10, 12, 0).getTime();
const MINUTE = 60_000;
const ago = (ms) => new Date(NOW - ms).toISOString();
const NAMES = new Map([[2, "Bob"], [3, "Carol"]]);

test("replies are counted in words", () => {
  assert.equal(replyCount(1), "1 reply");
  assert.equal(replyCount(2), "2 replies");
  assert.equal(replyCount(100), "100 replies");
});

test("the last reply's time ages: just now, minutes, today, yesterday, the day", () => {
  assert.equal(lastReplyText(ago(20_000), NOW), "just now");
  assert.equal(lastReplyText(ago(5 * MINUTE), NOW), "5 min ago");
  assert.match(lastReplyText(ago(180 * MINUTE), NOW), /^today at /);
  assert.match(lastReplyText(ago(27 * 60 * MINUTE), NOW), /^yesterday at /);
  assert.doesNotMatch(lastReplyText(ago(9 * 24 * 60 * MINUTE), NOW), /today|yesterday|ago/);
});

test("a root's summary: count, the latest repliers by name in the server's order, the last reply", () => {
  const root = { id: 1, thread: { reply_count: 3, last_reply_at: ago(2 * MINUTE), participant_ids: [3, 2, 9] } };
  const summary = threadSummary(root, NAMES, NOW);
  assert.equal(summary.count, "3 replies");
  assert.equal(summary.last, "Last reply 2 min ago");
  assert.deepEqual(summary.people, [{ id: 3, name: "Carol" }, { id: 2, name: "Bob" }, { id: 9, name: "someone" }]);
  assert.equal(summary.label, "3 replies, from Carol, Bob, someone, last reply 2 min ago");
});

test("a message without replies has no summary", () => {
  assert.equal(threadSummary({ id: 1 }, NAMES, NOW), null);
  assert.equal(threadSummary({ id: 1, thread: { reply_count: 0, last_reply_at: null, participant_ids: [] } }, NAMES, NOW), null);
});

test("thread.updated's summary is kept while there are replies, and left out once none remain", () => {
  const root = { id: 1 };
  withThread(root, { reply_count: 1, last_reply_at: "2026-03-10T11:58:00Z", participant_ids: [2] });
  assert.deepEqual(root.thread, { reply_count: 1, last_reply_at: "2026-03-10T11:58:00Z", participant_ids: [2] });
  withThread(root, { reply_count: 0, last_reply_at: null, participant_ids: [] });
  assert.equal("thread" in root, false);
});

test("a reply names its root; a root or a plain message does not", () => {
  assert.equal(isReply({ id: 5, thread_root_id: 1 }), true);
  assert.equal(isReply({ id: 1 }), false);
  assert.equal(isReply({ id: 1, thread_root_id: null }), false);
});
