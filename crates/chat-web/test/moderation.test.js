import { test } from "node:test";
import assert from "node:assert/strict";
import { slowModeText, tombstoneText } from "../web/moderation.js";

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
