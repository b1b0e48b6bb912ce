// Reactions as drawn (web/reactions.js): only those a message has, who reacted, and the picker's
// choices by name or as typed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COMMON_EMOJI, pickerChoices, reactedBy, reactionChips, typedEmoji } from "../web/reactions.js";

const ME = 1;
const NAMES = new Map([[1, "Ann"], [2, "Bob"], [3, "Carol"], [4, "Dan"], [5, "Eve"]]);
const emoji = (choices) => choices.map((choice) => choice.emoji);

test("the picker offers a dozen common emoji when nothing is typed", () => {
  assert.equal(COMMON_EMOJI.length, 12);
  assert.deepEqual(emoji(pickerChoices("")), emoji(COMMON_EMOJI));
  assert.equal(new Set(emoji(COMMON_EMOJI)).size, 12);
});

test("typed words find emoji whose name or other words begin with them", () => {
  assert.deepEqual(emoji(pickerChoices("rock")), ["🚀"]);
  assert.deepEqual(emoji(pickerChoices("THUMBS")), ["👍", "👎"]);
  assert.deepEqual(emoji(pickerChoices("thumbs d")), ["👎"]);
  assert.deepEqual(emoji(pickerChoices("laugh")), ["😂"]);
  assert.deepEqual(emoji(pickerChoices("zebra")), []);
});

test("an emoji typed is offered itself, named if it is a common one", () => {
  assert.deepEqual(pickerChoices("🦄"), [{ emoji: "🦄", name: "🦄" }]);
  assert.deepEqual(pickerChoices(" 🚀 ")[0].name, "rocket");
  assert.deepEqual(emoji(pickerChoices("👍🏽")), ["👍🏽"], "a skin tone");
  assert.deepEqual(emoji(pickerChoices("🇺🇦")), ["🇺🇦"], "a flag");
  assert.deepEqual(emoji(pickerChoices("👩‍💻")), ["👩‍💻"], "a sequence");
});

test("only what the server takes is an emoji typed: no words, no spaces, at most 64 bytes", () => {
  assert.equal(typedEmoji("ok 👍"), null);
  assert.equal(typedEmoji("👍 👍"), null);
  assert.equal(typedEmoji("yes👍"), null);
  assert.equal(typedEmoji("abc"), null);
  assert.equal(typedEmoji("🚀".repeat(16)), "🚀".repeat(16), "64 bytes");
  assert.equal(typedEmoji("🚀".repeat(17)), null, "68 bytes");
});

test("who reacted: the reader first as you, a few named, the rest counted", () => {
  assert.equal(reactedBy([2], ME, NAMES), "Bob");
  assert.equal(reactedBy([2, 1], ME, NAMES), "you and Bob");
  assert.equal(reactedBy([2, 3, 1], ME, NAMES), "you, Bob and Carol");
  assert.equal(reactedBy([2, 3, 4, 1], ME, NAMES), "you, Bob, Carol and Dan");
  assert.equal(reactedBy([2, 3, 4, 5, 1], ME, NAMES), "you, Bob, Carol and 2 others");
  assert.equal(reactedBy([9], ME, NAMES), "someone");
});

test("a message shows the reactions it has, in the server's order, ours marked", () => {
  const message = { reactions: [{ emoji: "🚀", count: 2, user_ids: [2, 1] }, { emoji: "👀", count: 1, user_ids: [3] }] };
  assert.deepEqual(reactionChips(message, ME, NAMES), [
    { emoji: "🚀", count: 2, mine: true, who: "you and Bob" },
    { emoji: "👀", count: 1, mine: false, who: "Carol" },
  ]);
  assert.deepEqual(reactionChips({ reactions: [] }, ME, NAMES), [], "none: nothing drawn");
});
