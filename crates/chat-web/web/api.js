// The REST API under /api/v1: the token, problem+json errors, and creates that are retried with
// one Idempotency-Key until they land (a lost answer never makes a second message).

import { ReadPosition } from "./read_position.js";

export const BASE = "/api/v1";

/** What this login has been shown (Chat-Position, Chat-Seq); live.js's events feed it too. */
export const shown = new ReadPosition();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || "unknown";
    this.fields = problem?.errors || [];
  }
}

let token = sessionStorage.getItem("chat.token");

export function setToken(value) {
  token = value;
  shown.reset();
  if (value) sessionStorage.setItem("chat.token", value);
  else sessionStorage.removeItem("chat.token");
}

export function getToken() {
  return token;
}

/** One call. Throws ApiError for an answer that is not a success, TypeError when no answer came. */
export async function call(method, path, body, headers = {}) {
  const init = { method, headers: { ...shown.headers(), ...headers } };
  const sent = shown.sent();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(BASE + path, init);
  shown.keep(response.headers.get("Chat-Position"), response.ok, sent);
  if (response.status === 204) return null;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/**
 * Where an upload's bytes are served, or its thumbnail (`thumbnailSize` pixels at most): with the
 * token in the query, as `<img src>` and `<a download>` cannot send a header.
 */
export function fileUrl(id, thumbnailSize) {
  const path = `${BASE}/uploads/${encodeURIComponent(id)}${thumbnailSize ? `/thumbnail?size=${thumbnailSize}&` : "?"}`;
  return `${path}access_token=${encodeURIComponent(token)}`;
}

export function newKey() {
  return crypto.randomUUID();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const ATTEMPTS = 8;

/**
 * A create, sent with `key` until it lands: after a network failure or a 502/503/504 it is sent
 * again with the same key (backoff up to 10 s, 8 attempts in all), so the server makes it once.
 * Anything else (a 4xx, a 500) is final and thrown.
 */
export async function createOnce(path, body, key, onRetry = () => {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call("POST", path, body, { "Idempotency-Key": key });
    } catch (error) {
      const passing = !(error instanceof ApiError) || [502, 503, 504].includes(error.status);
      if (!passing || attempt + 1 >= ATTEMPTS) throw error;
      onRetry(attempt + 1, error);
      await sleep(Math.min(10_000, 250 * 2 ** attempt));
    }
  }
}

export const api = {
  register: (username, password) => call("POST", "/auth/register", { username, password }),
  login: (username, password) => call("POST", "/auth/login", { username, password }),
  logout: () => call("POST", "/auth/logout"),
  me: () => call("GET", "/users/me"),
  findUser: async (username) => {
    const page = await call("GET", `/users?q=${encodeURIComponent(username)}&limit=1`);
    const user = page.users.find((candidate) => candidate.username === username.toLowerCase());
    if (!user) throw new ApiError(404, { code: "user_not_found", detail: `no user named ${username}` });
    return user;
  },
  /** The directory: users whose username starts with `prefix`, in username order. */
  users: (prefix, limit) => call("GET", `/users?${new URLSearchParams({ q: prefix, limit: String(limit) })}`),
  user: (id) => call("GET", `/users/${id}`),
  setDisplayName: (displayName) => call("PATCH", "/users/me", { display_name: displayName }),
  chats: (cursor) => call("GET", `/chats?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
  chat: (id) => call("GET", `/chats/${id}`),
  createChat: (body) => createOnce("/chats", body, newKey()),
  renameChat: (id, title) => call("PATCH", `/chats/${id}`, { title }),
  members: (id) => call("GET", `/chats/${id}/members`),
  addMember: (id, userId) => call("POST", `/chats/${id}/members`, { user_id: userId }),
  removeMember: (id, userId) => call("DELETE", `/chats/${id}/members/${userId}`),
  /** Bans `userId` from group `id` (removing them if a member), `reason` optional. */
  ban: (id, userId, reason = "") => call("PUT", `/chats/${id}/bans/${userId}`, reason ? { reason } : {}),
  /** Whom we block: `{blocks: [{user, blocked_at}]}`. */
  blocks: () => call("GET", "/users/me/blocks"),
  block: (userId) => call("PUT", `/users/me/blocks/${userId}`),
  unblock: (userId) => call("DELETE", `/users/me/blocks/${userId}`),
  /** Who may start a direct chat with us: `{direct_chats: "everyone" | "shared" | "nobody"}`. */
  privacy: () => call("GET", "/users/me/privacy"),
  setPrivacy: (body) => call("PUT", "/users/me/privacy", body),
  /** Reports a message (`{message_id, reason}`) to its chat's admins and the server's moderators. */
  report: (body) => call("POST", "/reports", body),
  /** The reports we handle, newest first. */
  reports: () => call("GET", "/reports?limit=100"),
  /** Resolves a report with what was done (`action`) and an optional `note`. */
  resolveReport: (id, action, note = "") => call("POST", `/reports/${id}/resolve`, note ? { action, note } : { action }),
  // The conversation's pages leave thread replies out (`threads=exclude`): a thread shows there as
  // its root's summary, and its replies only in the thread's panel (`thread` below). Pages then
  // count only what they show (has_older, has_newer); unread counts and the one read marker still
  // count replies, hence model.readThrough. Such a page does not move the delivery marker
  // (API.md, "Receipts"): the socket's acks and marking read do.
  history: (id, before) => call("GET", `/chats/${id}/messages?limit=50&threads=exclude${before ? `&before=${before}` : ""}`),
  historyAround: (id, messageId) => call("GET", `/chats/${id}/messages?limit=50&threads=exclude&around=${messageId}`),
  historyAfter: (id, after) => call("GET", `/chats/${id}/messages?limit=50&threads=exclude&after=${after}`),
  /** The thread of message `id` (its root, or a reply in it): the newest replies, or those `before` or `around` a reply. */
  thread: (id, { before, around } = {}) => {
    const params = new URLSearchParams({ limit: "50" });
    if (before) params.set("before", String(before));
    if (around) params.set("around", String(around));
    return call("GET", `/messages/${id}/thread?${params}`);
  },
  search: (query, { chatId, cursor }) => {
    const params = new URLSearchParams({ q: query, limit: "20" });
    if (chatId) params.set("chat_id", String(chatId));
    if (cursor) params.set("cursor", cursor);
    return call("GET", `/search?${params}`);
  },
  /** The messages that mention the caller, newest first: 20 before message `before` (the newest when null). */
  mentions: (before) => call("GET", `/mentions?limit=20${before ? `&before=${before}` : ""}`),
  markRead: (id, messageId) => call("POST", `/chats/${id}/read`, { message_id: messageId }),
  edit: (id, content) => call("PATCH", `/messages/${id}`, { content }),
  /** Deletes a message; `reason` (a moderator's, optional) shows on its tombstone. */
  remove: (id, reason = "") => call("DELETE", reason ? `/messages/${id}?reason=${encodeURIComponent(reason)}` : `/messages/${id}`),
  react: (id, emoji, on) => call(on ? "PUT" : "DELETE", `/messages/${id}/reactions/${encodeURIComponent(emoji)}`),
  vapidKey: () => call("GET", "/push/vapid-key"),
  addPushSubscription: (body) => call("POST", "/push/subscriptions", body),
  removePushSubscription: (id) => call("DELETE", `/push/subscriptions/${encodeURIComponent(id)}`),
  notifications: (chatId) => call("GET", `/chats/${chatId}/notifications`),
  setNotifications: (chatId, setting) => call("PUT", `/chats/${chatId}/notifications`, setting),
};
