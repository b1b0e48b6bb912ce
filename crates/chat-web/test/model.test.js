// The web client's state changes (web/model.js), run by `node --test` (`make test`): messages
// accepted once and in order, our own sends reconciled with their answer and their event in
// either order, edits, deletes, reactions, receipts, threads, and what each event asks of the page.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as model from "../web/model.js";
import { UNREAD_COUNTED_UP_TO, badge, pageTitle } from "../web/unread.js";

const { Effect } = model;
const ME = { id: 1, display_name: "Ann" };
const BOB = 2;

function message(id, fields = {}) {
  return {
    id, chat_id: 10, author_id: BOB, type: "text", content: `text ${id}`, reply_to_id: null, ts: `2026-01-01T00:00:${String(id).padStart(2, "0")}Z`,
    reactions: [], is_deleted: false, updated_at: null, ...fields,
  };
}

function chat(id, fields = {}) {
  return { id, kind: "direct", title: null, role: "member", last_message: null, last_activity_at: "2026-01-01T00:00:00Z", unread_count: 0, ...fields };
}

/** Ann signed in, knowing chats 10 and 20, with chat 10 open and its first page loaded. */
function annWithChatOpen(page = []) {
  const state = model.createState();
  model.signedIn(state, ME);
  model.chatsLoaded(state, [chat(10), chat(20)]);
  model.chatOpened(state, 10);
  model.newestLoaded(state, 10, { messages: page, has_older: false });
  return state;
}

/** The open chat as drawn: each message's id (a pending one's local id), content and state. */
function shown(state) {
  return model.visibleMessages(state).map(({ message: m, state: s }) => [m.id, m.content, s]);
}

function event(type, data, chatId = 10) {
  return { type, chat_id: chatId, data, seq: 1 };
}

/** Ann types `content` and sends it: the pending send, and the effects. */
function send(state, content, n = 1) {
  const effects = model.sendStarted(state, { localId: `local-${n}`, key: `key-${n}`, content, ts: "2026-01-01T00:01:00Z" });
  return { item: effects.at(-1).item, effects };
}

// ---- accepting messages ----

test("a message of the open chat is shown and becomes the chat's last", () => {
  const state = annWithChatOpen();
  const effects = model.accept(state, message(1));
  assert.deepEqual(effects, [Effect.renderMessages, Effect.renderChats]);
  assert.deepEqual(shown(state), [[1, "text 1", "sent"]]);
  assert.equal(state.chats.get(10).last_message.id, 1);
  assert.equal(state.chats.get(10).last_activity_at, message(1).ts);
});

test("a message accepted twice is shown once", () => {
  const state = annWithChatOpen();
  model.accept(state, message(1));
  model.accept(state, message(1));
  assert.deepEqual(shown(state), [[1, "text 1", "sent"]]);
});

test("messages accepted out of order are shown in order, and the chat's last stays the newest", () => {
  const state = annWithChatOpen();
  model.accept(state, message(3));
  const effects = model.accept(state, message(2));
  assert.deepEqual(effects, [Effect.renderMessages], "the chat list does not change");
  assert.deepEqual(shown(state).map(([id]) => id), [2, 3]);
  assert.equal(state.chats.get(10).last_message.id, 3);
});

test("a message of another chat changes only the chat list", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.accept(state, message(5, { chat_id: 20 })), [Effect.renderChats]);
  assert.deepEqual(shown(state), []);
  assert.equal(state.chats.get(20).last_message.id, 5);
});

test("a message of a chat this page does not know asks for the chat list", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.accept(state, message(5, { chat_id: 30 })), [Effect.loadChats]);
});

test("messages accepted while a chat's first page loads are kept, and the page merges in", () => {
  const state = model.createState();
  model.signedIn(state, ME);
  model.chatsLoaded(state, [chat(10)]);
  model.chatOpened(state, 10);
  model.accept(state, message(3));
  const effects = model.newestLoaded(state, 10, { messages: [message(1), message(2)], has_older: true });
  assert.deepEqual(effects, [Effect.renderChats, Effect.renderMessagesAtBottom, Effect.markRead]);
  assert.deepEqual(shown(state).map(([id]) => id), [1, 2, 3]);
  assert.equal(state.hasOlder, true);
});

test("a page that arrives after another chat was opened is dropped", () => {
  const state = annWithChatOpen([message(1)]);
  model.chatOpened(state, 20);
  assert.deepEqual(model.newestLoaded(state, 10, { messages: [message(2)], has_older: false }), []);
  assert.deepEqual(model.olderLoaded(state, 10, { messages: [message(0)], has_older: false }), []);
  assert.deepEqual(shown(state), []);
});

test("older pages go before the loaded messages", () => {
  const state = annWithChatOpen([message(5), message(6)]);
  assert.equal(model.oldestId(state), 5);
  assert.equal(model.newestId(state), 6);
  assert.deepEqual(model.olderLoaded(state, 10, { messages: [message(3), message(4)], has_older: false }), [Effect.renderMessages]);
  assert.deepEqual(shown(state).map(([id]) => id), [3, 4, 5, 6]);
});

// ---- our own sends ----

test("a send shows at once as sending, quoting the reply being written, and is delivered", () => {
  const state = annWithChatOpen([message(1)]);
  model.replyStarted(state, message(1));
  const { item, effects } = send(state, "hi");
  assert.deepEqual(effects, [Effect.renderReply, Effect.renderMessagesAtBottom, Effect.deliver(item)]);
  assert.equal(state.replyTo, null, "the reply is used up");
  assert.equal(item.reply_to_id, 1);
  assert.equal(item.key, "key-1");
  assert.deepEqual(shown(state), [[1, "text 1", "sent"], ["local-1", "hi", "sending"]]);
});

test("a send answered before its event shows once", () => {
  const state = annWithChatOpen();
  const { item } = send(state, "hi");
  const stored = message(7, { author_id: ME.id, content: "hi" });
  assert.deepEqual(model.sendAnswered(state, item, stored), [Effect.renderMessages, Effect.renderChats]);
  assert.deepEqual(shown(state), [[7, "hi", "sent"]]);
  model.applyEvent(state, event("message.created", stored));
  assert.deepEqual(shown(state), [[7, "hi", "sent"]]);
  assert.deepEqual(state.pending, []);
});

test("a send whose event comes before its answer shows once, as the stored message", () => {
  const state = annWithChatOpen();
  const { item } = send(state, "hi");
  const stored = message(7, { author_id: ME.id, content: "hi" });
  const effects = model.applyEvent(state, event("message.created", stored));
  assert.deepEqual(effects, [Effect.renderMessages, Effect.renderChats, Effect.markRead], "no refresh of our own chat's counts");
  assert.equal(item.matchedId, 7);
  assert.deepEqual(shown(state), [[7, "hi", "sent"]]);
  model.sendAnswered(state, item, stored);
  assert.deepEqual(shown(state), [[7, "hi", "sent"]]);
  assert.deepEqual(state.pending, []);
});

