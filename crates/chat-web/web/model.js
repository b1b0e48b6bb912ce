// The client's state and every change made to it: the chats, the open chat's messages, our own
// sends not yet answered, and what each answer and each live event does to them. No DOM, no
// network, no timers and no clock here, so that test/model.test.js runs it under `node --test`.
// Each change takes the state and its input, changes only that state, and answers the effects
// that follow (what to draw again, what to fetch or send): the controller carries them out.

import { mentionAt, mentionCandidates, withMention } from "./mentions.js";
import { resolutionsFor, slowModeText } from "./moderation.js";
import { completedWith, suggestions, typedPrefix } from "./people.js";
import { isOnline, presenceOf, presenceText } from "./presence.js";
import { isReply, withThread } from "./threads.js";

/**
 * What the controller does after a change; the fields beside `do` are its arguments. The ones
 * without are shared (and frozen), so that a change can ask whether it already listed one.
 */
export const Effect = {
  renderChats: Object.freeze({ do: "render-chats" }),
  renderHead: Object.freeze({ do: "render-head" }), // the open chat's title
  renderMembers: Object.freeze({ do: "render-members" }),
  renderMessages: Object.freeze({ do: "render-messages", toBottom: false }), // kept where the reader is
  renderMessagesAtBottom: Object.freeze({ do: "render-messages", toBottom: true }),
  renderMessagesAtHighlight: Object.freeze({ do: "render-messages", toBottom: false, toHighlight: true }),
  renderSearch: Object.freeze({ do: "render-search" }),
  renderMentions: Object.freeze({ do: "render-mentions" }), // the Mentions view
  renderReports: Object.freeze({ do: "render-reports" }), // the reports we handle
  renderCompletion: Object.freeze({ do: "render-completion" }), // the usernames offered as one types
  renderMe: Object.freeze({ do: "render-me" }), // the signed-in user's name
  renderReply: Object.freeze({ do: "render-reply" }),
  renderThread: Object.freeze({ do: "render-thread", toBottom: false }), // the thread panel, kept where the reader is
  renderThreadAtBottom: Object.freeze({ do: "render-thread", toBottom: true }),
  renderThreadAtHighlight: Object.freeze({ do: "render-thread", toBottom: false, toHighlight: true }),
  renderTyping: Object.freeze({ do: "render-typing" }),
  renderNotifications: Object.freeze({ do: "render-notifications" }), // the open chat's setting
  renderPush: Object.freeze({ do: "render-push" }), // the control that turns push on and off
  closeConversation: Object.freeze({ do: "close-conversation" }),
  loadChats: Object.freeze({ do: "load-chats" }), // a chat this page does not know yet
  loadNewMentions: Object.freeze({ do: "load-new-mentions" }), // the open Mentions view's newest page again
  markRead: Object.freeze({ do: "mark-read" }),
  /** The chat's counts are stale: fetch it again (once a burst of events is over). */
  refreshChat: (chatId) => ({ do: "refresh-chat", chatId }),
  /** A chat or its members changed: the list again, and the head and members if it is open. */
  reloadChat: (chatId) => ({ do: "reload-chat", chatId }),
  /** Post a pending send (again). */
  deliver: (item) => ({ do: "deliver", item }),
  /** Put `value` in the form field `field` (a completed username), the caret at `caret` (else at its end). */
  fillField: (field, value, caret = value.length) => ({ do: "fill-field", field, value, caret }),
  /** Forget that `userId` is typing unless they type again soon. */
  expireTyping: (userId) => ({ do: "expire-typing", userId }),
};

/** A fresh state: nobody signed in, no chat open. */
export function createState() {
  return {
    me: null, // the signed-in user
    chats: new Map(), // id -> ChatSummary
    titles: new Map(), // direct chat id -> the other person's name
    peers: new Map(), // direct chat id -> the other person's user id
    presence: new Map(), // user id -> { status, last_seen_at } (presence.js), of those we share a chat with
    current: null, // the open chat's id
    messages: new Map(), // id -> Message, of the open chat
    hasOlder: false, // the open chat has messages before those loaded
    hasNewer: false, // ... and after them: it was opened at a message, not at its newest
    heldBack: new Map(), // id -> Message: live ones of the open chat while hasNewer
    highlight: null, // the message it was opened at (a search hit)
    opening: 0, // counts the openings, so that a page asked for an earlier one is dropped
    search: noSearch(), // see searchAsked
    mentions: noMentions(), // the Mentions view: see mentionsOpened
    unreadAfter: null, // the open chat's read marker as it opened, while there was news past it
    names: new Map(), // user id -> display name
    namesAsked: new Set(), // user ids whose name was asked for by itself (authors who left)
    completion: noCompletion(), // see completionAsked
    members: [], // of the open chat
    blocked: new Set(), // ids of the users we block (see blocksLoaded)
    directChats: "everyone", // who may start a direct chat with us (privacyLoaded)
    reports: { open: false, items: [], error: "" }, // the reports we handle (see reportsLoaded)
    pending: [], // own text messages not yet answered (see sendStarted), in the chat or in a thread
    thread: null, // the open thread, beside the open chat: see threadOpened
    replyTo: null, // the message the composer's text answers
    typing: new Set(), // ids of those typing in the open chat
    notifications: new Map(), // chat id -> { level, muted_until }, as the server has it
    push: "unknown", // this browser's push notifications: see pushChanged
  };
}

