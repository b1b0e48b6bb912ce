// The chat client: state, and what each user action and each event does to it. Only the public
// API is used (api.js for REST, live.js for the WebSocket); view.js builds the elements.

import { api, ApiError, createOnce, getToken, newKey, setToken } from "./api.js";
import { Live } from "./live.js";
import { messageType, sendFiles } from "./uploads.js";
import { $, chatItem, h, messageItem } from "./view.js";

const state = {
  me: null,
  chats: new Map(), // id -> ChatSummary
  titles: new Map(), // direct chat id -> the other person's name
  current: null, // open chat id
  messages: new Map(), // id -> Message, of the open chat
  hasOlder: false,
  names: new Map(), // user id -> display name
  members: [],
  pending: [], // own messages not yet answered: { localId, key, chat_id, content, reply_to_id, ts, state, matchedId }
  replyTo: null,
  typing: new Map(), // user id -> timer
  live: null,
  lastTypingSent: 0,
};

// ---- starting, signing in and out ----

async function start() {
  if (getToken()) {
    try {
      state.me = await api.me();
      return showApp();
    } catch (error) {
      // Only a refused token ends the session; a server that is down or restarting does not.
      if (error instanceof ApiError && error.status === 401) setToken(null);
      else return setTimeout(start, 2000);
    }
  }
  showAuth();
}

function showAuth() {
  $("app").hidden = true;
  $("auth").hidden = false;
  $("auth-username").focus();
}

$("auth-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const action = event.submitter?.value || "login";
  const username = $("auth-username").value.trim().toLowerCase();
  const password = $("auth-password").value;
  $("auth-error").textContent = "";
  try {
    const session = await (action === "register" ? api.register(username, password) : api.login(username, password));
    setToken(session.token);
    state.me = session.user;
    showApp();
  } catch (error) {
    $("auth-error").textContent = describe(error);
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await api.logout();
  } catch {
    // The token goes either way.
  }
  state.live?.close();
  setToken(null);
  location.reload();
});

async function showApp() {
  $("auth").hidden = true;
  $("app").hidden = false;
  $("me-name").textContent = state.me.display_name;
  state.names.set(state.me.id, state.me.display_name);
  await loadChats();
  state.live = new Live(getToken(), {
    event: onEvent,
    typing: onTyping,
    resync: async () => {
      await loadChats();
      if (state.current) await openChat(state.current);
    },
    status: (text) => ($("connection").textContent = text),
    unauthorized: signedOut,
    refused: () => api.me().catch((error) => error instanceof ApiError && error.status === 401 && signedOut()),
  });
}

function signedOut() {
  state.live?.close();
  setToken(null);
  location.reload();
}

function describe(error) {
  if (error instanceof ApiError) {
    const fields = error.fields.map((field) => `${field.field}: ${field.message}`).join("; ");
    return fields || error.message;
  }
  return "The server cannot be reached; try again.";
}

// ---- the chat list ----

async function loadChats() {
  const chats = new Map();
  let cursor = null;
  do {
    const page = await api.chats(cursor);
    for (const chat of page.chats) chats.set(chat.id, chat);
    cursor = page.next_cursor;
  } while (cursor);
  state.chats = chats;
  renderChats();
}

function chatTitle(chat) {
  if (chat.title) return chat.title;
  if (!state.titles.has(chat.id)) {
    state.titles.set(chat.id, "Direct chat");
    api.members(chat.id).then(({ members }) => {
      const other = members.find((member) => member.user_id !== state.me.id);
      state.titles.set(chat.id, other ? other.display_name : "Direct chat");
      renderChats();
      if (state.current === chat.id) $("chat-title").textContent = state.titles.get(chat.id);
    }, () => {});
  }
  return state.titles.get(chat.id);
}

function renderChats() {
  const chats = [...state.chats.values()].sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at));
  $("chat-list").replaceChildren(...chats.map((chat) =>
    chatItem(chat, { current: chat.id === state.current, title: chatTitle(chat), onOpen: () => openChat(chat.id) })));
}

$("new-chat").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("new-chat-error").textContent = "";
  try {
    const names = $("new-chat-users").value.split(",").map((name) => name.trim()).filter(Boolean);
    const users = await Promise.all(names.map((name) => api.findUser(name)));
    const title = $("new-chat-title").value.trim();
    const kind = title || users.length > 1 ? "group" : "direct";
    const body = { kind, member_ids: users.map((user) => user.id), ...(kind === "group" ? { title: title || "Group" } : {}) };
    const chat = await api.createChat(body);
    state.chats.set(chat.id, chat);
    $("new-chat").reset();
    await openChat(chat.id);
  } catch (error) {
    $("new-chat-error").textContent = describe(error);
  }
});