test("an event matches one pending send of its text: the next one of the same text still shows", () => {
  const state = annWithChatOpen();
  const first = send(state, "ok", 1).item;
  const second = send(state, "ok", 2).item;
  model.applyEvent(state, event("message.created", message(7, { author_id: ME.id, content: "ok" })));
  assert.equal(first.matchedId, 7);
  assert.equal(second.matchedId, null);
  assert.deepEqual(shown(state), [[7, "ok", "sent"], ["local-2", "ok", "sending"]]);
});

test("only our own text messages in the same chat match a pending send", () => {
  const state = annWithChatOpen();
  const { item } = send(state, "hi");
  model.applyEvent(state, event("message.created", message(7, { content: "hi" }))); // Bob's
  model.applyEvent(state, event("message.created", message(8, { author_id: ME.id, content: "hi", chat_id: 20 }), 20));
  model.applyEvent(state, event("message.created", message(9, { author_id: ME.id, content: "hi", type: "image" })));
  assert.equal(item.matchedId, null);
  assert.deepEqual(shown(state).map(([id]) => id), [7, 9, "local-1"]);
});

test("a failed send shows as failed even if a message of its text came from elsewhere, and a retry delivers it again", () => {
  const state = annWithChatOpen();
  const { item } = send(state, "hi");
  model.applyEvent(state, event("message.created", message(7, { author_id: ME.id, content: "hi" }))); // from another tab
  assert.deepEqual(model.sendFailed(state, item, "content: too long"), [Effect.renderMessages]);
  assert.equal(item.error, "content: too long");
  assert.deepEqual(shown(state), [[7, "hi", "sent"], ["local-1", "hi", "failed"]]);
  const shownPending = model.visibleMessages(state).at(-1).message;
  assert.equal(shownPending.pendingKey, "key-1");
  assert.deepEqual(model.retryStarted(state, shownPending.pendingKey), [Effect.renderMessages, Effect.deliver(item)]);
  assert.deepEqual(shown(state).at(-1), ["local-1", "hi", "sending"]);
  assert.deepEqual(model.retryStarted(state, "unknown"), []);
});

test("a send of a chat no longer open is kept, and shows again when the chat is", () => {
  const state = annWithChatOpen();
  const { item } = send(state, "hi");
  model.chatOpened(state, 20);
  assert.deepEqual(shown(state), []);
  assert.deepEqual(model.sendFailed(state, item, "offline"), [], "nothing to draw");
  model.chatOpened(state, 10);
  assert.deepEqual(shown(state), [["local-1", "hi", "failed"]]);
});

test("a message with files uses up the reply it quotes, unless another reply was started since", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  model.replyStarted(state, message(1));
  const effects = model.filesPosted(state, 10, 1, message(3, { author_id: ME.id, type: "image", content: null }));
  assert.deepEqual(effects, [Effect.renderReply, Effect.renderMessages, Effect.renderChats]);
  assert.equal(state.replyTo, null);
  model.replyStarted(state, message(2));
  model.filesPosted(state, 10, 1, message(4, { author_id: ME.id, type: "file", content: null }));
  assert.equal(state.replyTo.id, 2);
});

// ---- edits, deletes, reactions ----

test("an edit replaces a loaded message, and the chat's last if it is that", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  model.accept(state, message(2)); // the chat's last
  const edited = message(2, { content: "edited", updated_at: "2026-01-01T00:02:00Z" });
  assert.deepEqual(model.applyEvent(state, event("message.updated", edited)), [Effect.renderMessages, Effect.renderChats]);
  assert.deepEqual(shown(state).map(([, content]) => content), ["text 1", "edited"]);
  assert.equal(state.chats.get(10).last_message.content, "edited");
});

test("an edit of a message not loaded adds nothing, but still updates the chat's last", () => {
  const state = annWithChatOpen([message(5)]);
  state.chats.get(20).last_message = message(3, { chat_id: 20 });
  assert.deepEqual(model.applyEvent(state, event("message.updated", message(3, { content: "x" }))), []);
  assert.deepEqual(shown(state).map(([id]) => id), [5]);
  const edited = message(3, { chat_id: 20, content: "edited" });
  assert.deepEqual(model.applyEvent(state, event("message.updated", edited, 20)), [Effect.renderChats]);
  assert.equal(state.chats.get(20).last_message.content, "edited");
});

test("a delete shows the tombstone in place", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  model.accept(state, message(2)); // the chat's last
  const tombstone = message(1, { content: null, is_deleted: true });
  assert.deepEqual(model.applyEvent(state, event("message.deleted", tombstone)), [Effect.renderMessages]);
  assert.equal(model.visibleMessages(state)[0].message.is_deleted, true);
  assert.equal(state.chats.get(10).last_message.id, 2, "an older message does not become the last");
});

test("a reaction replaces its loaded message with the one the event carries", () => {
  const state = annWithChatOpen([message(1)]);
  const reacted = message(1, { reactions: [{ emoji: "👍", count: 1, user_ids: [BOB] }] });
  const effects = model.applyEvent(state, event("reaction.added", { message_id: 1, user_id: BOB, emoji: "👍", reactions: reacted.reactions, message: reacted }));
  assert.deepEqual(effects, [Effect.renderMessages, Effect.renderChats]);
  assert.deepEqual(state.messages.get(1).reactions, reacted.reactions);
  const other = message(9, { chat_id: 20 });
  assert.deepEqual(model.applyEvent(state, event("reaction.removed", { message: other }, 20)), [], "not the open chat");
});

// ---- receipts ----

test("receipts tick our own messages delivered or read, by the lowest marker that is not ours", () => {
  const mine = (id) => message(id, { author_id: ME.id });
  const state = annWithChatOpen([mine(1), mine(2), message(3), mine(4)]);
  const effects = model.applyEvent(state, event("receipt.updated", {
    chat_id: 10,
    delivered: [{ user_id: ME.id, message_id: 4 }, { user_id: BOB, message_id: 2 }],
    read: [{ user_id: BOB, message_id: 1 }, { user_id: ME.id, message_id: 4 }],
  }));
  assert.deepEqual(effects, [Effect.renderMessages]);
  const ticks = model.visibleMessages(state).map(({ message: m }) => [m.id, m.delivery ?? null]);
  assert.deepEqual(ticks, [[1, "read"], [2, "delivered"], [3, null], [4, "sent"]]);
  assert.equal(state.messages.get(1).status, "read");
});