function noCompletion() {
  // `mention`: the composer's `@name` being completed (mentions.js's mentionAt), null in other fields.
  return { field: null, value: "", query: "", many: false, users: [], active: -1, loading: false, mention: null };
}

function noMentions() {
  return { open: false, messages: [], next: null, loading: false, error: "" };
}

function noSearch() {
  return { query: "", chatId: null, hits: [], next: null, loading: false, error: "" };
}

// ---- who we are, the chat list ----

export function signedIn(state, user) {
  state.me = user;
  state.names.set(user.id, user.display_name);
  return [];
}

/**
 * Our own User as the server has it now (our display name changed): everywhere we are named
 * follows.
 */
export function profileChanged(state, user) {
  state.me = user;
  state.names.set(user.id, user.display_name);
  for (const member of state.members) if (member.user_id === user.id) member.display_name = user.display_name;
  return [Effect.renderMe, Effect.renderMembers, Effect.renderMessages, Effect.renderReply, ...threadShown(state)];
}

/**
 * Whom we block, as the server lists them: they can neither start a direct chat with us nor post
 * in ours (the server refuses them); their messages elsewhere are shown as before.
 */
export function blocksLoaded(state, list) {
  state.blocked = new Set(list.blocks.map((block) => block.user.id));
  return BLOCK_SHOWN;
}

/** We blocked (`blocked`) or unblocked user `userId`. */
export function blockChanged(state, userId, blocked) {
  if (blocked) state.blocked.add(userId);
  else state.blocked.delete(userId);
  return BLOCK_SHOWN;
}

/** Where Block and Unblock show: the member list, and each message's and reply's actions. */
const BLOCK_SHOWN = Object.freeze([Effect.renderMembers, Effect.renderMessages, Effect.renderThread]);

/** Our setting of who may start a direct chat with us (`everyone`, `shared` or `nobody`). */
export function privacyLoaded(state, privacy) {
  state.directChats = privacy.direct_chats;
  return [Effect.renderMe];
}

/**
 * Authors whose names are not known, not asked for yet: of the open chat's messages and thread
 * (they left), with those who replied in its threads, and of the Mentions view's (chats whose
 * members were never read).
 */
export function unknownAuthors(state) {
  const ids = new Set();
  const thread = state.thread ? [...(state.thread.root ? [state.thread.root] : []), ...state.thread.messages.values()] : [];
  for (const message of [...state.messages.values(), ...thread, ...state.mentions.messages]) {
    for (const id of [message.author_id, ...(message.thread?.participant_ids ?? [])]) {
      if (!state.names.has(id) && !state.namesAsked.has(id)) ids.add(id);
    }
  }
  return [...ids];
}

/** Those names are being asked for (GET /users/{id}), once each. */
export function namesAsked(state, ids) {
  for (const id of ids) state.namesAsked.add(id);
}

/** A user's public fields: their name, for the messages they wrote. */
export function personLoaded(state, user) {
  state.names.set(user.id, user.display_name);
  return [Effect.renderMessages, ...threadShown(state), ...(state.mentions.open ? [Effect.renderMentions] : [])];
}

/** Every chat, as the list's pages gave them: replaces what was known. */
export function chatsLoaded(state, chats) {
  state.chats = new Map(chats.map((chat) => [chat.id, chat]));
  return [Effect.renderChats];
}

/** One chat as the server has it now (made, renamed, fetched again). */
export function chatStored(state, chat) {
  state.chats.set(chat.id, chat);
  return [...(chat.id === state.current ? [Effect.renderHead] : []), Effect.renderChats];
}

/** The title a chat shows; undefined for a direct chat whose other member is not known yet. */
export function chatTitle(state, chat) {
  return chat.title || state.titles.get(chat.id);
}

/** A direct chat's title is being asked for: until the answer, it shows as this. */
export function titleAsked(state, chatId) {
  state.titles.set(chatId, "Direct chat");
}

/**
 * A direct chat's members, for its title and its presence dot: the other person's name, and
 * whether they are online.
 */
export function titleLoaded(state, chatId, members) {
  keepPeople(state, members);
  const other = members.find((member) => member.user_id !== state.me.id);
  state.titles.set(chatId, other ? other.display_name : "Direct chat");
  if (other) state.peers.set(chatId, other.user_id);
  return [Effect.renderChats, ...(chatId === state.current ? [Effect.renderHead] : [])];
}

/** The names and presence that a member list (ChatMember entries) tells. */
function keepPeople(state, members) {
  for (const member of members) {
    state.names.set(member.user_id, member.display_name);
    if (member.presence) state.presence.set(member.user_id, presenceOf(member.presence));
  }
}

/** The other person of a direct chat, once its members were read; undefined otherwise. */
export function peerOf(state, chatId) {
  return state.peers.get(chatId);
}

/**
 * What the open chat's header says under its title: the other person's presence, or a group's
 * size and its slow mode.
 */
