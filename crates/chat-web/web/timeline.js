// The open chat laid out for reading: a separator where the day changes, a "new messages" divider
// before the first message from others that the reader had not read when the chat opened, and
// consecutive messages of one author a few minutes apart grouped (the author named once). Pure:
// test/timeline.test.js runs it under `node --test`.

/** A message this close (ms) after the one before, by the same author, joins it. */
export const GROUP_WITHIN_MS = 5 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The local calendar day of `ts`, as a key. */
function dayOf(ts) {
  const at = new Date(ts);
  return `${at.getFullYear()}-${at.getMonth()}-${at.getDate()}`;
}

/** "Today", "Yesterday", or the date (with the year when it is not this year's). */
export function dayLabel(ts, now) {
  const day = dayOf(ts);
  if (day === dayOf(now)) return "Today";
  if (day === dayOf(new Date(now).getTime() - DAY_MS)) return "Yesterday";
  const at = new Date(ts);
  const options = { weekday: "short", day: "numeric", month: "long" };
  if (at.getFullYear() !== new Date(now).getFullYear()) options.year = "numeric";
  return at.toLocaleDateString([], options);
}

/**
 * `entries` (model.visibleMessages: `{ message, state }` in order) as the items to draw:
 * `{ kind: "day", label }`, `{ kind: "new" }`, and `{ kind: "message", message, state, continued }`.
 * `unreadAfter` is the reader's read marker as the chat opened, or null when nothing was unread
 * then (model.chatOpened): the divider goes before the first stored message from someone else
 * past it. `continued` says the author was named just before.
 */
export function timeline(entries, { me, unreadAfter, now = Date.now() }) {
  const items = [];
  let day = null;
  let previous = null;
  let dividerShown = unreadAfter === null || unreadAfter === undefined;
  for (const { message, state } of entries) {
    let separated = false;
    const thisDay = dayOf(message.ts);
    if (thisDay !== day) {
      items.push({ kind: "day", label: dayLabel(message.ts, now) });
      day = thisDay;
      separated = true;
    }
    if (!dividerShown && state === "sent" && message.id > unreadAfter && message.author_id !== me) {
      items.push({ kind: "new" });
      dividerShown = true;
      separated = true;
    }
    const continued = !separated && previous !== null && previous.author_id === message.author_id
      && Date.parse(message.ts) - Date.parse(previous.ts) <= GROUP_WITHIN_MS;
    items.push({ kind: "message", message, state, continued });
    previous = message;
  }
  return items;
}