test("receipts of a chat not open change nothing; a pending send keeps no tick", () => {
  const state = annWithChatOpen([message(1, { author_id: ME.id })]);
  send(state, "hi");
  const receipt = { delivered: [{ user_id: BOB, message_id: 9 }], read: [{ user_id: BOB, message_id: 9 }] };
  assert.deepEqual(model.applyEvent(state, event("receipt.updated", receipt, 20)), []);
  assert.equal(state.messages.get(1).delivery, undefined);
  model.applyEvent(state, event("receipt.updated", receipt));
  assert.deepEqual(model.visibleMessages(state).map(({ message: m }) => m.delivery), ["read", "sent"]);
});

// ---- what events ask of the page ----

test("another's message in a chat not open refreshes its counts; in the open chat it is marked read", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.applyEvent(state, event("message.created", message(5, { chat_id: 20 }), 20)), [Effect.renderChats, Effect.refreshChat(20)]);
  assert.deepEqual(model.applyEvent(state, event("message.created", message(6))), [Effect.renderMessages, Effect.renderChats, Effect.markRead]);
  assert.deepEqual(model.applyEvent(state, event("message.created", message(7)), { pageHidden: true }),
    [Effect.renderMessages, Effect.renderChats, Effect.refreshChat(10), Effect.markRead], "a hidden page counts it unread");
});

test("a mention of us refreshes the chat's counts unless it is open and seen", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.applyEvent(state, event("mention", { message_id: 5, user_ids: [ME.id] }, 20)), [Effect.refreshChat(20)]);
  assert.deepEqual(model.applyEvent(state, event("mention", { message_id: 5, user_ids: [ME.id] })), []);
  assert.deepEqual(model.applyEvent(state, event("mention", { message_id: 5, user_ids: [BOB] }, 20)), []);
  model.mentionsOpened(state);
  assert.deepEqual(model.applyEvent(state, event("mention", { message_id: 5, user_ids: [ME.id] }, 20)), [Effect.refreshChat(20), Effect.loadNewMentions]);
  assert.deepEqual(model.applyEvent(state, event("mention", { message_id: 5, user_ids: [BOB] }, 20)), [], "the open view waits for ours only");
});

test("being removed from a chat closes it; other changes of chats and members reload them", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.applyEvent(state, event("member.removed", { chat_id: 10, user_id: BOB })), [Effect.reloadChat(10)]);
  for (const type of ["chat.created", "chat.updated", "member.added", "member.updated"]) {
    assert.deepEqual(model.applyEvent(state, event(type, {}, 20)), [Effect.reloadChat(20)], type);
  }
  assert.deepEqual(model.applyEvent(state, event("member.removed", { chat_id: 10, user_id: ME.id })), [Effect.closeConversation, Effect.renderChats]);
  assert.equal(state.current, null);
  assert.equal(state.chats.has(10), false);
});

test("events the client does not use change nothing", () => {
  const state = annWithChatOpen([message(1)]);
  for (const type of ["read.updated", "something.new", "constructor", "toString"]) {
    assert.deepEqual(model.applyEvent(state, event(type, {})), [], type);
  }
});

// ---- the chat list, titles, typing ----

test("a direct chat is titled by the other member; a group by its title", () => {
  const state = annWithChatOpen();
  assert.equal(model.chatTitle(state, chat(30, { kind: "group", title: "Launch" })), "Launch");
  assert.equal(model.chatTitle(state, chat(10)), undefined);
  model.titleAsked(state, 10);
  assert.equal(model.chatTitle(state, chat(10)), "Direct chat");
  const members = [{ user_id: ME.id, display_name: "Ann" }, { user_id: BOB, display_name: "Bob" }];
  assert.deepEqual(model.titleLoaded(state, 10, members), [Effect.renderChats, Effect.renderHead]);
  assert.equal(model.chatTitle(state, chat(10)), "Bob");
});

test("marking read takes the server's counts", () => {
  const state = annWithChatOpen();
  Object.assign(state.chats.get(10), { unread_count: 3, unread_mentions: 1 });
  assert.deepEqual(model.readMarked(state, 10, { unread_count: 0, last_read_message_id: 8 }), [Effect.renderChats]);
  assert.deepEqual([state.chats.get(10).unread_count, state.chats.get(10).unread_mentions, state.chats.get(10).last_read_message_id], [0, 0, 8]);
  assert.deepEqual(model.readMarked(state, 99, { unread_count: 0 }), [], "a chat left meanwhile");
});

test("members are kept with their names, for the open chat only", () => {
  const state = annWithChatOpen();
  const members = [{ user_id: 3, display_name: "Carol", username: "carol", role: "member" }];
  assert.deepEqual(model.membersLoaded(state, 20, members), []);
  assert.deepEqual(model.membersLoaded(state, 10, members), [Effect.renderChats, Effect.renderHead, Effect.renderMembers]);
  assert.equal(state.names.get(3), "Carol");
  assert.equal(model.canManage(chat(10, { kind: "group", role: "admin" })), true);
  assert.equal(model.canManage(chat(10, { kind: "direct", role: "owner" })), false);
});

test("a report offers removing and banning only to those who manage its chat", () => {
  const state = model.createState();
  model.chatsLoaded(state, [chat(10, { kind: "group", role: "admin" }), chat(11, { kind: "group", role: "member" })]);
  const actions = (chatId) => model.reportResolutions(state, { chat_id: chatId, message_id: 5, user_id: 2 }).map((option) => option.action);
  assert.deepEqual(actions(10), ["message_deleted", "user_removed", "user_banned", "user_warned", "dismissed"]);
  assert.deepEqual(actions(11), ["message_deleted", "user_warned", "dismissed"]);
  assert.deepEqual(actions(12), ["message_deleted", "user_warned", "dismissed"], "a chat we are not in: a server moderator's");
});

test("typing shows for the open chat only, until it stops", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.typingSeen(state, { chat_id: 20, user_id: BOB }), []);
  assert.deepEqual(model.typingSeen(state, { chat_id: 10, user_id: BOB }), [Effect.renderTyping, Effect.expireTyping(BOB)]);
  assert.deepEqual([...state.typing], [BOB]);
  assert.deepEqual(model.typingStopped(state, BOB), [Effect.renderTyping]);
  assert.deepEqual([...state.typing], []);
});

test("a badge shows the server's capped unread count as 99+", () => {
  assert.equal(badge(1), "1");
  assert.equal(badge(99), "99");
  assert.equal(badge(UNREAD_COUNTED_UP_TO), "99+");
});

test("the tab's title counts every chat's unread messages, capped as a badge is", () => {
  assert.equal(pageTitle([chat(10), chat(20)]), "Chat");
  assert.equal(pageTitle([chat(10, { unread_count: 2 }), chat(20, { unread_count: 3 })]), "(5) Chat");
  assert.equal(pageTitle([chat(10, { unread_count: UNREAD_COUNTED_UP_TO }), chat(20, { unread_count: 1 })]), "(99+) Chat");
});