export function headStatus(state, now) {
  const chat = state.chats.get(state.current);
  if (!chat) return { text: "", online: false };
  if (chat.kind === "direct") {
    const presence = state.presence.get(state.peers.get(chat.id));
    return { text: presenceText(presence, now), online: isOnline(presence) };
  }
  const count = state.members.length;
  const slow = slowModeText(chat);
  if (!count) return { text: slow, online: false };
  const online = state.members.filter((member) => member.user_id !== state.me.id && isOnline(state.presence.get(member.user_id))).length;
  const size = `${count} member${count === 1 ? "" : "s"}${online ? `, ${online} online` : ""}`;
  return { text: slow ? `${size} · ${slow}` : size, online: false };
}

/** The direct chats whose other person was read: what a presence refresh asks for again. */
export function directChatsKnown(state) {
  return [...state.peers.keys()].filter((chatId) => state.chats.has(chatId));
}

/**
 * A `presence.updated` frame (`{ user_id, status, last_seen_at }`): the dots of their direct chat
 * and of the open chat's member list, and the open chat's header, follow.
 */
export function presenceUpdated(state, frame) {
  state.presence.set(frame.user_id, presenceOf(frame));
  const effects = [];
  if ([...state.peers.values()].includes(frame.user_id)) effects.push(Effect.renderChats);
  // The header tells the other person's presence, or how many of a group's members are online.
  if (state.members.some((member) => member.user_id === frame.user_id)) effects.push(Effect.renderHead, Effect.renderMembers);
  return effects;
}

/** Owners and admins of a group manage its members and delete others' messages. */
export function canManage(chat) {
  return chat?.kind === "group" && ["owner", "admin"].includes(chat.role);
}

/** The ways we can resolve `report` (moderation.js resolutionsFor), by our role in its chat. */
export function reportResolutions(state, report) {
  return resolutionsFor(report, { manages: canManage(state.chats.get(report.chat_id)) });
}

/** The server's read marker after marking `chatId` read: its counts follow. */
export function readMarked(state, chatId, read) {
  const chat = state.chats.get(chatId);
  if (!chat) return [];
  chat.unread_count = read.unread_count;
  chat.unread_mentions = 0;
  chat.last_read_message_id = read.last_read_message_id;
  return [Effect.renderChats];
}

/** We left `chatId`, or were removed from it: it goes from the list, and closes if open. */
export function chatClosed(state, chatId) {
  state.chats.delete(chatId);
  const effects = [];
  if (state.current === chatId) {
    state.current = null;
    effects.push(Effect.closeConversation);
    if (state.thread !== null) {
      state.thread = null;
      effects.push(Effect.renderThread);
    }
  }
  return [...effects, Effect.renderChats];
}

// ---- the open chat ----

/**
 * `chatId` opens, empty until its newest page arrives. Messages accepted meanwhile (our own
 * answers, events) are kept: the page merges in.
 */
export function chatOpened(state, chatId) {
  state.current = chatId;
  state.messages = new Map();
  state.replyTo = null;
  const threadWasOpen = state.thread !== null;
  state.thread = null;
  state.hasNewer = false;
  state.heldBack = new Map();
  state.highlight = null;
  state.opening += 1;
  const chat = state.chats.get(chatId);
  state.unreadAfter = chat?.unread_count > 0 ? chat.last_read_message_id ?? 0 : null;
  return [Effect.renderReply, ...(threadWasOpen ? [Effect.renderThread] : [])];
}

/**
 * The open chat's members (their names are kept for messages, their presence for the dots). A
 * direct chat's title follows: the other person may have changed their name. Late answers are
 * dropped.
 */
export function membersLoaded(state, chatId, members) {
  if (state.current !== chatId) return [];
  state.members = members;
  if (state.chats.get(chatId)?.kind === "direct") return [...titleLoaded(state, chatId, members), Effect.renderMembers];
  keepPeople(state, members);
  return [Effect.renderMembers, Effect.renderHead];
}

/**
 * The newest page of a chat just opened (or gone back to its newest: newestAsked). Pages asked
 * for an earlier opening (another chat, or this one at another message) are dropped; `opening` is
 * `state.opening` when the page was asked for.
 */
export function newestLoaded(state, chatId, page, opening = state.opening) {
  if (!mergePage(state, chatId, page, { opening })) return [];
  return [Effect.renderChats, Effect.renderMessagesAtBottom, Effect.markRead];
}

/** A page before the oldest loaded. */
export function olderLoaded(state, chatId, page, opening = state.opening) {
  return mergePage(state, chatId, page, { opening }) ? [Effect.renderMessages] : [];
}

/**
 * `chatId` opens at `messageId` (a search hit), empty until the page around it arrives. Until
 * the newest messages are loaded, live ones are held back, not shown: they would stand after a gap.
 */
export function chatOpenedAt(state, chatId, messageId) {
  const effects = chatOpened(state, chatId);
  state.highlight = messageId;
  state.hasNewer = true;
  return effects;
}

/** The page around the message the chat was opened at. */
export function aroundLoaded(state, chatId, page, opening = state.opening) {
  if (!mergePage(state, chatId, page, { opening })) return [];
  reachedNewest(state, page.has_newer);
  return [Effect.renderChats, Effect.renderMessagesAtHighlight, Effect.markRead];
}

/** A page after the newest loaded. */
export function newerLoaded(state, chatId, page, opening = state.opening) {
  if (!mergePage(state, chatId, page, { atOldest: false, opening })) return [];
  reachedNewest(state, page.has_newer);
  return [Effect.renderMessages, Effect.markRead];
}