// ---- one chat ----

async function openChat(id) {
  state.current = id;
  // Messages accepted while the page loads (our own answers, events) are kept: the page merges in.
  state.messages = new Map();
  state.replyTo = null;
  $("replying").hidden = true;
  $("app").classList.add("in-chat");
  $("chat").hidden = false;
  const chat = state.chats.get(id) || (await api.chat(id));
  state.chats.set(id, chat);
  $("chat-title").textContent = chatTitle(chat);
  $("rename").hidden = chat.kind !== "group";
  await loadMembers();
  const page = await api.history(id);
  if (state.current !== id) return;
  for (const message of page.messages) state.messages.set(message.id, message);
  state.hasOlder = page.has_older;
  renderChats();
  renderMessages({ toBottom: true });
  markRead();
  $("message-text").focus();
}

async function loadMembers() {
  const id = state.current;
  const { members } = await api.members(id);
  if (state.current !== id) return;
  state.members = members;
  for (const member of members) state.names.set(member.user_id, member.display_name);
  const chat = state.chats.get(state.current);
  const canManage = chat?.kind === "group" && ["owner", "admin"].includes(chat.role);
  $("member-list").replaceChildren(...members.map((member) => h("li", {},
    `${member.display_name} (@${member.username}, ${member.role}) `,
    (canManage || member.user_id === state.me.id) && chat?.kind === "group" && h("button", {
      type: "button", class: "secondary",
      "aria-label": member.user_id === state.me.id ? "Leave this chat" : `Remove ${member.display_name}`,
      onclick: () => removeMember(member),
    }, member.user_id === state.me.id ? "Leave" : "Remove"))));
  $("add-member").hidden = !canManage;
}

async function removeMember(member) {
  try {
    await api.removeMember(state.current, member.user_id);
    if (member.user_id === state.me.id) return closeChat(state.current);
    await loadMembers();
  } catch (error) {
    $("members-error").textContent = describe(error);
  }
}

function closeChat(id) {
  state.chats.delete(id);
  if (state.current === id) {
    state.current = null;
    $("chat").hidden = true;
    $("app").classList.remove("in-chat");
  }
  renderChats();
}

$("members-toggle").addEventListener("click", () => {
  const open = $("members").hidden;
  $("members").hidden = !open;
  $("members-toggle").setAttribute("aria-expanded", String(open));
});

$("add-member").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("members-error").textContent = "";
  try {
    const user = await api.findUser($("add-member-name").value.trim());
    await api.addMember(state.current, user.id);
    $("add-member").reset();
    await loadMembers();
  } catch (error) {
    $("members-error").textContent = describe(error);
  }
});

$("rename").addEventListener("click", async () => {
  const title = prompt("New title", state.chats.get(state.current)?.title || "");
  if (!title) return;
  try {
    const chat = await api.renameChat(state.current, title);
    state.chats.set(chat.id, chat);
    $("chat-title").textContent = chatTitle(chat);
    renderChats();
  } catch (error) {
    alert(describe(error));
  }
});

$("back").addEventListener("click", () => $("app").classList.remove("in-chat"));

$("older").addEventListener("click", async () => {
  const id = state.current;
  const oldest = Math.min(...state.messages.keys());
  const page = await api.history(id, oldest);
  if (state.current !== id) return;
  for (const message of page.messages) state.messages.set(message.id, message);
  state.hasOlder = page.has_older;
  renderMessages({ toBottom: false });
});

$("newest").addEventListener("click", () => {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
  $("newest").hidden = true;
});

// Scrolled up, away from the newest: offer the way back.
$("messages").addEventListener("scroll", () => {
  const list = $("messages");
  $("newest").hidden = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
});

function renderMessages({ toBottom }) {
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const chat = state.chats.get(state.current);
  const canModerate = chat?.kind === "group" && ["owner", "admin"].includes(chat.role);
  const actions = { react, edit, remove, reply, retry, canModerate };
  const sorted = [...state.messages.values()].sort((a, b) => a.id - b.id);
  const quoted = (id) => {
    const original = id && state.messages.get(id);
    return id ? (original ? `↪ ${state.names.get(original.author_id) || ""}: ${original.is_deleted ? "message deleted" : original.content ?? ""}` : "↪ an earlier message") : null;
  };
  const own = state.pending.filter((item) => item.chat_id === state.current && !item.matchedId);
  list.replaceChildren(
    ...sorted.map((message) => messageItem(message, { me: state.me.id, names: state.names, quoted: quoted(message.reply_to_id), actions })),
    ...own.map((item) => messageItem(pendingMessage(item), { me: state.me.id, names: state.names, quoted: quoted(item.reply_to_id), state: item.state, actions })));
  $("older").hidden = !state.hasOlder;
  if (toBottom || nearBottom) list.scrollTop = list.scrollHeight;
}

