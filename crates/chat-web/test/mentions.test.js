// Mentions (web/mentions.js): the `@name` at the caret, the members it may name, the text once
// one is picked, the unread count over the chat list, and a mention's line in the Mentions view.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mentionAt, mentionCandidates, previewParts, unreadMentions, withMention } from "../web/mentions.js";

const MEMBERS = [
  { user_id: 1, username: "ann", display_name: "Ann Lee" },
  { user_id: 2, username: "bob", display_name: "Bob Stone" },
  { user_id: 3, username: "bora", display_name: "Dora Bell" },
  { user_id: 4, username: "carol", display_name: "Carol Bowman" },
  { user_id: 5, username: "dave", display_name: "Юрий Бойко" },
];

test("the mention at the caret runs from its @ to the caret, and ends where the name ends", () => {
  assert.deepEqual(mentionAt("hi @bo", 6), { start: 3, end: 6, query: "bo" });
  assert.deepEqual(mentionAt("@", 1), { start: 0, end: 1, query: "" }, "just typed: every member");
  assert.deepEqual(mentionAt("hi @Bo", 6), { start: 3, end: 6, query: "bo" }, "any case, as the server reads it");
  assert.deepEqual(mentionAt("hi @bob there", 5), { start: 3, end: 7, query: "b" }, "the caret inside the name");
  assert.deepEqual(mentionAt("(@bo", 4), { start: 1, end: 4, query: "bo" });
  assert.deepEqual(mentionAt("line\n@ann.b", 11), { start: 5, end: 11, query: "ann.b" });
});

test("no mention where the caret is not in one, nor in an address", () => {
  assert.equal(mentionAt("hello", 5), null);
  assert.equal(mentionAt("hi @bob there", 13), null, "after the name and a space");
  assert.equal(mentionAt("hi @bob ", 8), null);
  assert.equal(mentionAt("ann@example", 11), null, "an address");
  assert.equal(mentionAt("x_@bob", 6), null);
  assert.equal(mentionAt("й@bob", 5), null, "after any letter");
  assert.equal(mentionAt(`@${"a".repeat(33)}`, 34), null, "longer than any username");
  assert.equal(mentionAt("", 0), null);
});

test("members are offered by username, then by a word of their display name, never the reader", () => {
  const offered = (query) => mentionCandidates(MEMBERS, query, 1).map((user) => user.username);
  assert.deepEqual(offered("bo"), ["bob", "bora", "carol"], "Carol Bowman by her name, after the usernames");
  assert.deepEqual(offered(""), ["bob", "bora", "carol", "dave"]);
  assert.deepEqual(offered("an"), [], "the reader is not offered");
  assert.deepEqual(offered("бо"), ["dave"], "display names in any script");
  assert.deepEqual(offered("stone"), ["bob"]);
  assert.deepEqual(offered("x"), []);
  assert.deepEqual(mentionCandidates(MEMBERS, "", 1, 2).map((user) => user.username), ["bob", "bora"]);
  assert.deepEqual(mentionCandidates(MEMBERS, "bob", 1), [{ id: 2, username: "bob", display_name: "Bob Stone" }]);
});

test("picking puts @username and a space in place of what was typed, the caret after them", () => {
  assert.deepEqual(withMention("hi @bo", mentionAt("hi @bo", 6), "bob"), { text: "hi @bob ", caret: 8 });
  assert.deepEqual(withMention("@", mentionAt("@", 1), "bob"), { text: "@bob ", caret: 5 });
  const text = "hi @bxyz there";
  assert.deepEqual(withMention(text, mentionAt(text, 5), "bob"), { text: "hi @bob there", caret: 8 }, "the whole word replaced, no second space");
  assert.deepEqual(withMention("@bo, see", mentionAt("@bo, see", 3), "bob"), { text: "@bob , see", caret: 5 });
});

test("unread mentions are summed over the chats, up to the server's cap", () => {
  assert.equal(unreadMentions([]), 0);
  assert.equal(unreadMentions([{ unread_mentions: 2 }, { unread_mentions: 0 }, {}, { unread_mentions: 3 }]), 5);
  assert.equal(unreadMentions([{ unread_mentions: 100 }, { unread_mentions: 4 }]), 100);
});

test("a mention's line: text on one line, the reader's mention marked, marks as their text, cut", () => {
  assert.deepEqual(previewParts("hi **@bob**,\nsee `x` and @ann", "bob"), [
    { text: "hi ", toMe: false }, { text: "@bob", toMe: true }, { text: ", see x and @ann", toMe: false },
  ]);
  assert.deepEqual(previewParts("<img src=x onerror=alert(1)> @bob", "bob"), [{ text: "<img src=x onerror=alert(1)> ", toMe: false }, { text: "@bob", toMe: true }]);
  assert.deepEqual(previewParts(`${"a".repeat(10)} tail`, "bob", 12), [{ text: "aaaaaaaaaa t…", toMe: false }]);
  assert.deepEqual(previewParts("", "bob"), []);
});
