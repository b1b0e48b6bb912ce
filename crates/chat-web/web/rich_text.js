// A message's text read as a small Markdown subset: **bold**, *italic* or _italic_, `code`,
// ``` code blocks ```, "> " quotes, [text](https://...) and bare http(s) addresses as links, and
// @mentions. Parsed here into plain objects (no DOM: `node --test` covers it), then built by
// elements.js with createElement and text nodes, never as HTML: whatever a message holds, it can
// only become text, <strong>, <em>, <code>, <pre>, <blockquote>, a mention, and a link to an
// http(s) address.

// Each is tried at one position (sticky); the first that matches there wins.
const CODE = /`([^`\n]+)`/y;
const STRONG = /\*\*(?=\S)([^\n]*?\S)\*\*/y;
const EM_STAR = /\*(?=[^\s*])([^*\n]*?[^\s*])\*/y;
// Not inside a word: snake_case_names stay as they are.
const EM_UNDERSCORE = /_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}])/uy;
const LINK = /\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)/iy;
const URL = /https?:\/\/[^\s<>"'`]+/iy;
// As the server reads mentions (chat-domain's mention.rs): 3 to 32 of a-z 0-9 _ . -, a final dot
// ending the sentence, not the name.
const MENTION = /@([a-z0-9_.-]*[a-z0-9_-])/iy;
const USERNAME_CHARS = { min: 3, max: 32 };

const WORD = /[\p{L}\p{N}]/u;
const NAME_BEFORE = /[\p{L}\p{N}_.-]/u;

/** The blocks of `text`: paragraphs and quotes of inline nodes (lines split by breaks), and code blocks. */
export function parse(text) {
  const lines = text.split("\n");
  const blocks = [];
  let at = 0;
  const isFence = (line) => line.startsWith("```");
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

/** One line's inline nodes: text, strong, em, code, link and mention. */
export function inline(text) {
  const nodes = [];
  let plain = "";
  const flush = () => {
    if (plain) nodes.push({ type: "text", text: plain });
    plain = "";
  };
  let at = 0;
  while (at < text.length) {
    const token = tokenAt(text, at);
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

function tokenAt(text, at) {
  const before = at > 0 ? text[at - 1] : "";
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
      if ((found = match(STRONG))) return { node: { type: "strong", children: inline(found[1]) }, length: found[0].length };
      if ((found = match(EM_STAR))) return { node: { type: "em", children: inline(found[1]) }, length: found[0].length };
      return null;
    case "_":
      if (WORD.test(before)) return null;
      if ((found = match(EM_UNDERSCORE))) return { node: { type: "em", children: inline(found[1]) }, length: found[0].length };
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
  for (;;) {
    const last = url[end - 1];
    if (".,;:!?'\"".includes(last)) end -= 1;
    else if (last === ")" && count(url.slice(0, end), "(") < count(url.slice(0, end), ")")) end -= 1;
    else return url.slice(0, end);
  }
}

function count(text, character) {
  return text.split(character).length - 1;
}
