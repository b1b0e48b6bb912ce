// Push notifications, decided: what a push shows (or closes), which chat a page shows, and the
// shapes the server wants. Shared by the service worker (sw.js) and the page, so no DOM, no
// network and no clock here: test/push.test.js runs it under `node --test`.

import { badge } from "./unread.js";

/** The server's VAPID public key (base64url, unpadded, as RFC 8292 gives it) as bytes, for `applicationServerKey`. */
export function base64UrlToBytes(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw new TypeError("not base64url");
  }
  const base64 = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Whether two keys (ArrayBuffer or typed array, or null) hold the same bytes. */
export function sameKey(a, b) {
  if (!a || !b) return false;
  const bytes = (key) => (ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : new Uint8Array(key));
  const [x, y] = [bytes(a), bytes(b)];
  return x.length === y.length && x.every((byte, at) => byte === y[at]);
}

/**
 * What `POST /push/subscriptions` takes from a browser's `PushSubscription.toJSON()`: its endpoint
 * and keys only (`expirationTime` is the browser's business).
 */
export function subscriptionBody(json) {
  return { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}

/** Every notification of a chat has this tag: a newer one replaces it, a "clear" closes them. */
export function chatTag(chatId) {
  return `chat-${chatId}`;
}

/** The page's address that opens `chatId` (the page reads it back with `chatInUrl`). */
export function chatUrl(origin, chatId) {
  return `${origin}/#chat=${chatId}`;
}

/** The chat an address of the page opens, or null. */
export function chatInUrl(url) {
  const match = /#chat=(\d+)$/.exec(url ?? "");
  return match ? Number(match[1]) : null;
}

/** The longest body a notification gets (the server's preview may be longer than a banner shows). */
const BODY_CHARS = 200;

/**
 * What one decrypted push payload (API.md: `type`, `chat_id`, `message_id`, and unless the operator
 * keeps content out of pushes, `sender_name`, `preview`, `unread`) does, given the notifications
 * the chat already shows (`shown`: each one's `data`) and the app's open windows (`windows`: each
 * `{ url, focused, visible }`):
 * - `{ do: "close", tag }` for a "clear": the chat was read elsewhere.
 * - `{ do: "nothing" }` when the chat is in front of the reader already, or the message is not
 *   newer than the one shown (a late or repeated push does not buzz again).
 * - `{ do: "show", title, options }` otherwise: under the chat's tag, buzzing again (`renotify`)
 *   since it is a newer message.
 * A payload that names no chat shows a plain notification, as a push must show something.
 */
export function pushAction(payload, { shown = [], windows = [] } = {}) {
  const chatId = Number.isSafeInteger(payload?.chat_id) ? payload.chat_id : null;
  if (payload?.type === "clear" && chatId !== null) return { do: "close", tag: chatTag(chatId) };
  if (chatId === null) return { do: "show", title: "New message", options: { tag: "chat", data: {} } };
  const inFront = windows.some((window) => window.focused && window.visible && chatInUrl(window.url) === chatId);
  const messageId = Number.isSafeInteger(payload.message_id) ? payload.message_id : null;
  const newer = shown.every((data) => messageId === null || !(data?.messageId >= messageId));
  if (inFront || !newer) return { do: "nothing" };
  const preview = typeof payload.preview === "string" ? payload.preview : "";
  const body = preview.length > BODY_CHARS ? `${preview.slice(0, BODY_CHARS - 1)}…` : preview;
  // One notification per chat, so it says how many are waiting there (the payload's `unread`).
  const waiting = Number.isSafeInteger(payload.unread) && payload.unread > 1 ? ` (${badge(payload.unread)} unread)` : "";
  return {
    do: "show",
    title: `${payload.sender_name || "New message"}${waiting}`,
    options: { body, tag: chatTag(chatId), renotify: true, data: { chatId, messageId } },
  };
}

/**
 * Which window a click on a chat's notification brings forward: one already showing the chat,
 * else the focused one, else any; null to open a new one. `windows` as for `pushAction`.
 */
export function windowFor(chatId, windows) {
  return windows.find((window) => chatInUrl(window.url) === chatId)
    ?? windows.find((window) => window.focused)
    ?? windows[0]
    ?? null;
}

/**
 * Whether the browser's subscription (`endpoint`, or null) has been renewed since this user
 * registered it (`record`, as notifications.js remembers it): the push service rotated it
 * (`pushsubscriptionchange`), so the server must be given the new one (and the old one dropped)
 * or this browser hears nothing more. Another user's record, or none, is not renewed here: that
 * user turns notifications on themselves.
 */
export function renewed(record, endpoint, userId) {
  return Boolean(record) && record.user_id === userId && typeof endpoint === "string" && endpoint !== record.endpoint;
}
