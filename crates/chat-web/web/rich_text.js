// A message's text read as a small Markdown subset: **bold**, *italic* or _italic_, `code`,
// ``` code blocks ```, "> " quotes, [text](https://...) and bare http(s) addresses as links, and
// @mentions. Parsed here into plain objects (no DOM: `node --test` covers it), then built by
// elements.js with createElement and text nodes, never as HTML: whatever a message holds, it can
// only become text, <strong>, <em>, <code>, <pre>, <blockquote>, a mention, and a link to an
// http(s) address.

// Each is tried at one position (sticky); the first that matches there wins. None can scan past
// the next of its own closing characters, so a line costs time in proportion to its length, whatever
// it holds (a message of 4,000 brackets or stars included): `STRONG`, whose text may hold anything,
// is tried only where a closing `**` follows (`inline`).
const CODE = /`([^`\n]+)`/y;
const STRONG = /\*\*(?=\S)([^\n]*?\S)\*\*/y;
const EM_STAR = /\*(?=[^\s*])([^*\n]*?[^\s*])\*/y;
// Not inside a word: snake_case_names stay as they are.
const EM_UNDERSCORE = /_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{Alphabetic}\p{N}])/uy;
const LINK = /\[([^[\]\n]+)\]\((https?:\/\/[^\s()[\]]+)\)/iy;
const URL = /https?:\/\/[^\s<>"'`]+/iy;
// As the server reads mentions (chat-domain's mention.rs): 3 to 32 of a-z 0-9 _ . -, a final dot
// ending the sentence, not the name, and not right after a letter, a digit or one of _ . -.
const MENTION = /@([a-z0-9_.-]*[a-z0-9_-])/iy;
const USERNAME_CHARS = { min: 3, max: 32 };
const WORD = /[\p{Alphabetic}\p{N}]/u;
const NAME_BEFORE = /[\p{Alphabetic}\p{N}_.-]/u;
// A fence is ``` and at most a language's name; any other line starting with ``` is text.
const FENCE = /^```[\w+.-]*\s*$/;

/** The blocks of `text`: paragraphs and quotes of inline nodes (lines split by breaks), and code blocks. */
export function parse(text) {
  const lines = text.split("\n");
  const blocks = [];
  let at = 0;
  const isFence = (line) => FENCE.test(line);
  const isQuote = (line) => line.startsWith(">");
  while (at < lines.length) {
    const body = [];
    if (isFence(lines[at])) {
      // An unclosed fence runs to the end, as in CommonMark.
      for (at++; at < lines.length && !isFence(lines[at]); at++) body.push(lines[at]);
      at++;
      blocks.push({ type: "codeblock", text: body.join("\n") });
    } else if (isQuote(lines[at])) {
      for (; at < lines.length && isQuote(lines[at]); at++) body.push(lines[at].replace(/^>\s?/, ""));
      blocks.push({ type: "quote", children: inlineLines(body) });
    } else {
      for (; at < lines.length && !isFence(lines[at]) && !isQuote(lines[at]); at++) body.push(lines[at]);
      blocks.push({ type: "paragraph", children: inlineLines(body) });
    }
  }
  return blocks;
}

function inlineLines(lines) {
  return lines.flatMap((line, n) => (n === 0 ? inline(line) : [{ type: "break" }, ...inline(line)]));
}

/**
 * One line's inline nodes: text, strong, em, code, link and mention. `before` is the character
 * before the line, for a mark's text (`_@ann_` mentions no one, as on the server).
 */
export function inline(text, before = "") {
  const nodes = [];
  let plain = "";
  const flush = () => {
    if (plain) nodes.push({ type: "text", text: plain });
    plain = "";
  };
  // Where the last closing `**` (after a non-space) starts: `STRONG` cannot match past it.
  const lastClosing = lastStrongClosing(text);
  let at = 0;
  while (at < text.length) {
    const token = tokenAt(text, at, { before: at > 0 ? lastCharacter(text, at) : before, lastClosing });
    if (token) {
      flush();
      nodes.push(token.node);
      at += token.length;
    } else {
      plain += text[at];
      at += 1;
    }
  }
  flush();
  return nodes;
}

function lastStrongClosing(text) {
  for (let at = text.lastIndexOf("**"); at > 0; at = text.lastIndexOf("**", at - 1)) {
    if (/\S/.test(text[at - 1])) return at;
  }
  return -1;
}

/** The whole character (code point) that ends `text` before `at`. */
function lastCharacter(text, at) {
  const code = text.charCodeAt(at - 1);
  const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff;
  return isLowSurrogate && at >= 2 ? text.slice(at - 2, at) : text[at - 1];
}

function tokenAt(text, at, { before, lastClosing }) {
  const match = (pattern) => {
    pattern.lastIndex = at;
    return pattern.exec(text);
  };
  let found;
  switch (text[at]) {
    case "`":
      if ((found = match(CODE))) return { node: { type: "code", text: found[1] }, length: found[0].length };
      return null;
    case "*":
      if (lastClosing >= at + 3 && (found = match(STRONG))) return { node: { type: "strong", children: inline(found[1], "*") }, length: found[0].length };
      if ((found = match(EM_STAR))) return { node: { type: "em", children: inline(found[1], "*") }, length: found[0].length };
      return null;
    case "_":
      if (WORD.test(before)) return null;
      if ((found = match(EM_UNDERSCORE))) return { node: { type: "em", children: inline(found[1], "_") }, length: found[0].length };
      return null;
    case "[":
      // The link's text stays text: no link inside a link.
      if ((found = match(LINK))) return { node: { type: "link", href: found[2], children: [{ type: "text", text: found[1] }] }, length: found[0].length };
      return null;
    case "@":
      if (NAME_BEFORE.test(before)) return null; // an address, not a mention
      if (!(found = match(MENTION)) || found[1].length < USERNAME_CHARS.min || found[1].length > USERNAME_CHARS.max) return null;
      return { node: { type: "mention", username: found[1].toLowerCase() }, length: found[0].length };
    case "h":
    case "H": {
      if (WORD.test(before) || !(found = match(URL))) return null;
      const href = trimUrl(found[0]);
      return { node: { type: "link", href, children: [{ type: "text", text: href }] }, length: href.length };
    }
    default:
      return null;
  }
}

/** A bare address without the punctuation that ends its sentence, or the bracket around it. */
function trimUrl(url) {
  let end = url.length;
  let unmatchedClosing = count(url, ")") - count(url, "(");
  for (;;) {
    const last = url[end - 1];
    if (".,;:!?'\"".includes(last)) end -= 1;
    else if (last === ")" && unmatchedClosing > 0) {
      end -= 1;
      unmatchedClosing -= 1;
    } else return url.slice(0, end);
  }
}

function count(text, character) {
  let found = 0;
  for (const each of text) if (each === character) found += 1;
  return found;
}
