// What moderation shows in the conversation: a tombstone's words (API.md, "Messages": a tombstone
// says who deleted it and why), and what a chat in slow mode tells its members. Pure:
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