test("a chat opened with unread messages keeps its read marker for the divider; one with none has no divider", () => {
  const state = model.createState();
  model.signedIn(state, ME);
  model.chatsLoaded(state, [chat(10, { unread_count: 2, last_read_message_id: 5 }), chat(20), chat(30, { unread_count: 1 })]);
  model.chatOpened(state, 10);
  assert.equal(state.unreadAfter, 5);
  model.chatOpened(state, 20);
  assert.equal(state.unreadAfter, null);
  // Never read at all: everything from others is new.
  model.chatOpened(state, 30);
  assert.equal(state.unreadAfter, 0);
});

test("opened at a search hit: the page around it; live messages held back until the newest are loaded", () => {
  const state = annWithChatOpen([message(1)]);
  assert.deepEqual(model.chatOpenedAt(state, 10, 30), [Effect.renderReply]);
  assert.equal(state.highlight, 30);
  // Before the page arrives, a live message is held back too: it would stand after a gap.
  model.applyEvent(state, event("message.created", message(88)));
  assert.deepEqual(shown(state), []);
  const around = [29, 30, 31].map((id) => message(id));
  assert.deepEqual(model.aroundLoaded(state, 10, { messages: around, has_older: true, has_newer: true }),
    [Effect.renderChats, Effect.renderMessagesAtHighlight, Effect.markRead]);
  assert.deepEqual(shown(state).map(([id]) => id), [29, 30, 31]);
  assert.equal(state.hasOlder, true);
  model.applyEvent(state, event("message.created", message(90)));
  assert.deepEqual(shown(state).map(([id]) => id), [29, 30, 31]);
  assert.equal(state.chats.get(10).last_message.id, 90);
  // Edits reach loaded messages and held-back ones alike.
  model.applyEvent(state, event("message.updated", message(30, { content: "edited" })));
  model.applyEvent(state, event("message.updated", message(90, { content: "edited too" })));
  assert.equal(state.messages.get(30).content, "edited");
  // The page after: older than the window says nothing of what is before it.
  model.newerLoaded(state, 10, { messages: [message(32)], has_older: false, has_newer: true });
  assert.equal(state.hasOlder, true);
  // The last page after: what was held back joins it.
  model.newerLoaded(state, 10, { messages: [message(33), message(87)], has_older: false, has_newer: false });
  assert.deepEqual(shown(state).map(([id]) => id), [29, 30, 31, 32, 33, 87, 88, 90]);
  assert.equal(state.messages.get(90).content, "edited too");
  model.applyEvent(state, event("message.created", message(91)));
  assert.equal(state.messages.has(91), true);
});

test("going to the newest from a window: what arrives meanwhile stays, and late pages of the window are dropped", () => {
  const state = annWithChatOpen();
  model.chatOpenedAt(state, 10, 30);
  const windowOpening = state.opening;
  model.aroundLoaded(state, 10, { messages: [message(30)], has_older: true, has_newer: true }, windowOpening);
  model.applyEvent(state, event("message.created", message(80)));
  assert.deepEqual(model.newestAsked(state), [Effect.renderMessages]);
  assert.equal(state.hasNewer, false);
  assert.equal(state.highlight, null);
  // Our send's answer, or a live message, before the newest page: kept.
  model.applyEvent(state, event("message.created", message(81)));
  assert.deepEqual(model.newerLoaded(state, 10, { messages: [message(31)], has_older: true, has_newer: true }, windowOpening), []);
  model.newestLoaded(state, 10, { messages: [message(79), message(80)], has_older: true }, state.opening);
  assert.deepEqual(shown(state).map(([id]) => id), [79, 80, 81]);
});

test("a search's pages gather while it is the one asked; a newer search or an empty one replaces it", () => {
  const state = annWithChatOpen();
  const hit = (id) => ({ message: message(id), chat_id: 10, chat_title: null, snippet: `<mark>x</mark> ${id}` });
  assert.deepEqual(model.searchAsked(state, "x"), [Effect.renderSearch]);
  assert.equal(state.search.loading, true);
  const first = state.search;
  model.searchLoaded(state, first, { hits: [hit(5), hit(4)], next_cursor: "c1" });
  model.searchMoreAsked(state);
  model.searchLoaded(state, first, { hits: [hit(3)], next_cursor: null });
  assert.deepEqual(state.search.hits.map((h) => h.message.id), [5, 4, 3]);
  assert.equal(state.search.next, null);
  assert.equal(state.search.loading, false);
  // A late page of an earlier search is dropped, even of the same words asked again.
  model.searchAsked(state, "x");
  assert.deepEqual(model.searchLoaded(state, first, { hits: [hit(9)], next_cursor: null }), []);
  assert.deepEqual(state.search.hits, []);
  model.searchAsked(state, "xy", 10);
  model.searchFailed(state, state.search, "q: too long");
  assert.equal(state.search.error, "q: too long");
  model.searchAsked(state, "");
  assert.equal(state.search.loading, false);
  assert.equal(state.search.query, "");
});

// ---- presence ----

const online = { status: "online", last_seen_at: null };
const away = { status: "offline", last_seen_at: "2026-01-01T10:00:00Z" };

/** Ann with direct chat 10 (with Bob) open, its members read; group chat 20 (Bob, Carol) in the list. */
function annWithBob(bobPresence = away) {
  const state = model.createState();
  model.signedIn(state, ME);
  model.chatsLoaded(state, [chat(10), chat(20, { kind: "group", title: "Launch" })]);
  model.chatOpened(state, 10);
  model.membersLoaded(state, 10, [
    { user_id: ME.id, display_name: "Ann", presence: online },
    { user_id: BOB, display_name: "Bob", presence: bobPresence },
  ]);
  return state;
}

test("a direct chat's members tell its other person, their name and their presence", () => {
  const state = annWithBob(online);
  assert.equal(model.peerOf(state, 10), BOB);
  assert.equal(model.peerOf(state, 20), undefined, "a group has none");
  assert.equal(model.chatTitle(state, chat(10)), "Bob");
  assert.deepEqual(state.presence.get(BOB), online);
  assert.deepEqual(model.headStatus(state, Date.parse("2026-01-01T12:00:00Z")), { text: "online", online: true });
  assert.deepEqual(model.directChatsKnown(state), [10]);
});

