// Mentions as the composer completes them and as the Mentions view shows them: the `@word` being
// typed at the caret, the open chat's members it may name, the text once one is picked, the
// count of unread mentions over the chat list, and a mention's text cut to a line. Pure:
// test/mentions.test.js runs it under `node --test`.

import { inline } from "./rich_text.js";
import { UNREAD_COUNTED_UP_TO } from "./unread.js";

// As rich_text.js and the server read a mention: a-z 0-9 _ . - (any case), not right after a
// letter, a digit or one of _ . -, at most 32 of them.
const NAME_CHAR = /[a-z0-9_.-]/i;
const NAME_BEFORE = /[\p{Alphabetic}\p{N}_.-]/u;
const USERNAME_MAX = 32;

/**
 * The mention being typed in `text` with the caret at `caret`: `{ start, end, query }`, where
 * `start` is the `@`'s index, `end` where the name's letters stop (the caret may stand inside
 * them), and `query` the lowercase letters between the `@` and the caret (maybe none); null when
 * the caret is not in a mention.
 */
export function mentionAt(text, caret) {
  let start = caret;
  while (start > 0 && NAME_CHAR.test(text[start - 1])) start -= 1;
  if (start === 0 || text[start - 1] !== "@") return null;
  const at = start - 1;
  if (at > 0 && NAME_BEFORE.test(lastCharacter(text, at))) return null; // an address, not a mention
  let end = caret;
  while (end < text.length && NAME_CHAR.test(text[end])) end += 1;
  const query = text.slice(start, caret).toLowerCase();
  if (end - start > USERNAME_MAX) return null;
  return { start: at, end, query };
}

/** The whole character (code point) that ends `text` before `at`. */
function lastCharacter(text, at) {
  const code = text.charCodeAt(at - 1);
  const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff;
  return isLowSurrogate && at >= 2 ? text.slice(at - 2, at) : text[at - 1];
}

/**
 * The members (ChatMember entries) that `query` may name, as users (`{ id, username,
 * display_name }`): those whose username, or a word of whose display name, starts with it; not
 * the reader (`meId`). Usernames that match come first, each group in username order; at most
 * `limit`.
 */
export function mentionCandidates(members, query, meId, limit = 8) {
  const wanted = query.toLowerCase();
  const byUsername = [];
  const byName = [];
  for (const member of members) {
    if (member.user_id === meId) continue;
    const user = { id: member.user_id, username: member.username, display_name: member.display_name };
    if (member.username.startsWith(wanted)) byUsername.push(user);
    else if (nameWords(member.display_name).some((word) => word.startsWith(wanted))) byName.push(user);
  }
  const order = (a, b) => a.username.localeCompare(b.username);
  return [...byUsername.sort(order), ...byName.sort(order)].slice(0, limit);
}

function nameWords(name) {
  return String(name ?? "").toLocaleLowerCase().split(/\s+/u).filter(Boolean);
}

/**
 * `text` with the mention `mention` (mentionAt's) replaced by `@username ` (one space after it,
 * unless one follows already), and where the caret goes: after that space.
 */
export function withMention(text, mention, username) {
  const after = text.slice(mention.end);
  const inserted = after.startsWith(" ") ? `@${username}` : `@${username} `;
  const caret = mention.start + inserted.length + (after.startsWith(" ") ? 1 : 0);
  return { text: text.slice(0, mention.start) + inserted + after, caret };
}

/**
 * The unread mentions of all `chats` (ChatSummary entries), as a badge shows them: each chat's is
 * counted up to 100 by the server, so the sum is too ("99+").
 */
export function unreadMentions(chats) {
  let total = 0;
  for (const chat of chats) total += chat.unread_mentions ?? 0;
  return Math.min(total, UNREAD_COUNTED_UP_TO);
}

/** How many characters of a mention's text its entry shows. */
export const PREVIEW_CHARS = 140;

/**
 * A message's text on one line, cut to `max` characters (then "…"), as its pieces in order:
 * `{ text, toMe }`, `toMe` for a mention of `myUsername`. Marks show as their text.
 */
export function previewParts(content, myUsername, max = PREVIEW_CHARS) {
  const line = String(content ?? "").replace(/\s+/gu, " ").trim();
  const chars = [...line];
  const cut = chars.length > max ? `${chars.slice(0, max).join("").trimEnd()}…` : line;
  const parts = [];
  const push = (text, toMe) => {
    const last = parts.at(-1);
    if (last && last.toMe === toMe && !toMe) last.text += text;
    else if (text) parts.push({ text, toMe });
  };
  const flatten = (nodes) => {
    for (const node of nodes) {
      if (node.type === "mention") push(`@${node.username}`, node.username === myUsername);
      else if (node.children) flatten(node.children);
      else if (node.type === "break") push(" ", false);
      else push(node.text ?? "", false);
    }
  };
  flatten(inline(cut));
  return parts;
}
