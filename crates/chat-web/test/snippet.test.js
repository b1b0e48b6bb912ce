import { test } from "node:test";
import assert from "node:assert/strict";
import { snippetParts } from "../web/snippet.js";

test("a snippet reads as text with its matches marked", () => {
  assert.deepEqual(snippetParts("the <mark>launch</mark> is at <mark>noon</mark>"), [
    { text: "the ", marked: false }, { text: "launch", marked: true }, { text: " is at ", marked: false }, { text: "noon", marked: true },
  ]);
});

test("escaped text comes back as typed, and is never markup", () => {
  assert.deepEqual(snippetParts("&lt;img src=x onerror=&quot;a()&quot;&gt; &amp;amp; it&#39;s <mark>сообщение</mark>"), [
    { text: "<img src=x onerror=\"a()\"> &amp; it's ", marked: false }, { text: "сообщение", marked: true },
  ]);
  // Only <mark> is a mark; anything else that looks like a tag stays text.
  assert.deepEqual(snippetParts("<b>x</b>"), [{ text: "<b>x</b>", marked: false }]);
});