test("a presence frame of the open direct chat's person redraws the list, the header and the members", () => {
  const state = annWithBob();
  const effects = model.presenceUpdated(state, { type: "presence.updated", user_id: BOB, status: "online", last_seen_at: null });
  assert.deepEqual(effects, [Effect.renderChats, Effect.renderHead, Effect.renderMembers]);
  assert.deepEqual(state.presence.get(BOB), online);
  model.presenceUpdated(state, { user_id: BOB, status: "offline", last_seen_at: "2026-01-01T11:58:00Z" });
  assert.equal(model.headStatus(state, Date.parse("2026-01-01T12:00:30Z")).text, "last seen 2 minutes ago");
});

test("a presence frame of someone only in a closed chat is kept, and redraws nothing open", () => {
  const state = annWithBob();
  assert.deepEqual(model.presenceUpdated(state, { user_id: 3, status: "online", last_seen_at: null }), []);
  assert.deepEqual(state.presence.get(3), online, "read when their chat opens");
});

test("a direct chat whose members were read elsewhere gets its dot in the list", () => {
  const state = annWithBob();
  model.titleLoaded(state, 30, [{ user_id: ME.id, display_name: "Ann" }, { user_id: 4, display_name: "Dan", presence: away }]);
  assert.deepEqual(model.presenceUpdated(state, { user_id: 4, status: "online", last_seen_at: null }), [Effect.renderChats]);
});

test("a group's header counts its members and those of them online, not counting the reader", () => {
  const state = annWithBob();
  model.chatOpened(state, 20);
  model.membersLoaded(state, 20, [
    { user_id: ME.id, display_name: "Ann", presence: online },
    { user_id: BOB, display_name: "Bob", presence: away },
    { user_id: 3, display_name: "Carol", presence: online },
  ]);
  assert.deepEqual(model.headStatus(state, 0), { text: "3 members, 1 online", online: false });
  assert.deepEqual(model.presenceUpdated(state, { user_id: 3, status: "offline", last_seen_at: away.last_seen_at }), [Effect.renderHead, Effect.renderMembers]);
  assert.deepEqual(model.headStatus(state, 0), { text: "3 members", online: false });
  state.chats.get(20).slow_mode_secs = 60;
  assert.deepEqual(model.headStatus(state, 0), { text: "3 members · slow mode: one message every 1 min", online: false });
});

test("a changed name reaches the direct chat's title when its members are read again", () => {
  const state = annWithBob();
  model.membersLoaded(state, 10, [{ user_id: ME.id, display_name: "Ann" }, { user_id: BOB, display_name: "Robert" }]);
  assert.equal(model.chatTitle(state, chat(10)), "Robert");
  assert.equal(state.names.get(BOB), "Robert");
  assert.deepEqual(state.presence.get(BOB), away, "a member list without presence leaves it as it was");
});

// ---- people: completing usernames, names ----

const user = (id, username, displayName = username) => ({ id, username, display_name: displayName, is_bot: false });

test("the directory's answer is offered for the value it was asked for, without the reader", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.completionAsked(state, "new-chat", "b", { many: true }), [Effect.renderCompletion]);
  const asked = state.completion;
  assert.equal(asked.query, "b");
  assert.equal(asked.loading, true);
  assert.deepEqual(model.completionLoaded(state, asked, [user(ME.id, "bann"), user(2, "bob"), user(3, "bobby")]), [Effect.renderCompletion]);
  assert.deepEqual(state.completion.users.map((u) => u.id), [2, 3]);
  assert.equal(state.completion.active, 0);
  assert.equal(model.completionOpen(state, "new-chat"), true);
  assert.equal(model.completionOpen(state, "add-member"), false);
});

test("a late answer for an earlier value is dropped; typing on narrows what was offered at once", () => {
  const state = annWithChatOpen();
  model.completionAsked(state, "new-chat", "b", { many: true });
  const first = state.completion;
  model.completionLoaded(state, first, [user(2, "bob"), user(3, "bobby"), user(4, "bea")]);
  model.completionMoved(state, 1); // bobby highlighted
  model.completionAsked(state, "new-chat", "bob", { many: true });
  const second = state.completion;
  assert.deepEqual(second.users.map((u) => u.id), [2, 3], "narrowed before the directory answers");
  assert.equal(second.users[second.active].id, 3, "the highlighted one stays highlighted");
  assert.deepEqual(model.completionLoaded(state, first, [user(4, "bea")]), [], "the answer for \"b\" came late");
  assert.deepEqual(model.completionLoaded(state, second, [user(2, "bob"), user(3, "bobby"), user(5, "bobo")]), [Effect.renderCompletion]);
  assert.deepEqual(state.completion.users.map((u) => u.id), [2, 3, 5]);
  assert.equal(state.completion.users[state.completion.active].id, 3);
});

test("the arrows go round the suggestions, and picking one completes the field", () => {
  const state = annWithChatOpen();
  model.completionAsked(state, "new-chat", "carol, b", { many: true });
  model.completionLoaded(state, state.completion, [user(2, "bob"), user(3, "bobby")]);
  model.completionMoved(state, -1);
  assert.equal(state.completion.active, 1);
  model.completionMoved(state, 1);
  assert.equal(state.completion.active, 0);
  assert.deepEqual(model.completionPicked(state), [Effect.renderCompletion, Effect.fillField("new-chat", "carol, bob, ")]);
  assert.equal(model.completionOpen(state, "new-chat"), false);
  assert.deepEqual(model.completionPicked(state), [], "nothing offered any more");
});

test("a field of one username is completed with it alone; clearing the prefix or closing offers nothing", () => {
  const state = annWithChatOpen();
  model.completionAsked(state, "add-member", "ca");
  model.completionLoaded(state, state.completion, [user(3, "carol")]);
  assert.deepEqual(model.completionPicked(state, 0).at(-1), Effect.fillField("add-member", "carol"));
  model.completionAsked(state, "add-member", "ca");
  model.completionLoaded(state, state.completion, [user(3, "carol")]);
  model.completionAsked(state, "add-member", "");
  assert.equal(model.completionOpen(state, "add-member"), false);
  assert.equal(state.completion.loading, false, "nothing to ask");
  model.completionAsked(state, "add-member", "c");
  const asked = state.completion;
  assert.deepEqual(model.completionClosed(state), [Effect.renderCompletion]);
  assert.deepEqual(model.completionLoaded(state, asked, [user(3, "carol")]), [], "closed before the answer");
  assert.deepEqual(model.completionClosed(state), []);
});

test("our new display name reaches our messages, the member list and the header", () => {
  const state = annWithChatOpen([message(1, { author_id: ME.id })]);
  model.membersLoaded(state, 10, [{ user_id: ME.id, display_name: "Ann" }, { user_id: BOB, display_name: "Bob" }]);
  const effects = model.profileChanged(state, { ...ME, display_name: "Ann Lee" });
  assert.deepEqual(effects, [Effect.renderMe, Effect.renderMembers, Effect.renderMessages, Effect.renderReply]);
  assert.equal(state.me.display_name, "Ann Lee");
  assert.equal(state.names.get(ME.id), "Ann Lee");
  assert.equal(state.members[0].display_name, "Ann Lee");
});

