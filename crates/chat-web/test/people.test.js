// Avatars (web/people.js): initials and a colour that stays with a person.

import { test } from "node:test";
import assert from "node:assert/strict";
import { HUES, completedWith, hue, initials, suggestions, typedPrefix, writtenBefore } from "../web/people.js";

test("initials take the first letter of up to two words, whole letters", () => {
  assert.equal(initials("Ann Lee"), "AL");
  assert.equal(initials("bob"), "B");
  assert.equal(initials("ann.b_jones x"), "AB");
  assert.equal(initials("Юлия Петрова"), "ЮП");
  assert.equal(initials("𝒜lice"), "𝒜");
  assert.equal(initials("   "), "?");
  assert.equal(initials(undefined), "?");
});

test("a key has one colour of the stylesheet's", () => {
  assert.equal(hue(9), hue(9));
  assert.equal(hue(9), `hue-${9 % HUES}`);
  assert.equal(hue("x"), "hue-0");
});

test("the username being typed is the list's last, as a prefix the directory takes", () => {
  assert.equal(typedPrefix("Bo"), "bo");
  assert.equal(typedPrefix("ann, bo"), "bo");
  assert.equal(typedPrefix("ann, @Bo"), "bo");
  assert.equal(typedPrefix("ann, "), "", "nothing typed yet");
  assert.equal(typedPrefix("bob smith"), "", "no username has a space");
  assert.equal(typedPrefix("x".repeat(33)), "", "longer than any username");
  assert.equal(typedPrefix("ann.b_x-1"), "ann.b_x-1");
});

test("completing replaces what is typed and readies the next name", () => {
  assert.equal(completedWith("bo", "bob"), "bob, ");
  assert.equal(completedWith("ann, bo", "bob"), "ann, bob, ");
  assert.equal(completedWith("ann,bo", "bob"), "ann, bob, ");
  assert.deepEqual(writtenBefore("Ann, carol , bo"), ["ann", "carol"]);
});

test("the reader and the names already written are not offered", () => {
  const users = [{ id: 1, username: "ann" }, { id: 2, username: "bob" }, { id: 3, username: "bobby" }];
  assert.deepEqual(suggestions(users, "bob, b", 1).map((user) => user.id), [3]);
  assert.deepEqual(suggestions(users, "", 9).map((user) => user.id), [1, 2, 3]);
});