/**
 * The reader goes to the open chat's newest messages from a window further back: the window goes
 * and the newest page is asked for (newestLoaded); what arrives meanwhile, and what was held back,
 * is kept.
 */
export function newestAsked(state) {
  state.messages = new Map(state.heldBack);
  state.heldBack = new Map();
  state.hasNewer = false;
  state.highlight = null;
  state.opening += 1;
  return [Effect.renderMessages];
}

/** When a page reached the newest messages, those held back meanwhile join it without a gap. */
function reachedNewest(state, hasNewer) {
  state.hasNewer = hasNewer;
  if (hasNewer) return;
  for (const [id, message] of state.heldBack) state.messages.set(id, message);
  state.heldBack = new Map();
}

/** Merges a page into the open chat; one that holds its oldest loaded message says what is older. */
function mergePage(state, chatId, page, { atOldest = true, opening = state.opening } = {}) {
  if (state.current !== chatId || opening !== state.opening) return false;
  for (const message of page.messages) state.messages.set(message.id, message);
  if (atOldest) state.hasOlder = page.has_older;
  return true;
}

/** The oldest loaded message's id (what the page before it is asked by), or undefined. */
export function oldestId(state) {
  return state.messages.size ? Math.min(...state.messages.keys()) : undefined;
}

/** The newest loaded message's id of the conversation (threads' replies aside), 0 when none. */
export function newestId(state) {
  return Math.max(0, ...state.messages.keys());
}

/**
 * What marking the open chat read moves its marker to, 0 when nothing. The conversation leaves
 * thread replies out (history is read with `threads=exclude`: see api.js), yet the server keeps
 * one read marker per chat and counts replies as unread (API.md, "Threads"). A reader at the
 * newest messages has seen every thread's latest as its root's summary, so the marker goes to
 * the chat's newest message, a reply or not (its `last_message`, which events keep current), and
 * to the open thread's newest reply. Read further back (opened at a search hit), only as far as
 * the newest message shown.
 */
export function readThrough(state) {
  const shown = newestId(state);
  if (state.hasNewer || !shown) return shown;
  const last = state.chats.get(state.current)?.last_message?.id ?? 0;
  const inThread = state.thread !== null && state.thread.chatId === state.current ? Math.max(0, ...state.thread.messages.keys()) : 0;
  return Math.max(shown, last, inThread);
}

/**
 * What the open chat shows, in order: the stored messages by id, then our sends not yet
 * answered, each with its state ("sent" when stored, else "sending" or "failed"). A send whose
 * event came before its answer is shown once, as the stored message.
 */
export function visibleMessages(state) {
  return shownWith(state, state.messages.values(), state.current, null);
}

/** Stored `messages` in order, then the pending sends to `chatId`'s conversation (`rootId` null) or thread. */
function shownWith(state, messages, chatId, rootId) {
  const stored = [...messages].sort((a, b) => a.id - b.id).map((message) => ({ message, state: "sent" }));
  const own = state.pending
    .filter((item) => item.chat_id === chatId && item.thread_root_id === rootId && !item.matchedId)
    .map((item) => ({ message: pendingMessage(state, item), state: item.state }));
  return [...stored, ...own];
}

/** A pending send shaped as a message, to be drawn as one. */
function pendingMessage(state, item) {
  return {
    id: item.localId, chat_id: item.chat_id, author_id: state.me.id, content: item.content, reply_to_id: item.reply_to_id,
    ...(item.thread_root_id === null ? {} : { thread_root_id: item.thread_root_id }),
    ts: item.ts, reactions: [], is_deleted: false, status: "delivered", delivery: "sent", pendingKey: item.key,
  };
}

/**
 * A stored message, ours or others': into the open chat if it is its chat (a thread reply only
 * into its thread, if that is open: the conversation shows its root's summary), and the chat list.
 */
export function accept(state, message) {
  const effects = [];
  const thread = state.thread;
  if (isReply(message)) {
    if (thread?.chatId === message.chat_id && thread.rootId === message.thread_root_id) {
      thread.messages.set(message.id, message);
      effects.push(Effect.renderThread);
    }
  } else if (message.chat_id === state.current && state.hasNewer && !state.messages.has(message.id)) {
    state.heldBack.set(message.id, message);
  } else if (message.chat_id === state.current) {
    state.messages.set(message.id, message);
    effects.push(Effect.renderMessages);
  }
  if (thread?.chatId === message.chat_id && thread.rootId === message.id) {
    // The open thread's root, edited, reacted to, deleted: it stands at the thread's top too.
    thread.root = message;
    effects.push(Effect.renderThread);
  }
  const chat = state.chats.get(message.chat_id);
  if (!chat) return [...effects, Effect.loadChats];
  // Events may overtake answers: an older message never replaces the chat's last one.
  if (!chat.last_message || chat.last_message.id <= message.id) {
    chat.last_message = message;
    chat.last_activity_at = message.ts > chat.last_activity_at ? message.ts : chat.last_activity_at;
    effects.push(Effect.renderChats);
  }
  return effects;
}

// ---- search ----

/**
 * A search for `query` (all chats, or only `chatId`) starts, replacing the one before; an empty
 * query ends searching. Its pages come to searchLoaded.
 */
export function searchAsked(state, query, chatId = null) {
  state.search = { ...noSearch(), query, chatId, loading: query !== "" };
  return [Effect.renderSearch];
}