test("authors no member list named are asked for once, and named when the answer comes", () => {
  const state = annWithChatOpen([message(1), message(2, { author_id: 7 }), message(3, { author_id: 7 })]);
  state.names.set(BOB, "Bob");
  assert.deepEqual(model.unknownAuthors(state), [7]);
  model.namesAsked(state, [7]);
  assert.deepEqual(model.unknownAuthors(state), []);
  assert.deepEqual(model.personLoaded(state, user(7, "dan", "Dan")), [Effect.renderMessages]);
  assert.equal(state.names.get(7), "Dan");
});

/** Ann in chat 10 with Bob, Bora and Carol Bowman as members. */
function annAmongMembers() {
  const state = annWithChatOpen();
  const member = (id, username, displayName) => ({ user_id: id, username, display_name: displayName, role: "member" });
  model.membersLoaded(state, 10, [member(ME.id, "ann", "Ann"), member(2, "bob", "Bob"), member(3, "bora", "Bora"), member(4, "carol", "Carol Bowman")]);
  return state;
}

test("an @ at the composer's caret offers the open chat's members it may name, not the reader", () => {
  const state = annAmongMembers();
  assert.deepEqual(model.mentionTyped(state, "hi @", 4), [Effect.renderCompletion]);
  assert.deepEqual(state.completion.users.map((u) => u.username), ["bob", "bora", "carol"]);
  assert.equal(model.completionOpen(state, model.COMPOSER), true);
  model.mentionTyped(state, "hi @bo", 6);
  assert.deepEqual(state.completion.users.map((u) => u.username), ["bob", "bora", "carol"], "Carol Bowman by her name");
  model.completionMoved(state, 1);
  model.mentionTyped(state, "hi @bor", 7);
  assert.deepEqual(state.completion.users.map((u) => u.username), ["bora"]);
  assert.equal(state.completion.active, 0, "the highlighted one stays while offered");
  assert.deepEqual(model.mentionTyped(state, "hi @bx", 6), [Effect.renderCompletion], "nobody: the list closes");
  assert.equal(model.completionOpen(state, model.COMPOSER), false);
  assert.deepEqual(model.mentionTyped(state, "hi", 2), [], "nothing was open");
});

test("picking a member puts @username in the composer, the caret after it", () => {
  const state = annAmongMembers();
  model.mentionTyped(state, "hi @bo and", 6);
  model.completionMoved(state, 1);
  assert.deepEqual(model.completionPicked(state), [Effect.renderCompletion, Effect.fillField(model.COMPOSER, "hi @bora and", 9)]);
  assert.equal(model.completionOpen(state, model.COMPOSER), false);
  model.mentionTyped(state, "@", 1);
  assert.deepEqual(model.completionPicked(state, 0), [Effect.renderCompletion, Effect.fillField(model.COMPOSER, "@bob ", 5)]);
});

test("the thread's composer completes mentions too, while a thread is open", () => {
  const state = annAmongMembers();
  assert.deepEqual(model.mentionTyped(state, "@bo", 3, model.THREAD_COMPOSER), [], "no thread open");
  model.accept(state, message(1));
  model.threadOpened(state, 1);
  assert.deepEqual(model.mentionTyped(state, "ask @bo", 7, model.THREAD_COMPOSER), [Effect.renderCompletion]);
  assert.equal(model.completionOpen(state, model.THREAD_COMPOSER), true);
  assert.equal(model.completionOpen(state, model.COMPOSER), false);
  assert.deepEqual(model.completionPicked(state), [Effect.renderCompletion, Effect.fillField(model.THREAD_COMPOSER, "ask @bob ", 9)]);
});

test("the Mentions view gathers its pages while it is the one asked; closing or opening again drops late pages", () => {
  const state = annWithChatOpen();
  assert.deepEqual(model.mentionsOpened(state), [Effect.renderMentions]);
  const first = state.mentions;
  assert.equal(first.loading, true);
  assert.deepEqual(model.mentionsLoaded(state, first, { messages: [message(9), message(8)], next_before: 8 }), [Effect.renderMentions]);
  assert.deepEqual([first.next, first.loading], [8, false]);
  model.mentionsMoreAsked(state);
  model.mentionsLoaded(state, first, { messages: [message(8), message(3)], next_before: null });
  assert.deepEqual(state.mentions.messages.map((m) => m.id), [9, 8, 3], "one already listed is not listed twice");
  assert.equal(state.mentions.next, null);

  model.mentionsOpened(state);
  assert.deepEqual(model.mentionsLoaded(state, first, { messages: [message(1)], next_before: null }), [], "a page of the earlier opening");
  const second = state.mentions;
  assert.deepEqual(model.mentionsFailed(state, second, "down"), [Effect.renderMentions]);
  assert.equal(state.mentions.error, "down");
  assert.deepEqual(model.mentionsClosed(state), [Effect.renderMentions]);
  assert.deepEqual(model.mentionsLoaded(state, second, { messages: [message(1)], next_before: null }), []);
  assert.equal(state.mentions.open, false);
});

test("authors of mentions are asked for too, and named in the open Mentions view", () => {
  const state = annWithChatOpen();
  state.names.set(BOB, "Bob");
  model.mentionsOpened(state);
  model.mentionsLoaded(state, state.mentions, { messages: [message(5, { chat_id: 20, author_id: 8 })], next_before: null });
  assert.deepEqual(model.unknownAuthors(state), [8]);
  assert.deepEqual(model.personLoaded(state, user(8, "eve", "Eve")), [Effect.renderMessages, Effect.renderMentions]);
});

test("mentions that come while the view is open go on top, once each", () => {
  const state = annWithChatOpen();
  model.mentionsOpened(state);
  const asked = state.mentions;
  model.mentionsLoaded(state, asked, { messages: [message(5), message(4)], next_before: 4 });
  assert.deepEqual(model.mentionsArrived(state, asked, { messages: [message(7), message(6), message(5)], next_before: 5 }), [Effect.renderMentions]);
  assert.deepEqual(state.mentions.messages.map((m) => m.id), [7, 6, 5, 4]);
  assert.equal(state.mentions.next, 4, "the older pages go on from the oldest listed");
  assert.deepEqual(model.mentionsArrived(state, asked, { messages: [message(7)], next_before: null }), [], "nothing new");
  model.mentionsClosed(state);
  assert.deepEqual(model.mentionsArrived(state, asked, { messages: [message(8)], next_before: null }), []);
});

// ---- threads ----

