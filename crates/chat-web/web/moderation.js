// What moderation shows: a tombstone's words (API.md, "Messages": a tombstone says who deleted it
// and why), what a chat in slow mode tells its members, and the ways to resolve a report. Pure:
// test/moderation.test.js.

/**
 * A deleted message's text: by whom when it was not its author (a chat admin, a server
 * moderator), and the reason they gave.
 */
export function tombstoneText(message, names) {
  const by = message.deleted_by;
  if (by === undefined || by === null || by === message.author_id) return "message deleted";
  const who = names.get(by) || `user ${by}`;
  return message.deletion_reason ? `message deleted by ${who}: ${message.deletion_reason}` : `message deleted by ${who}`;
}

/** A chat's slow mode in words ("" when off), for its header. */
export function slowModeText(chat) {
  const seconds = chat?.slow_mode_secs ?? 0;
  if (seconds <= 0) return "";
  if (seconds % 3600 === 0) return `slow mode: one message every ${seconds / 3600} h`;
  if (seconds % 60 === 0) return `slow mode: one message every ${seconds / 60} min`;
  return `slow mode: one message every ${seconds} s`;
}

/**
 * The ways to resolve a report, each `{action, label, acts}`: the resolution's `action`
 * (API.md, "Reports"), its button's label, and whether resolving does it too (`acts`: the
 * message deleted, the person removed from or banned in the chat) rather than only recording
 * what was done. A report of a user (no chat) offers only what needs no chat.
 */
export function resolutionsFor(report) {
  const inChat = report.chat_id !== null && report.chat_id !== undefined;
  return [
    inChat && { action: "message_deleted", label: "Delete message", acts: true },
    inChat && { action: "user_removed", label: "Remove from chat", acts: true },
    inChat && { action: "user_banned", label: "Ban from chat", acts: true },
    { action: "user_warned", label: "Warned", acts: false },
    { action: "dismissed", label: "Dismiss", acts: false },
  ].filter(Boolean);
}

const RESOLVED = {
  dismissed: "dismissed",
  message_deleted: "message deleted",
  user_removed: "removed from the chat",
  user_banned: "banned from the chat",
  user_warned: "warned",
};

/** How a resolved report was resolved, in words, with the note when there is one. */
export function resolutionText(resolution) {
  const what = RESOLVED[resolution.action] ?? resolution.action;
  return resolution.note ? `Resolved: ${what} (${resolution.note})` : `Resolved: ${what}`;
}