/** The next page of the search is being asked for. */
export function searchMoreAsked(state) {
  state.search.loading = true;
  return [Effect.renderSearch];
}

/** A page of hits for the search `asked` (`state.search` when it was asked): dropped if another replaced it. */
export function searchLoaded(state, asked, page) {
  if (state.search !== asked) return [];
  state.search.hits.push(...page.hits);
  state.search.next = page.next_cursor;
  state.search.loading = false;
  return [Effect.renderSearch];
}

export function searchFailed(state, asked, why) {
  if (state.search !== asked) return [];
  state.search.loading = false;
  state.search.error = why;
  return [Effect.renderSearch];
}

// ---- completing usernames ----

/**
 * `value` was typed in the form field `field` (`many`: a comma-separated list). What the
 * directory said for the shorter prefix is narrowed at once; the directory is asked again for this
 * one (completionLoaded). An answer for an earlier value is dropped: each value replaces the
 * state's `completion`, and answers name the one they were asked for.
 */
export function completionAsked(state, field, value, { many = false } = {}) {
  const query = typedPrefix(value);
  const before = state.completion.field === field ? state.completion : noCompletion();
  const users = query ? before.users.filter((user) => user.username.startsWith(query)) : [];
  const activeId = before.users[before.active]?.id;
  const active = Math.max(users.findIndex((user) => user.id === activeId), users.length ? 0 : -1);
  state.completion = { field, value, query, many, users, active, loading: query !== "" };
  return [Effect.renderCompletion];
}

/** The directory's users for the completion `asked` (the state's when it was asked). */
export function completionLoaded(state, asked, users) {
  if (state.completion !== asked) return [];
  const activeId = asked.users[asked.active]?.id;
  asked.users = suggestions(users.filter((user) => user.username.startsWith(asked.query)), asked.value, state.me.id);
  asked.active = Math.max(asked.users.findIndex((user) => user.id === activeId), asked.users.length ? 0 : -1);
  asked.loading = false;
  return [Effect.renderCompletion];
}

/** The directory could not be asked: nothing more is offered for this value. */
export function completionFailed(state, asked) {
  if (state.completion !== asked) return [];
  asked.loading = false;
  return [Effect.renderCompletion];
}

/** The highlighted suggestion moves by `delta` (arrow keys), round the list. */
export function completionMoved(state, delta) {
  const { users, active } = state.completion;
  if (!users.length) return [];
  state.completion.active = (active + delta + users.length) % users.length;
  return [Effect.renderCompletion];
}

/** Whether suggestions are offered in `field` (Enter and the arrows then belong to them). */
export function completionOpen(state, field) {
  return state.completion.field === field && state.completion.users.length > 0;
}

/** The suggestion at `index` (the highlighted one by default) is taken: its field is completed. */
export function completionPicked(state, index = state.completion.active) {
  const { field, value, many, users, mention } = state.completion;
  const user = users[index];
  if (!user) return [];
  state.completion = noCompletion();
  if (mention) {
    const completed = withMention(value, mention, user.username);
    return [Effect.renderCompletion, Effect.fillField(field, completed.text, completed.caret)];
  }
  return [Effect.renderCompletion, Effect.fillField(field, many ? completedWith(value, user.username) : user.username)];
}

/** The composer's field, as completions name it. */
export const COMPOSER = "message";

/** The open thread's composer's field. */
export const THREAD_COMPOSER = "thread";

/**
 * The composer (`field`: COMPOSER, or THREAD_COMPOSER while a thread is open) holds `text`, the
 * caret at `caret`: if it stands in an `@name` (mentions.js), the open chat's members it may name
 * are offered (no server to ask: the chat's members are loaded as it opens); else nothing is. The
 * highlighted one stays if it is still offered.
 */
export function mentionTyped(state, text, caret, field = COMPOSER) {
  const open = state.current !== null && (field === COMPOSER || state.thread !== null);
  const mention = open ? mentionAt(text, caret) : null;
  const users = mention ? mentionCandidates(state.members, mention.query, state.me.id) : [];
  if (!users.length) return completionClosed(state);
  const before = state.completion.field === field ? state.completion : noCompletion();
  const activeId = before.users[before.active]?.id;
  const active = Math.max(users.findIndex((user) => user.id === activeId), 0);
  state.completion = { ...noCompletion(), field, value: text, query: mention.query, users, active, mention };
  return [Effect.renderCompletion];
}

export function completionClosed(state) {
  if (state.completion.field === null) return [];
  state.completion = noCompletion();
  return [Effect.renderCompletion];
}

// ---- the reports we handle (GET /reports): a chat's owner and admins, the server's moderators ----

/** The reports we handle, newest first, as the server lists them. */
export function reportsLoaded(state, list) {
  state.reports.items = list.reports;
  state.reports.error = "";
  return [Effect.renderReports];
}

/** The Reports view opens, or closes. */
export function reportsToggled(state) {
  state.reports.open = !state.reports.open;
  return [Effect.renderReports];
}

/** A report as the server has it now (resolved): it takes the old one's place. */
export function reportResolved(state, report) {
  state.reports.items = state.reports.items.map((item) => (item.id === report.id ? report : item));
  state.reports.error = "";
  return [Effect.renderReports];
}

