// Avatars (web/people.js): initials and a colour that stays with a person.

import { test } from "node:test";
import assert from "node:assert/strict";
import { HUES, hue, initials } from "../web/people.js";

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
