// People as the page shows them: an avatar's initials and colour, and usernames completed from
// the directory as they are typed. Pure: test/people.test.js runs it under `node --test`.

/** How many avatar colours app.css has (classes hue-0 to hue-7). */
export const HUES = 8;

/** Up to two initials of `name` ("Ann Lee" -> "AL", "bob" -> "B"), whole letters even beyond the BMP. */
export function initials(name) {
  const words = String(name ?? "").trim().split(/[\s._-]+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => [...word][0]);
  return letters.join("").toLocaleUpperCase() || "?";
}

/** An avatar's colour class for `key` (a user or chat id): the same one on every screen. */
export function hue(key) {
  const number = Math.abs(Math.trunc(Number(key) || 0));
  return `hue-${number % HUES}`;
}

// ---- completing usernames from the directory (GET /users?q=, a username prefix) ----

/** The directory's longest prefix (API.md, "People"), and the letters a username has. */
const PREFIX_MAX = 32;
const USERNAME_LETTERS = /^[a-z0-9_.-]+$/;

/**
 * The username being typed in `value` (a comma-separated list: the part after the last comma),
 * as the prefix to look up: lowercase, or "" when there is nothing a username could start with.
 */
export function typedPrefix(value) {
  const prefix = value.slice(value.lastIndexOf(",") + 1).trim().toLowerCase().replace(/^@/, "");
  return prefix.length <= PREFIX_MAX && USERNAME_LETTERS.test(prefix) ? prefix : "";
}

/** The usernames already written in `value` before the one being typed. */
export function writtenBefore(value) {
  return value.slice(0, Math.max(0, value.lastIndexOf(","))).split(",").map((name) => name.trim().toLowerCase()).filter(Boolean);
}

/** `value` with the username being typed replaced by `username`, ready for the next one. */
export function completedWith(value, username) {
  const before = value.slice(0, value.lastIndexOf(",") + 1);
  return `${before}${before ? " " : ""}${username}, `;
}

/**
 * The suggestions to show from the directory's answer `users` for `value`: not the reader
 * (`meId`), and not those already written.
 */
export function suggestions(users, value, meId) {
  const written = new Set(writtenBefore(value));
  return users.filter((user) => user.id !== meId && !written.has(user.username));
}