export function reportsFailed(state, why) {
  state.reports.error = why;
  return [Effect.renderReports];
}

/** How many reports wait for someone to handle them. */
export function openReports(state) {
  return state.reports.items.filter((report) => report.resolution === null).length;
}

// ---- the Mentions view: the reader's recent mentions (GET /mentions), newest first ----

/**
 * The Mentions view opens (or is opened again), empty until its first page comes to
 * mentionsLoaded; its pages are asked for with `state.mentions` as it is now.
 */
export function mentionsOpened(state) {
  state.mentions = { ...noMentions(), open: true, loading: true };
  return [Effect.renderMentions];
}

export function mentionsClosed(state) {
  state.mentions = noMentions();
  return [Effect.renderMentions];
}

/** The next page is being asked for. */
export function mentionsMoreAsked(state) {
  state.mentions.loading = true;
  return [Effect.renderMentions];
}

/**
 * A page (`{ messages, next_before }`) for the view `asked` (`state.mentions` when it was asked):
 * dropped if the view closed or opened again since. A message already listed is not listed twice.
 */
export function mentionsLoaded(state, asked, page) {
  if (state.mentions !== asked) return [];
  const listed = new Set(asked.messages.map((message) => message.id));
  asked.messages.push(...page.messages.filter((message) => !listed.has(message.id)));
  asked.next = page.next_before;
  asked.loading = false;
  asked.error = "";
  return [Effect.renderMentions];
}

/**
 * The newest page again (a mention came while the view is open): those not listed yet go on top,
 * newest first, as the page has them. Dropped if the view closed or opened again since.
 */
export function mentionsArrived(state, asked, page) {
  if (state.mentions !== asked) return [];
  const listed = new Set(asked.messages.map((message) => message.id));
  const arrived = page.messages.filter((message) => !listed.has(message.id));
  if (!arrived.length) return [];
  if (!asked.messages.length) asked.next = page.next_before;
  asked.messages.unshift(...arrived);
  return [Effect.renderMentions];
}

export function mentionsFailed(state, asked, why) {
  if (state.mentions !== asked) return [];
  asked.loading = false;
  asked.error = why;
  return [Effect.renderMentions];
}

// ---- replying ----

export function replyStarted(state, message) {
  state.replyTo = message;
  return [Effect.renderReply];
}

export function replyCancelled(state) {
  state.replyTo = null;
  return [Effect.renderReply];
}

// ---- threads: one open at a time, beside the open chat (over it on a phone) ----

/**
 * The thread under message `rootId` of the open chat opens, empty until its page comes to
 * threadLoaded; `root` is that message if the conversation holds it (shown at once), and
 * `highlight` the reply it was opened at (a search hit, a mention), if any. Its pages are asked
 * for with `state.thread` as it is now: one asked for a thread since closed is dropped.
 */
export function threadOpened(state, rootId, { highlight = null } = {}) {
  const root = state.messages.get(rootId) ?? state.heldBack.get(rootId) ?? null;
  state.thread = { rootId, chatId: state.current, root, messages: new Map(), hasOlder: false, loading: true, error: "", highlight };
  return [Effect.renderThread, Effect.renderMessages]; // the root stands out while its thread is open
}

export function threadClosed(state) {
  if (state.thread === null) return [];
  state.thread = null;
  return [Effect.renderThread, Effect.renderMessages];
}

/**
 * A page of the thread `asked` (`{ root, messages, has_older, has_newer }`): merged with what
 * arrived meanwhile; `older` when it is the page before the oldest reply loaded.
 */
export function threadLoaded(state, asked, page, { older = false } = {}) {
  if (state.thread !== asked) return [];
  // The page's root holds the summary as the page was read; events after it were applied to ours.
  if (!asked.root || !older) asked.root = page.root;
  for (const message of page.messages) asked.messages.set(message.id, message);
  asked.hasOlder = page.has_older;
  asked.loading = false;
  asked.error = "";
  if (older) return [Effect.renderThread];
  return [asked.highlight === null ? Effect.renderThreadAtBottom : Effect.renderThreadAtHighlight, Effect.markRead];
}

/** The thread's page could not be read (`why`): said in the panel. */
export function threadFailed(state, asked, why) {
  if (state.thread !== asked) return [];
  asked.loading = false;
  asked.error = why;
  return [Effect.renderThread];
}

/** The oldest loaded reply's id of the open thread (what the page before it is asked by), or undefined. */
export function threadOldestId(state) {
  return state.thread?.messages.size ? Math.min(...state.thread.messages.keys()) : undefined;
}

/** What the open thread shows under its root, as visibleMessages: the replies, then our sends not yet answered. */
export function threadMessages(state) {
  const thread = state.thread;
  return thread ? shownWith(state, thread.messages.values(), thread.chatId, thread.rootId) : [];
}

/** The thread panel drawn again, if one is open. */
function threadShown(state) {
  return state.thread ? [Effect.renderThread] : [];
}

// ---- sending: shown at once, answered in place, never twice ----

/**
 * Our text `content` is being sent to the open chat: to its conversation, as a reply if one is
 * being written there; or, with `threadRootId`, as a reply in that thread (the thread's composer
 * quotes nothing). It shows at once as "sending", and is delivered under `key` (the
 * Idempotency-Key of every attempt). `localId` names it until it is stored; `ts` is the time
 * shown meanwhile.
 */
