// Threads as people read them (API.md, "Threads"): a root's summary under it in the conversation
// ("3 replies", who replied, when the last reply came), and what a `thread.updated` event makes of
// the root. Pure: test/threads.test.js runs it under `node --test`.

import { dayLabel } from "./timeline.js";

const MINUTE_MS = 60 * 1000;

/** A time of day as the page shows it ("14:05"). */
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "1 reply", "12 replies". */
export function replyCount(count) {
  return `${count} ${count === 1 ? "reply" : "replies"}`;
}

/**
 * When the last reply came, at `now` (ms): "just now", "5 min ago", "today at 14:05",
 * "yesterday at 09:12", or the day.
 */
export function lastReplyText(ts, now) {
  const at = Date.parse(ts);
  const minutes = Math.floor((now - at) / MINUTE_MS);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const day = dayLabel(at, now);
  if (day === "Today" || day === "Yesterday") return `${day.toLowerCase()} at ${clock(at)}`;
  return day;
}

/**
 * A root's thread as its summary shows it, or null while it has no reply (the server leaves
 * `thread` out then): the count, the latest repliers (the server's order: most recent first) with
 * their names (`names`: user id -> display name), and when the last reply came, at `now`.
 */
export function threadSummary(message, names, now) {
  const thread = message.thread;
  if (!thread || !(thread.reply_count > 0)) return null;
  const people = (thread.participant_ids ?? []).map((id) => ({ id, name: names.get(id) || "someone" }));
  const last = thread.last_reply_at ? lastReplyText(thread.last_reply_at, now) : "";
  const count = replyCount(thread.reply_count);
  return {
    count,
    last: last ? `Last reply ${last}` : "",
    people,
    label: [count, people.length ? `from ${people.map((person) => person.name).join(", ")}` : "", last && `last reply ${last}`]
      .filter(Boolean).join(", "),
  };
}

/**
 * `message` with the summary of a `thread.updated` event: kept while the thread has replies,
 * left out once every reply is deleted (`reply_count` 0), as the server's root leaves it out.
 */
export function withThread(message, thread) {
  if (thread && thread.reply_count > 0) message.thread = { ...thread };
  else delete message.thread;
  return message;
}

/** Whether `message` is a reply in a thread (threads do not nest: it cannot be a root). */
export function isReply(message) {
  return message.thread_root_id !== undefined && message.thread_root_id !== null;
}
