import { test } from "node:test";
import assert from "node:assert/strict";
import { resolutionText, resolutionsFor, slowModeText, tombstoneText } from "../web/moderation.js";

const names = new Map([[1, "Ann"], [2, "Mia"]]);

test("a tombstone says who deleted it when not its author, and why", () => {
  assert.equal(tombstoneText({ author_id: 1, is_deleted: true }, names), "message deleted", "deleted before who was kept");
  assert.equal(tombstoneText({ author_id: 1, deleted_by: 1 }, names), "message deleted", "its author");
  assert.equal(tombstoneText({ author_id: 1, deleted_by: 2 }, names), "message deleted by Mia");
  assert.equal(tombstoneText({ author_id: 1, deleted_by: 2, deletion_reason: "spam" }, names), "message deleted by Mia: spam");
  assert.equal(tombstoneText({ author_id: 1, deleted_by: 9 }, names), "message deleted by user 9", "a name not loaded");
});

test("slow mode reads in the largest whole unit, and nothing when off", () => {
  assert.equal(slowModeText({ slow_mode_secs: 0 }), "");
  assert.equal(slowModeText(undefined), "");
  assert.equal(slowModeText({ slow_mode_secs: 30 }), "slow mode: one message every 30 s");
  assert.equal(slowModeText({ slow_mode_secs: 120 }), "slow mode: one message every 2 min");
  assert.equal(slowModeText({ slow_mode_secs: 7200 }), "slow mode: one message every 2 h");
  assert.equal(slowModeText({ slow_mode_secs: 90 }), "slow mode: one message every 90 s");
});

test("a report is resolved by acting on it where the caller can, by a record otherwise", () => {
  const report = { chat_id: 7, message_id: 9, user_id: 2 };
  const managed = resolutionsFor(report, { manages: true });
  assert.deepEqual(managed.map((option) => option.action), ["message_deleted", "user_removed", "user_banned", "user_warned", "dismissed"]);
  assert.deepEqual(managed.filter((option) => option.acts).map((option) => option.label), ["Delete message", "Remove from chat", "Ban from chat"]);
  assert.ok(managed.every((option) => option.ask.includes("optional")));
  // A server moderator outside the chat deletes, but cannot remove or ban there.
  assert.deepEqual(resolutionsFor(report).map((option) => option.action), ["message_deleted", "user_warned", "dismissed"]);
  const ofUser = resolutionsFor({ chat_id: null, message_id: null, user_id: 2 });
  assert.deepEqual(ofUser.map((option) => [option.action, option.acts]), [["user_warned", false], ["dismissed", false]]);
});

test("a resolution reads as what was done, with its note", () => {
  assert.equal(resolutionText({ action: "message_deleted", note: null }), "Resolved: message deleted");
  assert.equal(resolutionText({ action: "user_banned", note: "spam" }), "Resolved: banned from the chat (spam)");
  assert.equal(resolutionText({ action: "something_new", note: "" }), "Resolved: something_new", "an action from a newer server");
});