export function sendStarted(state, { localId, key, content, ts, threadRootId = null }) {
  const inThread = threadRootId !== null;
  const item = {
    localId, key, chat_id: state.current, content, reply_to_id: inThread ? null : state.replyTo?.id ?? null,
    thread_root_id: threadRootId, ts, state: "sending", matchedId: null,
  };
  state.pending.push(item);
  if (inThread) return [Effect.renderThreadAtBottom, Effect.deliver(item)];
  state.replyTo = null;
  return [Effect.renderReply, Effect.renderMessagesAtBottom, Effect.deliver(item)];
}

/** Where a pending send is drawn, if it is shown: the open chat's conversation, or its open thread. */
function pendingShown(state, item) {
  if (item.chat_id !== state.current) return [];
  if (item.thread_root_id === null) return [Effect.renderMessages];
  return state.thread?.rootId === item.thread_root_id ? [Effect.renderThread] : [];
}

/** The answer to a send: the stored message takes its place. */
export function sendAnswered(state, item, message) {
  state.pending = state.pending.filter((other) => other !== item);
  return accept(state, message);
}

/** A send failed for good (`why` says why): it stays, marked failed, with a retry. */
export function sendFailed(state, item, why) {
  item.state = "failed";
  item.matchedId = null; // a message of the same text from elsewhere is not this one
  item.error = why;
  return pendingShown(state, item);
}

/** A failed send, named by its key, is tried again (with the same key). */
export function retryStarted(state, key) {
  const item = state.pending.find((other) => other.key === key);
  if (!item) return [];
  item.state = "sending";
  return [...pendingShown(state, item), Effect.deliver(item)];
}

/**
 * A message with files of ours was posted in `chatId`, quoting `replyToId` if it was the reply
 * being written: if that reply is still the one being written, it is used up.
 */
export function filesPosted(state, chatId, replyToId, message) {
  const effects = [];
  if (state.current === chatId && replyToId && state.replyTo?.id === replyToId) {
    state.replyTo = null;
    effects.push(Effect.renderReply);
  }
  return [...effects, ...accept(state, message)];
}

// ---- live events ----

/**
 * One event of the WebSocket (`{ type, chat_id, data }`, EVENTS.md), by its type's reducer.
 * `pageHidden` says whether the reader cannot see the page (another tab): then even the open
 * chat's counts come from the server. Types not listed change nothing here.
 */
export function applyEvent(state, { type, chat_id: chatId, data }, { pageHidden = false } = {}) {
  const reducer = Object.hasOwn(EVENTS, type) ? EVENTS[type] : null;
  return reducer ? reducer(state, data, { chatId, pageHidden }) : [];
}

const EVENTS = {
  "message.created": messageCreated,
  "message.updated": messageChanged,
  "message.deleted": messageChanged,
  "reaction.added": reactionChanged,
  "reaction.removed": reactionChanged,
  mention,
  "receipt.updated": receiptUpdated,
  "chat.created": chatChanged,
  "chat.updated": chatChanged,
  "member.added": chatChanged,
  "member.updated": chatChanged,
  "member.removed": memberRemoved,
  "thread.updated": threadUpdated,
  // read.updated: receipt.updated already sums the markers up.
};

function messageCreated(state, data, { chatId, pageHidden }) {
  const mine = data.author_id === state.me.id;
  if (mine && data.type === "text") {
    // Our own send, whose answer may still be on its way: shown once, as this (only text waits).
    const rootId = data.thread_root_id ?? null;
    const item = state.pending.find((other) => other.chat_id === chatId && other.thread_root_id === rootId && other.content === data.content && !other.matchedId);
    if (item) item.matchedId = data.id;
  }
  const effects = accept(state, data);
  if (!mine && (chatId !== state.current || pageHidden)) effects.push(Effect.refreshChat(chatId));
  if (chatId === state.current) effects.push(Effect.markRead);
  return effects;
}

/** Whether the open chat has message `id`, shown or held back, or in its open thread. */
function known(state, chatId, id) {
  if (chatId !== state.current) return false;
  const thread = state.thread;
  return state.messages.has(id) || state.heldBack.has(id) || (thread !== null && (thread.rootId === id || thread.messages.has(id)));
}

function messageChanged(state, data, { chatId }) {
  const effects = known(state, chatId, data.id) ? accept(state, data) : [];
  const chat = state.chats.get(chatId);
  if (chat?.last_message?.id === data.id) {
    chat.last_message = data;
    if (!effects.includes(Effect.renderChats)) effects.push(Effect.renderChats);
  }
  return effects;
}

function reactionChanged(state, data, { chatId }) {
  return known(state, chatId, data.message.id) ? accept(state, data.message) : [];
}

function mention(state, data, { chatId, pageHidden }) {
  if (!data.user_ids.includes(state.me.id)) return [];
  const unseen = chatId !== state.current || pageHidden;
  return [...(unseen ? [Effect.refreshChat(chatId)] : []), ...(state.mentions.open ? [Effect.loadNewMentions] : [])];
}

/**
 * The chat's lowest delivery and read markers moved: the ticks of our own messages follow. A
 * message is delivered (read) once the lowest marker that is not ours has passed it (EVENTS.md).
 */