const ROOT = 1;
const SUMMARY = { reply_count: 1, last_reply_at: "2026-01-01T00:00:05Z", participant_ids: [BOB] };

/** A reply in the thread under message ROOT. */
function reply(id, fields = {}) {
  return message(id, { thread_root_id: ROOT, ...fields });
}

/** Ann with chat 10 open (messages 1 and 2), the thread under 1 open and its page (`replies`) loaded. */
function annInThread(replies = []) {
  const state = annWithChatOpen([message(1), message(2)]);
  model.threadOpened(state, ROOT);
  model.threadLoaded(state, state.thread, { root: message(1), messages: replies, has_older: false, has_newer: false });
  return state;
}

/** The open thread as drawn: each reply's id, content and state. */
function inThread(state) {
  return model.threadMessages(state).map(({ message: m, state: s }) => [m.id, m.content, s]);
}

test("opening a thread shows its root at once, then its page, and marks the root in the conversation", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  assert.deepEqual(model.threadOpened(state, ROOT), [Effect.renderThread, Effect.renderMessages]);
  assert.equal(state.thread.root.id, ROOT);
  assert.equal(state.thread.loading, true);
  const asked = state.thread;
  model.accept(state, reply(7)); // a reply that came before the page
  const effects = model.threadLoaded(state, asked, { root: message(1, { thread: SUMMARY }), messages: [reply(5)], has_older: true, has_newer: false });
  assert.deepEqual(effects, [Effect.renderThreadAtBottom, Effect.markRead]);
  assert.deepEqual(inThread(state), [[5, "text 5", "sent"], [7, "text 7", "sent"]]);
  assert.equal(state.thread.hasOlder, true);
  assert.equal(state.thread.loading, false);
  assert.deepEqual(state.thread.root.thread, SUMMARY);
});

test("a thread opened at a reply lands on it; older pages keep the root that events updated", () => {
  const state = annWithChatOpen([message(1)]);
  model.threadOpened(state, ROOT, { highlight: 6 });
  const asked = state.thread;
  assert.deepEqual(model.threadLoaded(state, asked, { root: message(1), messages: [reply(6)], has_older: true, has_newer: false }),
    [Effect.renderThreadAtHighlight, Effect.markRead]);
  model.applyEvent(state, event("thread.updated", { message_id: ROOT, thread: { ...SUMMARY, reply_count: 4 } }));
  assert.equal(model.threadOldestId(state), 6);
  assert.deepEqual(model.threadLoaded(state, asked, { root: message(1, { thread: SUMMARY }), messages: [reply(3)], has_older: false, has_newer: true }, { older: true }),
    [Effect.renderThread]);
  assert.equal(state.thread.root.thread.reply_count, 4, "the older page's root is older news");
  assert.deepEqual(inThread(state).map(([id]) => id), [3, 6]);
  assert.equal(state.thread.hasOlder, false);
});

test("a page for a thread closed or opened again since is dropped", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  model.threadOpened(state, ROOT);
  const first = state.thread;
  model.threadOpened(state, 2);
  assert.deepEqual(model.threadLoaded(state, first, { root: message(1), messages: [reply(5)], has_older: false }), []);
  assert.deepEqual(model.threadFailed(state, first, "gone"), []);
  assert.equal(state.thread.rootId, 2);
  assert.deepEqual(inThread(state), []);
  assert.deepEqual(model.threadClosed(state), [Effect.renderThread, Effect.renderMessages]);
  assert.equal(state.thread, null);
  assert.deepEqual(model.threadClosed(state), [], "closed already");
});

test("a thread that cannot be read says why", () => {
  const state = annWithChatOpen([message(1)]);
  model.threadOpened(state, ROOT);
  assert.deepEqual(model.threadFailed(state, state.thread, "no such message"), [Effect.renderThread]);
  assert.equal(state.thread.error, "no such message");
  assert.equal(state.thread.loading, false);
});

test("a reply goes to its open thread, never into the conversation; it is the chat's last message", () => {
  const state = annInThread();
  const effects = model.applyEvent(state, event("message.created", reply(5)));
  assert.deepEqual(effects, [Effect.renderThread, Effect.renderChats, Effect.markRead]);
  assert.deepEqual(inThread(state), [[5, "text 5", "sent"]]);
  assert.deepEqual(shown(state).map(([id]) => id), [1, 2]);
  assert.equal(state.chats.get(10).last_message.id, 5);
});

test("a reply in a thread that is not open changes only the chat list", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  assert.deepEqual(model.accept(state, message(5, { thread_root_id: 2 })), [Effect.renderChats]);
  model.threadOpened(state, ROOT);
  assert.deepEqual(model.accept(state, message(6, { thread_root_id: 2 })), [Effect.renderChats]);
  assert.deepEqual(shown(state).map(([id]) => id), [1, 2]);
  assert.deepEqual(inThread(state), []);
});

test("thread.updated puts the summary on the root, in the conversation and atop its thread; none once no reply is left", () => {
  const state = annInThread();
  const effects = model.applyEvent(state, event("thread.updated", { message_id: ROOT, thread: SUMMARY }));
  assert.deepEqual(effects, [Effect.renderMessages, Effect.renderThread]);
  assert.deepEqual(state.messages.get(ROOT).thread, SUMMARY);
  assert.deepEqual(state.thread.root.thread, SUMMARY);
  model.applyEvent(state, event("thread.updated", { message_id: ROOT, thread: { reply_count: 0, last_reply_at: null, participant_ids: [] } }));
  assert.equal(state.messages.get(ROOT).thread, undefined);
  assert.equal(state.thread.root.thread, undefined);
  assert.deepEqual(model.applyEvent(state, event("thread.updated", { message_id: 2, thread: SUMMARY })), [Effect.renderMessages]);
  assert.deepEqual(model.applyEvent(state, event("thread.updated", { message_id: 2, thread: SUMMARY }, 20)), [], "another chat");
  assert.deepEqual(model.applyEvent(state, event("thread.updated", { message_id: 99, thread: SUMMARY })), [], "a root not loaded");
});

test("edits, deletes and reactions reach the open thread's replies and its root", () => {
  const state = annInThread([reply(5)]);
  assert.deepEqual(model.applyEvent(state, event("message.updated", reply(5, { content: "edited" }))), [Effect.renderThread, Effect.renderChats]);
  assert.deepEqual(inThread(state), [[5, "edited", "sent"]]);
  const reacted = reply(5, { content: "edited", reactions: [{ emoji: "👍", count: 1, user_ids: [BOB] }] });
  model.applyEvent(state, event("reaction.added", { message_id: 5, user_id: BOB, emoji: "👍", reactions: reacted.reactions, message: reacted }));
  assert.equal(state.thread.messages.get(5).reactions.length, 1);
  const effects = model.applyEvent(state, event("message.updated", message(1, { content: "root edited", thread: SUMMARY })));
  assert.deepEqual(effects, [Effect.renderMessages, Effect.renderThread]);
  assert.equal(state.thread.root.content, "root edited");
  assert.equal(state.messages.get(ROOT).content, "root edited");
});

