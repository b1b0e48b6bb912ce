// A message's Markdown subset (web/rich_text.js): what each mark becomes, what stays text, and
// that nothing in a message can become markup or a link to anything but an http(s) address.

import { test } from "node:test";
import assert from "node:assert/strict";
import { inline, parse } from "../web/rich_text.js";

const text = (value) => ({ type: "text", text: value });

test("plain text is one paragraph of one text node", () => {
  assert.deepEqual(parse("привет, мир"), [{ type: "paragraph", children: [text("привет, мир")] }]);
});

test("bold, italic and code become their nodes, with text around them", () => {
  assert.deepEqual(inline("a **launch** b *soon* c _now_ d `x < y`"), [
    text("a "), { type: "strong", children: [text("launch")] }, text(" b "),
    { type: "em", children: [text("soon")] }, text(" c "),
    { type: "em", children: [text("now")] }, text(" d "),
    { type: "code", text: "x < y" },
  ]);
});

test("marks nest, but code holds its text as it is", () => {
  assert.deepEqual(inline("**bold _and italic_**"), [
    { type: "strong", children: [text("bold "), { type: "em", children: [text("and italic")] }] },
  ]);
  assert.deepEqual(inline("`**not bold**`"), [{ type: "code", text: "**not bold**" }]);
});

test("what is not a mark stays text", () => {
  for (const line of ["snake_case_name", "2 * 3 * 4", "** spaced **", "**unclosed", "a * b", "`", "_ _", "x_y_"]) {
    assert.deepEqual(inline(line), [text(line)], line);
  }
});

test("links are http(s) addresses only, bare or with their text", () => {
  assert.deepEqual(inline("see https://example.org/a?b=1."), [
    text("see "), { type: "link", href: "https://example.org/a?b=1", children: [text("https://example.org/a?b=1")] }, text("."),
  ]);
  assert.deepEqual(inline("(http://example.org/wiki/A_(b))"), [
    text("("), { type: "link", href: "http://example.org/wiki/A_(b)", children: [text("http://example.org/wiki/A_(b)")] }, text(")"),
  ]);
  assert.deepEqual(inline("[the docs](https://example.org/docs)"), [
    { type: "link", href: "https://example.org/docs", children: [text("the docs")] },
  ]);
  for (const line of ["[x](javascript:alert(1))", "javascript:alert(1)", "[x](data:text/html,hi)", "ftp://example.org"]) {
    assert.ok(inline(line).every((node) => node.type === "text"), line);
  }
  // A link's text is text: no link inside a link.
  assert.deepEqual(inline("[https://a.example](https://b.example)"), [
    { type: "link", href: "https://b.example", children: [text("https://a.example")] },
  ]);
});

test("mentions are usernames after an @ that does not follow a letter", () => {
  assert.deepEqual(inline("@Ann, ask @bob.smith."), [
    { type: "mention", username: "ann" }, text(", ask "), { type: "mention", username: "bob.smith" }, text("."),
  ]);
  assert.deepEqual(inline("mail ann@example.org"), [text("mail ann@example.org")]);
  // As the server counts them: 3 to 32 characters, not after a name's own characters.
  for (const line of ["@al.", "x.@ann", `@${"a".repeat(33)}`]) assert.deepEqual(inline(line), [text(line)], line);
});

test("markup in a message is text", () => {
  const line = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;
  assert.deepEqual(parse(line), [{ type: "paragraph", children: [text(line)] }]);
});

test("lines are kept as breaks; quotes and code blocks are blocks of their own", () => {
  assert.deepEqual(parse("one\ntwo\n> quoted **bold**\n>more\n```\nlet x = **1**;\n  indented\n```\nafter"), [
    { type: "paragraph", children: [text("one"), { type: "break" }, text("two")] },
    { type: "quote", children: [text("quoted "), { type: "strong", children: [text("bold")] }, { type: "break" }, text("more")] },
    { type: "codeblock", text: "let x = **1**;\n  indented" },
    { type: "paragraph", children: [text("after")] },
  ]);
});

test("an unclosed code block runs to the end of the message", () => {
  assert.deepEqual(parse("```\ncode\nmore"), [{ type: "codeblock", text: "code\nmore" }]);
});

test("a line starting with ``` that is more than a fence is text", () => {
  const [block] = parse("```ls -la```");
  assert.equal(block.type, "paragraph");
  assert.ok(block.children.some((node) => node.type === "code" && node.text === "ls -la"));
  assert.deepEqual(parse("```js\nlet a;\n```"), [{ type: "codeblock", text: "let a;" }]);
});

test("a mark's text knows the character before it, as the server's mention rule does", () => {
  assert.deepEqual(inline("_@ann_"), [{ type: "em", children: [text("@ann")] }]);
  assert.deepEqual(inline("*@ann*"), [{ type: "em", children: [{ type: "mention", username: "ann" }] }]);
  assert.deepEqual(inline("𝐀@ann"), [text("𝐀@ann")]);
});

// Each would take far longer than the rest of this file together if a pattern scanned the line
// again from every one of its 4,000 characters.
test("lines built to make a parser scan them again and again are read once", () => {
  for (const line of ["[".repeat(4000), `${"[".repeat(3999)}]`, " **a".repeat(1000), `http://a${")".repeat(3990)}`]) {
    const nodes = inline(line);
    const shown = nodes.map((node) => node.text ?? node.href).join("");
    assert.equal(shown, line);
  }
});