function pendingMessage(item) {
  return { id: item.localId, chat_id: item.chat_id, author_id: state.me.id, content: item.content, reply_to_id: item.reply_to_id, ts: item.ts, reactions: [], is_deleted: false, status: "delivered", delivery: "sent", pendingKey: item.key };
}

let readTimer = null;
function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(async () => {
    const newest = Math.max(0, ...state.messages.keys());
    const chat = state.chats.get(state.current);
    if (!newest || !chat || document.hidden) return;
    try {
      const read = await api.markRead(state.current, newest);
      chat.unread_count = read.unread_count;
      chat.unread_mentions = 0;
      chat.last_read_message_id = read.last_read_message_id;
      renderChats();
    } catch {
      // Marked on the next message.
    }
  }, 300);
}

// ---- sending: shown at once, answered in place, never twice ----

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message-text").value;
  if (!text.trim() || !state.current) return;
  const item = { localId: `local-${newKey()}`, key: newKey(), chat_id: state.current, content: text, reply_to_id: state.replyTo?.id ?? null, ts: new Date().toISOString(), state: "sending", matchedId: null };
  state.pending.push(item);
  $("message-text").value = "";
  state.replyTo = null;
  $("replying").hidden = true;
  renderMessages({ toBottom: true });
  deliver(item);
});