test("a send in the thread shows there at once, leaves the conversation's reply alone, and lands once", () => {
  const state = annInThread();
  model.replyStarted(state, message(2));
  const effects = model.sendStarted(state, { localId: "local-1", key: "key-1", content: "same words", ts: "2026-01-01T00:01:00Z", threadRootId: ROOT });
  const item = effects.at(-1).item;
  assert.deepEqual(effects, [Effect.renderThreadAtBottom, Effect.deliver(item)]);
  assert.equal(item.thread_root_id, ROOT);
  assert.equal(item.reply_to_id, null, "the thread's composer quotes nothing");
  assert.equal(state.replyTo.id, 2, "the conversation's reply is still being written");
  assert.deepEqual(inThread(state), [["local-1", "same words", "sending"]]);
  assert.deepEqual(shown(state).map(([id]) => id), [1, 2]);

  // The same words sent in the conversation too: each event finds its own.
  const { item: main } = send(state, "same words", 2);
  model.applyEvent(state, event("message.created", reply(8, { author_id: ME.id, content: "same words" })));
  assert.equal(item.matchedId, 8);
  assert.equal(main.matchedId, null);
  assert.deepEqual(inThread(state), [[8, "same words", "sent"]]);
  assert.deepEqual(model.sendAnswered(state, item, reply(8, { author_id: ME.id, content: "same words" })), [Effect.renderThread, Effect.renderChats]);
  assert.deepEqual(inThread(state), [[8, "same words", "sent"]]);
  assert.deepEqual(state.pending, [main]);
});

test("a failed send in the thread is marked there and retried there", () => {
  const state = annInThread();
  const effects = model.sendStarted(state, { localId: "local-1", key: "key-1", content: "hello", ts: "2026-01-01T00:01:00Z", threadRootId: ROOT });
  const item = effects.at(-1).item;
  assert.deepEqual(model.sendFailed(state, item, "too long"), [Effect.renderThread]);
  assert.deepEqual(inThread(state), [["local-1", "hello", "failed"]]);
  assert.equal(model.threadMessages(state)[0].message.thread_root_id, ROOT);
  assert.deepEqual(model.retryStarted(state, "key-1"), [Effect.renderThread, Effect.deliver(item)]);
  model.threadClosed(state);
  assert.deepEqual(model.sendFailed(state, item, "too long"), [], "its thread is not shown");
});

test("marking read reaches the chat's newest message, a reply in a thread too, unless read further back", () => {
  const state = annWithChatOpen([message(1), message(2)]);
  assert.equal(model.readThrough(state), 2);
  model.accept(state, reply(9));
  assert.equal(model.newestId(state), 2, "the conversation shows no reply");
  assert.equal(model.readThrough(state), 9);
  model.chatOpenedAt(state, 10, 1);
  model.aroundLoaded(state, 10, { messages: [message(1)], has_older: false, has_newer: true });
  assert.equal(model.readThrough(state), 1);
  assert.equal(model.readThrough(annWithChatOpen()), 0);
});

test("receipts tick our replies in the open thread too", () => {
  const state = annInThread([reply(5, { author_id: ME.id })]);
  const effects = model.applyEvent(state, event("receipt.updated", {
    chat_id: 10, delivered: [{ user_id: BOB, message_id: 5 }], read: [{ user_id: BOB, message_id: 4 }],
  }));
  assert.deepEqual(effects, [Effect.renderMessages, Effect.renderThread]);
  assert.equal(state.thread.messages.get(5).delivery, "delivered");
});

test("opening another chat closes the thread; leaving the chat too", () => {
  const state = annInThread();
  assert.deepEqual(model.chatOpened(state, 20), [Effect.renderReply, Effect.renderThread]);
  assert.equal(state.thread, null);
  model.chatOpened(state, 10);
  model.threadOpened(state, ROOT);
  assert.deepEqual(model.applyEvent(state, event("member.removed", { chat_id: 10, user_id: ME.id })),
    [Effect.closeConversation, Effect.renderThread, Effect.renderChats]);
  assert.equal(state.thread, null);
});

test("those who replied in a thread are named: unknown ones are asked for", () => {
  const state = annInThread([reply(5, { author_id: 7 })]);
  model.applyEvent(state, event("thread.updated", { message_id: 2, thread: { ...SUMMARY, participant_ids: [8, BOB] } }));
  assert.deepEqual(model.unknownAuthors(state).sort(), [2, 7, 8]);
});

test("whom we block is read from the server's list, and follows our blocks and unblocks", () => {
  const state = model.createState();
  assert.deepEqual(model.blocksLoaded(state, { blocks: [{ user: { id: 7 }, blocked_at: "t" }, { user: { id: 9 }, blocked_at: "t" }] }), [model.Effect.renderMembers, model.Effect.renderMessages, model.Effect.renderThread]);
  assert.deepEqual([...state.blocked].sort(), [7, 9]);
  model.blockChanged(state, 7, false);
  model.blockChanged(state, 11, true);
  model.blockChanged(state, 11, true);
  assert.deepEqual([...state.blocked].sort(), [11, 9].sort());
  model.blocksLoaded(state, { blocks: [] });
  assert.equal(state.blocked.size, 0, "a new list replaces the old");
});

test("the reports we handle: loaded, opened, resolved in place, counted while open", () => {
  const state = model.createState();
  const open = (id) => ({ id, reason: "spam", resolution: null });
  assert.deepEqual(model.reportsLoaded(state, { reports: [open(2), open(1)], next_before: null }), [model.Effect.renderReports]);
  assert.equal(model.openReports(state), 2);
  model.reportsToggled(state);
  assert.equal(state.reports.open, true);
  model.reportResolved(state, { ...open(1), resolution: { action: "dismissed", note: null, by: 7, at: "t" } });
  assert.deepEqual(state.reports.items.map((report) => report.id), [2, 1], "in its place");
  assert.equal(model.openReports(state), 1);
  model.reportsFailed(state, "offline");
  assert.equal(state.reports.error, "offline");
  model.reportsToggled(state);
  assert.equal(state.reports.open, false);
});

test("who may start a direct chat with us is read from the server and shown with our name", () => {
  const state = model.createState();
  assert.equal(state.directChats, "everyone", "the server's default until read");
  assert.deepEqual(model.privacyLoaded(state, { direct_chats: "shared" }), [model.Effect.renderMe]);
  assert.equal(state.directChats, "shared");
});
