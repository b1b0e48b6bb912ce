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
 * The ways to resolve a report, each `{action, label, acts, ask}`: the resolution's `action`
 * (API.md, "Reports"), its button's label, whether resolving does it too (`acts`: the message
 * deleted, the person removed from or banned in the chat) rather than only recording what was
 * done, and what the note asked for becomes. Deleting needs a reported message (a server
 * moderator may delete any); removing and banning need `manages`, the caller owning or
 * administering the report's chat, a group (model.canManage), or the server refuses them.
 * Reasons shown with a deletion or kept with a ban hold 500 characters.
 */
export function resolutionsFor(report, { manages = false } = {}) {
  const message = report.message_id !== null && report.message_id !== undefined;
  return [
    message && { action: "message_deleted", label: "Delete message", acts: true, ask: "Delete message: why? (optional, at most 500 characters; its tombstone shows it)" },
    manages && { action: "user_removed", label: "Remove from chat", acts: true, ask: "Remove from chat: a note? (optional, kept with the report)" },
    manages && { action: "user_banned", label: "Ban from chat", acts: true, ask: "Ban from chat: why? (optional, at most 500 characters; kept with the ban)" },
    { action: "user_warned", label: "Warned", acts: false, ask: "Warned: a note? (optional, kept with the report)" },
    { action: "dismissed", label: "Dismiss", acts: false, ask: "Dismiss: a note? (optional, kept with the report)" },
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
