// Unread counts as people read them. Shared by the page and the service worker (push.js), so
// nothing here but the arithmetic: test/model.test.js runs it under `node --test`.

/** The server counts unread messages up to this (API.md, "Read state"): at it, "or more". */
export const UNREAD_COUNTED_UP_TO = 100;

/** A count as a badge shows it: "99+" once the server's count reached its cap. */
export function badge(count) {
  return count >= UNREAD_COUNTED_UP_TO ? `${UNREAD_COUNTED_UP_TO - 1}+` : String(count);
}

/** The tab's title: the unread messages of every chat first, when there are any. */
export function pageTitle(chats, name = "Chat") {
  let total = 0;
  for (const chat of chats) total += chat.unread_count;
  return total > 0 ? `(${badge(total)}) ${name}` : name;
}