function receiptUpdated(state, { delivered, read }, { chatId }) {
  if (chatId !== state.current) return [];
  const through = (markers) => markers.find((marker) => marker.user_id !== state.me.id)?.message_id ?? 0;
  const [deliveredThrough, readUpTo] = [through(delivered), through(read)];
  const thread = state.thread ? [...(state.thread.root ? [state.thread.root] : []), ...state.thread.messages.values()] : [];
  for (const message of [...state.messages.values(), ...thread]) {
    if (message.author_id !== state.me.id || typeof message.id !== "number") continue;
    message.delivery = message.id <= readUpTo ? "read" : message.id <= deliveredThrough ? "delivered" : "sent";
    if (message.id <= readUpTo) message.status = "read";
  }
  return [Effect.renderMessages, ...threadShown(state)];
}

/**
 * A thread's summary changed (a reply posted or deleted): the root shows it, in the conversation
 * and at the top of its open thread. No fetch: the event holds the whole summary.
 */
function threadUpdated(state, { message_id: rootId, thread }, { chatId }) {
  if (chatId !== state.current) return [];
  const effects = [];
  for (const messages of [state.messages, state.heldBack]) {
    const root = messages.get(rootId);
    if (root) withThread(root, thread);
    if (root && messages === state.messages) effects.push(Effect.renderMessages);
  }
  const open = state.thread;
  if (open !== null && open.rootId === rootId && open.root) {
    withThread(open.root, thread);
    effects.push(Effect.renderThread);
  }
  return effects;
}

function memberRemoved(state, data, context) {
  return data.user_id === state.me.id ? chatClosed(state, context.chatId) : chatChanged(state, data, context);
}

function chatChanged(state, data, { chatId }) {
  return [Effect.reloadChat(chatId)];
}

// ---- typing ----

/** Someone is typing in `frame.chat_id`: shown if it is the open chat, for a few seconds. */
export function typingSeen(state, frame) {
  if (frame.chat_id !== state.current) return [];
  state.typing.add(frame.user_id);
  return [Effect.renderTyping, Effect.expireTyping(frame.user_id)];
}

export function typingStopped(state, userId) {
  state.typing.delete(userId);
  return [Effect.renderTyping];
}

// ---- notifications ----

/** What a chat notifies of when its member chose nothing (the server's default, API.md). */
export function defaultLevel(chat) {
  return chat?.kind === "direct" ? "all" : "mentions";
}

/** `chatId`'s notification setting as the server has it (`{ level, muted_until }`). */
export function notificationsLoaded(state, chatId, setting) {
  state.notifications.set(chatId, { level: setting.level, muted_until: setting.muted_until ?? null });
  return chatId === state.current ? [Effect.renderNotifications] : [];
}

/** The mutes offered for a while, by the hours they last. */
export const MUTE_HOURS = Object.freeze({ "mute-1h": 1, "mute-8h": 8 });

/**
 * What the open chat's setting shows at `now` (milliseconds): `{ value }`, one of "all",
 * "mentions", "none" (muted until unmuted), or "muted" with `until` (a mute for a while, not over).
 */
export function notificationChoice(state, now) {
  const chat = state.chats.get(state.current);
  const setting = state.notifications.get(state.current) ?? { level: defaultLevel(chat), muted_until: null };
  if (setting.muted_until && Date.parse(setting.muted_until) > now && setting.level !== "none") {
    return { value: "muted", until: setting.muted_until };
  }
  return { value: setting.level };
}

/**
 * The body of `PUT /chats/{id}/notifications` for `choice` (a level, or a key of MUTE_HOURS) in
 * the open chat at `now`: a mute for a while keeps the level to come back to when it ends.
 */
export function notificationRequest(state, choice, now) {
  if (Object.hasOwn(MUTE_HOURS, choice)) {
    const current = state.notifications.get(state.current)?.level;
    const level = current && current !== "none" ? current : defaultLevel(state.chats.get(state.current));
    return { level, muted_until: new Date(now + MUTE_HOURS[choice] * 3_600_000).toISOString() };
  }
  if (!["all", "mentions", "none"].includes(choice)) throw new RangeError(`no notification level ${choice}`);
  return { level: choice, muted_until: null };
}

/**
 * This browser's push notifications: "unsupported" (no service worker or Push API, or not a secure
 * page), "blocked" (the user refused, only the browser's settings undo it), "off", "on", or
 * "busy" (being turned on or off).
 */
export function pushChanged(state, status) {
  state.push = status;
  return [Effect.renderPush];
}

/**
 * The status at start: `subscribed` when the browser has a subscription that this user
 * registered from this browser (another user of the same browser turned it on, say).
 */
export function pushStatus({ supported, permission, subscribed }) {
  if (!supported) return "unsupported";
  if (permission === "denied") return "blocked";
  return permission === "granted" && subscribed ? "on" : "off";
}

/** The push control as drawn: its text, whether it can be pressed, whether it shows at all. */
export function pushControl(status) {
  return {
    unknown: { hidden: true },
    unsupported: { hidden: true },
    blocked: { label: "Notifications blocked", disabled: true, title: "Allow notifications for this site in the browser's settings" },
    off: { label: "Enable notifications" },
    on: { label: "Disable notifications" },
    busy: { label: "Notifications…", disabled: true },
  }[status] ?? { hidden: true };
}