$("message-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

$("message-text").addEventListener("input", () => {
  const now = Date.now();
  if (state.current && now - state.lastTypingSent > 2000) {
    state.lastTypingSent = now;
    state.live?.typing(state.current);
  }
});

async function deliver(item) {
  const body = { chat_id: item.chat_id, type: "text", content: item.content, ...(item.reply_to_id ? { reply_to_id: item.reply_to_id } : {}) };
  try {
    const message = await createOnce("/messages", body, item.key);
    state.pending = state.pending.filter((other) => other !== item);
    accept(message);
  } catch (error) {
    item.state = "failed";
    item.matchedId = null; // a message of the same text from elsewhere is not this one
    item.error = describe(error);
    if (item.chat_id === state.current) renderMessages({ toBottom: false });
  }
}

function retry(message) {
  const item = state.pending.find((other) => other.key === message.pendingKey);
  if (!item) return;
  item.state = "sending";
  renderMessages({ toBottom: false });
  deliver(item);
}

// ---- sending files: uploaded one by one, then posted as one message ----

$("attach").addEventListener("click", () => $("attach-input").click());

$("attach-input").addEventListener("change", () => {
  const files = [...$("attach-input").files];
  $("attach-input").value = ""; // so that the same file can be chosen again
  const chatId = state.current;
  if (!files.length || !chatId) return;
  sendFiles(files, $("uploads"), { describe, post: (uploads) => postFiles(chatId, uploads) });
});

/**
 * The one message naming `uploads`. If its chat is still open, the composer's text is its caption
 * and the reply being written quotes: both are used up.
 */
async function postFiles(chatId, uploads) {
  const open = state.current === chatId;
  const text = open ? $("message-text").value : "";
  const replyTo = open ? state.replyTo?.id : null;
  const body = {
    chat_id: chatId, type: messageType(uploads), payload: { upload_ids: uploads.map((upload) => upload.id) },
    ...(text.trim() ? { content: text } : {}), ...(replyTo ? { reply_to_id: replyTo } : {}),
  };
  const message = await createOnce("/messages", body, newKey());
  if (state.current === chatId) {
    if ($("message-text").value === text) $("message-text").value = "";
    if (replyTo && state.replyTo?.id === replyTo) {
      state.replyTo = null;
      $("replying").hidden = true;
    }
  }
  accept(message);
}

/** A stored message of ours or others': into the open chat, and the chat list. */
function accept(message) {
  if (message.chat_id === state.current) {
    state.messages.set(message.id, message);
    renderMessages({ toBottom: false });
  }
  const chat = state.chats.get(message.chat_id);
  if (!chat) return loadChats(); // a chat this page does not know yet
  if (!chat.last_message || chat.last_message.id <= message.id) {
    chat.last_message = message;
    chat.last_activity_at = message.ts > chat.last_activity_at ? message.ts : chat.last_activity_at;
    renderChats();
  }
}

// ---- acting on messages ----

async function react(message, emoji, on) {
  try {
    accept(await api.react(message.id, emoji, on));
  } catch (error) {
    alert(describe(error));
  }
}

async function edit(message) {
  const content = prompt("Edit message", message.content ?? "");
  if (content === null || content === message.content) return;
  try {
    accept(await api.edit(message.id, content));
  } catch (error) {
    alert(describe(error));
  }
}

async function remove(message) {
  if (!confirm("Delete this message for everyone?")) return;
  try {
    accept(await api.remove(message.id));
  } catch (error) {
    alert(describe(error));
  }
}

function reply(message) {
  state.replyTo = message;
  $("replying").hidden = false;
  $("replying").firstElementChild.textContent = `Replying to ${state.names.get(message.author_id) || "a message"}: ${message.content ?? ""}`;
  $("message-text").focus();
}

$("cancel-reply").addEventListener("click", () => {
  state.replyTo = null;
  $("replying").hidden = true;
});

// ---- live events ----

async function onEvent(frame) {
  const { type, chat_id: chatId, data } = frame;
  if (type === "message.created") {
    if (data.author_id === state.me.id) {
      const item = data.type === "text" && state.pending.find((other) => other.chat_id === chatId && other.content === data.content && !other.matchedId);
      if (item) item.matchedId = data.id; // the answer may still be on its way: show it once (only text waits here)
    }
    accept(data);
    if (data.author_id !== state.me.id && (chatId !== state.current || document.hidden)) refreshChat(chatId);
    if (chatId === state.current) markRead();
  } else if (type === "message.updated" || type === "message.deleted") {
    if (chatId === state.current && state.messages.has(data.id)) accept(data);
    const chat = state.chats.get(chatId);
    if (chat?.last_message?.id === data.id) {
      chat.last_message = data;
      renderChats();
    }
  } else if (type === "reaction.added" || type === "reaction.removed") {
    if (chatId === state.current && state.messages.has(data.message.id)) accept(data.message);
  } else if (type === "mention") {
    if (data.user_ids.includes(state.me.id) && (chatId !== state.current || document.hidden)) refreshChat(chatId);
  } else if (type === "receipt.updated") {
    if (chatId === state.current) applyReceipts(data);
  } else if (type === "member.removed" && data.user_id === state.me.id) {
    closeChat(chatId);
  } else if (type.startsWith("chat.") || type.startsWith("member.")) {
    await loadChats();
    if (chatId === state.current) {
      $("chat-title").textContent = chatTitle(state.chats.get(chatId) || {});
      await loadMembers();
    }
  }
}

/**
 * A chat's counts from the server (once a burst of events is over): counting events here would
 * count twice those that a chat list loaded meanwhile already holds.
 */
const refreshTimers = new Map();
function refreshChat(chatId) {
  clearTimeout(refreshTimers.get(chatId));
  refreshTimers.set(chatId, setTimeout(async () => {
    refreshTimers.delete(chatId);
    try {
      state.chats.set(chatId, await api.chat(chatId));
      renderChats();
    } catch {
      // Left the chat meanwhile: its member.removed event takes it off the list.
    }
  }, 200));
}

/**
 * The chat's lowest delivery and read markers moved: the ticks of our own messages follow. A
 * message is delivered (read) once the lowest marker that is not ours has passed it (EVENTS.md).
 */
function applyReceipts({ delivered, read }) {
  const through = (markers) => markers.find((marker) => marker.user_id !== state.me.id)?.message_id ?? 0;
  const [deliveredThrough, readThrough] = [through(delivered), through(read)];
  for (const message of state.messages.values()) {
    if (message.author_id !== state.me.id || typeof message.id !== "number") continue;
    message.delivery = message.id <= readThrough ? "read" : message.id <= deliveredThrough ? "delivered" : "sent";
    if (message.id <= readThrough) message.status = "read";
  }
  renderMessages({ toBottom: false });
}

function onTyping(frame) {
  if (frame.chat_id !== state.current) return;
  clearTimeout(state.typing.get(frame.user_id));
  state.typing.set(frame.user_id, setTimeout(() => {
    state.typing.delete(frame.user_id);
    renderTyping();
  }, 3000));
  renderTyping();
}

function renderTyping() {
  const names = [...state.typing.keys()].map((id) => state.names.get(id) || "Someone");
  $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && state.current) markRead();
});

// For end-to-end tests: cut the WebSocket as a network failure would.
window.chatTest = { dropSocket: () => state.live?.drop() };

start();
