// The controller: what each user action and each live event does. It asks the server (api.js for
// REST, live.js for the WebSocket), hands every answer to the model (model.js), and carries out
// the effects the model answers, the view (view.js) drawing them. Timers live here too: the model
// knows no time.

import { api, ApiError, createOnce, getToken, newKey, setToken, shown } from "./api.js";
import { Live } from "./live.js";
import * as model from "./model.js";
import * as notifications from "./notifications.js";
import { base64UrlToBytes, renewed, subscriptionBody } from "./push.js";
import { messageType, sendFiles } from "./uploads.js";

/** What to tell the user about a failed call. */
export function describe(error) {
  if (error instanceof ApiError) {
    const fields = error.fields.map((field) => `${field.field}: ${field.message}`).join("; ");
    return fields || error.message;
  }
  return "The server cannot be reached; try again.";
}

const TYPING_SHOWN_MS = 3000; // how long "is typing" stays after the last typing frame
const TYPING_SENT_EVERY_MS = 2000; // at most one typing frame per this, while typing
const READ_AFTER_MS = 300; // marking read waits for a burst of messages to end
const REFRESH_AFTER_MS = 200; // so does fetching a chat's counts again
const SEARCH_AFTER_MS = 250; // searching while typing waits for a pause
const PRESENCE_REDRAWN_MS = 30_000; // how often "last seen … ago" is written again
const COMPLETE_AFTER_MS = 200; // asking the directory while typing waits for a pause
const COMPLETIONS = 8; // usernames offered at most

/** The form fields that complete usernames; `many`: a comma-separated list. */
const COMPLETED_FIELDS = { "new-chat": { many: true }, "add-member": { many: false } };

export class Controller {
  constructor(view, state = model.createState()) {
    this.view = view;
    this.state = state;
    this.live = null;
    this.lastTypingSent = 0;
    this.readTimer = null;
    this.searchTimer = null;
    this.completionTimer = null;
    this.refreshTimers = new Map(); // chat id -> timer
    this.typingTimers = new Map(); // user id -> timer
    // The callbacks of each message's buttons.
    this.messageActions = {
      react: (message, emoji, on) => this.react(message, emoji, on),
      pickReaction: (message, anchor) => view.openPicker(anchor, (emoji) => this.react(message, emoji, true)),
      edit: (message) => this.edit(message),
      remove: (message) => this.remove(message),
      reply: (message) => this.reply(message),
      retry: (message) => this.retry(message),
      thread: (message) => this.openThread(message.id),
      report: (message) => this.report(message),
      block: (message) => this.toggleBlock({ user_id: message.author_id, display_name: this.state.names.get(message.author_id) }),
    };
    // A thread's messages do all of that but quote (its composer quotes nothing) or open a thread (they do not nest).
    const { react, pickReaction, edit, remove, retry, report, block } = this.messageActions;
    this.threadActions = { react, pickReaction, edit, remove, retry, report, block };

    view.bindSignIn((form) => this.signIn(form));
    view.bindLogout(() => this.logout());
    view.bindNewChat((form) => this.newChat(form));
    view.bindAddMember((username) => this.addMember(username));
    view.bindRename(() => this.rename());
    view.bindRenameMe(() => this.renameMe());
    view.bindPrivacy((value) => this.setPrivacy(value));
    for (const [field, { many }] of Object.entries(COMPLETED_FIELDS)) {
      view.bindCompletion(field, {
        typed: (value) => this.completeUsername(field, value, many),
        move: (delta) => this.apply(model.completionMoved(this.state, delta)),
        pick: () => this.apply(model.completionPicked(this.state)),
        close: () => {
          clearTimeout(this.completionTimer);
          this.apply(model.completionClosed(this.state));
        },
        isOpen: () => model.completionOpen(this.state, field),
      });
    }
    for (const field of [model.COMPOSER, model.THREAD_COMPOSER]) {
      view.bindMentionCompletion(field, {
        typed: (text, caret) => this.apply(model.mentionTyped(this.state, text, caret, field)),
        move: (delta) => this.apply(model.completionMoved(this.state, delta)),
        pick: () => this.apply(model.completionPicked(this.state)),
        close: () => this.apply(model.completionClosed(this.state)),
        isOpen: () => model.completionOpen(this.state, field),
      });
    }
    view.bindMentions(() => this.toggleMentions());
    view.bindReports(() => this.toggleReports());
    view.bindMentionsMore(() => this.mentionsMore());
    view.bindOlder(() => this.loadOlder());
    view.bindNewer(() => this.loadNewer());
    view.bindNewest(() => this.showNewest());
    view.bindSearch((query, inChat, { now }) => this.search(query, inChat, now));
    view.bindSearchMore(() => this.searchMore());
    view.bindSend((text) => this.send(text));
    view.bindThreadSend((text) => this.send(text, { inThread: true }));
    view.bindThreadClose(() => this.closeThread());
    view.bindThreadOlder(() => this.loadOlderInThread());
    view.bindTyping(() => this.typed());
    view.bindAttach((files, { inThread }) => this.attach(files, { inThread }));
    view.bindCancelReply(() => this.apply(model.replyCancelled(this.state)));
    view.bindPageShown(() => this.state.current && this.markRead());
    view.bindNotificationChoice((choice) => this.setNotifications(choice));
    view.bindPushToggle(() => this.togglePush());
  }

  /** Carries out `effects`, in order (see model.Effect). */
  apply(effects) {
    for (const effect of effects) EFFECTS[effect.do](this, effect);
  }

  // ---- starting, signing in and out ----

  async start() {
    if (getToken()) {
      try {
        model.signedIn(this.state, await api.me());
        return this.showApp();
      } catch (error) {
        // Only a refused token ends the session; a server that is down or restarting does not.
        if (error instanceof ApiError && error.status === 401) setToken(null);
        else return setTimeout(() => this.start(), 2000);
      }
    }
    this.view.showAuth();
  }

  async signIn({ action, username, password }) {
    try {
      const session = await (action === "register" ? api.register(username, password) : api.login(username, password));
      setToken(session.token);
      model.signedIn(this.state, session.user);
      this.showApp();
    } catch (error) {
      this.view.showAuthError(describe(error));
    }
  }

  async logout() {
    // The server drops this session's subscriptions; the browser's goes too, so that whoever
    // signs in next on this browser is not notified of this user's messages.
    if (this.state.push === "on") await this.dropSubscription();
    try {
      await api.logout();
    } catch {
      // The token goes either way.
    }
    this.signedOut();
  }

  signedOut() {
    this.live?.close();
    clearInterval(this.clock);
    setToken(null);
    this.view.reload();
  }

  async showApp() {
    this.view.showApp(this.state.me);
    await Promise.all([this.loadChats(), this.loadBlocks(), this.loadPrivacy(), this.loadReports()]);
    this.live = new Live(getToken(), {
      event: (frame) => {
        shown.received(frame.seq);
        this.apply(model.applyEvent(this.state, frame, { pageHidden: this.view.pageHidden() }));
      },
      typing: (frame) => this.apply(model.typingSeen(this.state, frame)),
      presence: (frame) => this.apply(model.presenceUpdated(this.state, frame)),
      reconnected: () => this.refreshPresence(),
      presenceStale: () => this.refreshPresence(),
      resync: async (seq) => {
        shown.restart(seq);
        const thread = this.state.thread?.rootId;
        await this.loadChats();
        if (this.state.current) await this.openChat(this.state.current);
        if (thread !== undefined && this.state.current) await this.openThread(thread);
      },
      status: (text) => this.view.showConnection(text),
      unauthorized: () => this.signedOut(),
      refused: () => api.me().catch((error) => error instanceof ApiError && error.status === 401 && this.signedOut()),
    });
    this.startPush();
    // "last seen 5 minutes ago" grows older without any event.
    this.clock = setInterval(() => this.state.current && this.apply([model.Effect.renderHead, model.Effect.renderMembers]), PRESENCE_REDRAWN_MS);
    // Opened at a chat's address (a notification's click opened this window): that chat.
    const wanted = this.view.chatInAddress();
    if (wanted !== null && this.state.chats.has(wanted)) await this.openChat(wanted);
  }

  // ---- the chat list ----

  async loadChats() {
    const chats = [];
    let cursor = null;
    do {
      const page = await api.chats(cursor);
      chats.push(...page.chats);
      cursor = page.next_cursor;
    } while (cursor);
    this.apply(model.chatsLoaded(this.state, chats));
  }

  /** A chat's title; a direct chat's is asked for the first time it is needed. */
  title(chat) {
    const known = model.chatTitle(this.state, chat);
    if (known !== undefined) return known;
    model.titleAsked(this.state, chat.id);
    api.members(chat.id).then(({ members }) => this.apply(model.titleLoaded(this.state, chat.id, members)), () => {});
    return model.chatTitle(this.state, chat);
  }

  /**
   * Presence again, over REST, after the socket was away (its frames are not replayed): the other
   * person of each direct chat read so far, and the open chat's members.
   */
  async refreshPresence() {
    const open = this.state.current;
    await Promise.all(model.directChatsKnown(this.state).filter((chatId) => chatId !== open).map(async (chatId) => {
      try {
        this.apply(model.titleLoaded(this.state, chatId, (await api.members(chatId)).members));
      } catch {
        // Left meanwhile: its member.removed event takes it off the list.
      }
    }));
    if (open !== null) await this.loadMembers().catch(() => {});
  }

  async newChat({ usernames, title }) {
    try {
      const users = await Promise.all(usernames.map((name) => api.findUser(name)));
      const kind = title || users.length > 1 ? "group" : "direct";
      const body = { kind, member_ids: users.map((user) => user.id), ...(kind === "group" ? { title: title || "Group" } : {}) };
      const chat = await api.createChat(body);
      this.apply(model.chatStored(this.state, chat));
      this.view.resetNewChat();
      await this.openChat(chat.id);
    } catch (error) {
      this.view.showNewChatError(describe(error));
    }
  }

  /**
   * Offers the directory's usernames for what is typed in `field`: what was offered for the
   * shorter prefix narrows at once, the directory is asked after a pause, and its answer is
   * dropped if more was typed meanwhile.
   */
  completeUsername(field, value, many) {
    this.apply(model.completionAsked(this.state, field, value, { many }));
    clearTimeout(this.completionTimer);
    const asked = this.state.completion;
    if (!asked.query) return;
    this.completionTimer = setTimeout(async () => {
      try {
        const { users } = await api.users(asked.query, COMPLETIONS);
        this.apply(model.completionLoaded(this.state, asked, users));
      } catch {
        this.apply(model.completionFailed(this.state, asked)); // typing on asks again
      }
    }, COMPLETE_AFTER_MS);
  }

  /** Our display name, as the user writes it. */
  async renameMe() {
    const name = this.view.ask("Your name, as others see it", this.state.me.display_name);
    if (name === null || !name.trim() || name.trim() === this.state.me.display_name) return;
    try {
      this.apply(model.profileChanged(this.state, await api.setDisplayName(name.trim())));
    } catch (error) {
      this.view.tell(describe(error));
    }
  }

  /** The names of authors no member list named (they left the chat), asked for once each. */
  loadAuthors() {
    const ids = model.unknownAuthors(this.state);
    model.namesAsked(this.state, ids);
    for (const id of ids) {
      api.user(id).then((user) => this.apply(model.personLoaded(this.state, user)), () => {});
    }
  }

  /** The chat's counts from the server, once a burst of events is over. */
  refreshChat(chatId) {
    // Counting events here would count twice those that a chat list loaded meanwhile already holds.
    clearTimeout(this.refreshTimers.get(chatId));
    this.refreshTimers.set(chatId, setTimeout(async () => {
      this.refreshTimers.delete(chatId);
      try {
        this.apply(model.chatStored(this.state, await api.chat(chatId)));
      } catch {
        // Left the chat meanwhile: its member.removed event takes it off the list.
      }
    }, REFRESH_AFTER_MS));
  }

  /** A chat or its members changed: the list again, and the open chat's head and members. */
  async reloadChat(chatId) {
    await this.loadChats();
    if (chatId === this.state.current) {
      this.apply([model.Effect.renderHead]);
      await this.loadMembers();
    }
  }

  // ---- one chat ----

  async openChat(id) {
    const opening = await this.enterChat(id, model.chatOpened(this.state, id));
    this.apply(model.newestLoaded(this.state, id, await api.history(id), opening));
    if (this.state.current === id) this.view.focusComposer();
  }

  /**
   * What opening chat `id` does before its messages are asked for: `opened` holds the model's
   * effects of opening it. Answers the opening, which the page asked next must belong to.
   */
  async enterChat(id, opened) {
    this.apply(opened);
    const opening = this.state.opening;
    this.view.openConversation();
    this.view.showChatInAddress(id);
    this.apply(model.chatStored(this.state, this.state.chats.get(id) || (await api.chat(id))));
    this.apply([model.Effect.renderNotifications]);
    this.loadNotifications(id);
    await this.loadMembers();
    return opening;
  }

  async loadOlder() {
    const [id, opening] = [this.state.current, this.state.opening];
    const page = await api.history(id, model.oldestId(this.state));
    this.apply(model.olderLoaded(this.state, id, page, opening));
  }

  /** Opens chat `id` at message `messageId` (a search hit), highlighted. */
  async openChatAt(id, messageId) {
    const opening = await this.enterChat(id, model.chatOpenedAt(this.state, id, messageId));
    this.apply(model.aroundLoaded(this.state, id, await api.historyAround(id, messageId), opening));
  }

  /**
   * Opens `message` where it is shown (a search hit, a mention): in its chat, highlighted; a
   * thread reply in its thread, opened beside its root.
   */
  async openMessage(message) {
    const rootId = message.thread_root_id ?? null;
    await this.openChatAt(message.chat_id, rootId ?? message.id);
    if (rootId !== null && this.state.current === message.chat_id) await this.openThread(rootId, message.id);
  }

  // ---- the open chat's thread ----

  /** Opens the thread under message `rootId` of the open chat, at its newest replies or at reply `highlight`. */
  async openThread(rootId, highlight = null) {
    this.apply(model.threadOpened(this.state, rootId, { highlight }));
    const asked = this.state.thread;
    this.view.focusThreadComposer();
    try {
      const page = await api.thread(rootId, highlight === null ? {} : { around: highlight });
      this.apply(model.threadLoaded(this.state, asked, page));
    } catch (error) {
      this.apply(model.threadFailed(this.state, asked, describe(error)));
    }
  }

  async loadOlderInThread() {
    const asked = this.state.thread;
    const before = model.threadOldestId(this.state);
    if (!asked || before === undefined) return;
    try {
      this.apply(model.threadLoaded(this.state, asked, await api.thread(asked.rootId, { before }), { older: true }));
    } catch (error) {
      this.apply(model.threadFailed(this.state, asked, describe(error)));
    }
  }

  closeThread() {
    const rootId = this.state.thread?.rootId;
    this.apply(model.threadClosed(this.state));
    if (rootId !== undefined) this.view.focusThreadSummary(rootId);
  }

  async loadNewer() {
    const [id, opening] = [this.state.current, this.state.opening];
    const page = await api.historyAfter(id, model.newestId(this.state));
    this.apply(model.newerLoaded(this.state, id, page, opening));
  }

  /** The newest messages: loaded in place of a window further back, else scrolled to. */
  async showNewest() {
    const id = this.state.current;
    if (!this.state.hasNewer) return this.view.scrollToNewest();
    this.apply(model.newestAsked(this.state));
    const opening = this.state.opening;
    this.apply(model.newestLoaded(this.state, id, await api.history(id), opening));
  }

  // ---- search ----

  /** Searches for `query` (in the open chat when `inChat`): at once when `now`, else after a pause. */
  search(query, inChat, now) {
    clearTimeout(this.searchTimer);
    const asked = { query: query.trim(), chatId: inChat ? this.state.current : null };
    if (!asked.query) return this.apply(model.searchAsked(this.state, ""));
    if (asked.query === this.state.search.query && asked.chatId === this.state.search.chatId && !now) return;
    this.searchTimer = setTimeout(async () => {
      this.apply(model.searchAsked(this.state, asked.query, asked.chatId));
      await this.searchPage(this.state.search, null);
    }, now ? 0 : SEARCH_AFTER_MS);
  }

  async searchMore() {
    const search = this.state.search;
    if (!search.next || search.loading) return;
    this.apply(model.searchMoreAsked(this.state));
    await this.searchPage(search, search.next);
  }

  /** A page of `search` (the state's search when it was asked: a later one drops its answer). */
  async searchPage(search, cursor) {
    try {
      this.apply(model.searchLoaded(this.state, search, await api.search(search.query, { chatId: search.chatId, cursor })));
    } catch (error) {
      this.apply(model.searchFailed(this.state, search, describe(error)));
    }
  }

  // ---- the Mentions view ----

  /** Opens the reader's recent mentions in place of the chat list, or closes them. */
  async toggleMentions() {
    if (this.state.mentions.open) return this.apply(model.mentionsClosed(this.state));
    clearTimeout(this.searchTimer);
    this.view.clearSearch();
    this.apply(model.searchAsked(this.state, ""));
    this.apply(model.mentionsOpened(this.state));
    await this.mentionsPage(this.state.mentions, null);
  }

  /** Mentions that came while the view is open, on top of it. */
  async newMentions() {
    const mentions = this.state.mentions;
    try {
      this.apply(model.mentionsArrived(this.state, mentions, await api.mentions(null)));
    } catch {
      // Listed when the view is next opened.
    }
  }

  async mentionsMore() {
    const mentions = this.state.mentions;
    if (mentions.next === null || mentions.loading) return;
    this.apply(model.mentionsMoreAsked(this.state));
    await this.mentionsPage(mentions, mentions.next);
  }

  /** A page of `mentions` (the state's view when it was asked: closing or opening again drops it). */
  async mentionsPage(mentions, before) {
    try {
      this.apply(model.mentionsLoaded(this.state, mentions, await api.mentions(before)));
    } catch (error) {
      this.apply(model.mentionsFailed(this.state, mentions, describe(error)));
    }
  }

  async loadMembers() {
    const id = this.state.current;
    const { members } = await api.members(id);
    this.apply(model.membersLoaded(this.state, id, members));
    // An @ typed while they were on their way offers them now.
    const typing = this.view.composerTyping();
    if (typing && this.state.current === id) this.apply(model.mentionTyped(this.state, typing.text, typing.caret));
  }

  async addMember(username) {
    try {
      const user = await api.findUser(username);
      await api.addMember(this.state.current, user.id);
      this.view.resetAddMember();
      await this.loadMembers();
    } catch (error) {
      this.view.showMembersError(describe(error));
    }
  }

  /** Blocks the member, or unblocks them if we block them. */
  async toggleBlock(member) {
    const blocked = !this.state.blocked.has(member.user_id);
    try {
      await (blocked ? api.block(member.user_id) : api.unblock(member.user_id));
      this.apply(model.blockChanged(this.state, member.user_id, blocked));
    } catch (error) {
      this.view.showMembersError(describe(error));
    }
  }

  /** The reports we handle: read at start and when the view opens. */
  async loadReports() {
    try {
      this.apply(model.reportsLoaded(this.state, await api.reports()));
    } catch (error) {
      this.apply(model.reportsFailed(this.state, describe(error)));
    }
  }

  async toggleReports() {
    this.apply(model.reportsToggled(this.state));
    if (this.state.reports.open) await this.loadReports();
  }

  /**
   * Resolves a report with `action`, asking for a note first (cancelling resolves nothing). An
   * action that acts (`resolutionsFor`) is done before it is recorded, the note as its reason
   * where it has one: the record then says what happened, and a refused act records nothing.
   * Someone already out of the chat counts as removed, so a resolution whose recording failed
   * after the removal can be tried again.
   */
  async resolveReport(report, action) {
    const choice = model.reportResolutions(this.state, report).find((option) => option.action === action);
    if (!choice) return;
    const note = this.view.ask(choice.ask, "");
    if (note === null) return;
    const why = note.trim();
    try {
      if (action === "message_deleted") await api.remove(report.message_id, why);
      if (action === "user_removed") {
        await api.removeMember(report.chat_id, report.user_id).catch((error) => {
          if (!(error instanceof ApiError && error.code === "member_not_found")) throw error;
        });
      }
      if (action === "user_banned") await api.ban(report.chat_id, report.user_id, why);
      this.apply(model.reportResolved(this.state, await api.resolveReport(report.id, action, why)));
    } catch (error) {
      this.apply(model.reportsFailed(this.state, describe(error)));
    }
  }

  /** Who may start a direct chat with us, as the server has it. */
  async loadPrivacy() {
    try {
      this.apply(model.privacyLoaded(this.state, await api.privacy()));
    } catch {
      // The select keeps showing the default; choosing again sets it.
    }
  }

  /** Sets who may start a direct chat with us; on failure the select goes back to what holds. */
  async setPrivacy(directChats) {
    try {
      this.apply(model.privacyLoaded(this.state, await api.setPrivacy({ direct_chats: directChats })));
    } catch (error) {
      this.apply([model.Effect.renderMe]);
      this.view.tell(describe(error));
    }
  }

  async loadBlocks() {
    try {
      this.apply(model.blocksLoaded(this.state, await api.blocks()));
    } catch {
      // Without the list the members show Block for everyone; blocking again changes nothing.
    }
  }

  async removeMember(member) {
    try {
      await api.removeMember(this.state.current, member.user_id);
      if (member.user_id === this.state.me.id) return this.apply(model.chatClosed(this.state, this.state.current));
      await this.loadMembers();
    } catch (error) {
      this.view.showMembersError(describe(error));
    }
  }

  async rename() {
    const title = this.view.ask("New title", this.state.chats.get(this.state.current)?.title || "");
    if (!title) return;
    try {
      this.apply(model.chatStored(this.state, await api.renameChat(this.state.current, title)));
    } catch (error) {
      this.view.tell(describe(error));
    }
  }

  /** Marks the open chat read up to its newest message, once a burst of them is over. */
  markRead() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(async () => {
      const chatId = this.state.current;
      const newest = model.readThrough(this.state);
      if (!newest || !this.state.chats.has(chatId) || this.view.pageHidden()) return;
      try {
        this.apply(model.readMarked(this.state, chatId, await api.markRead(chatId, newest)));
      } catch {
        // Marked on the next message.
      }
    }, READ_AFTER_MS);
  }

  // ---- sending: shown at once, answered in place, never twice ----

  /** Sends `text` from the conversation's composer, or `inThread` from the open thread's. */
  send(text, { inThread = false } = {}) {
    const threadRootId = inThread ? this.state.thread?.rootId ?? null : null;
    if (!text.trim() || !this.state.current || (inThread && threadRootId === null)) return;
    if (inThread) {
      this.view.clearThreadComposer();
    } else {
      this.view.clearComposer();
      this.apply(model.completionClosed(this.state));
      // Read further back, our message would be shown after a gap: to the newest first.
      if (this.state.hasNewer) this.showNewest();
    }
    const send = { localId: `local-${newKey()}`, key: newKey(), content: text, ts: new Date().toISOString(), threadRootId };
    this.apply(model.sendStarted(this.state, send));
  }

  /** Posts a pending send (retried under its key until it lands or is refused). */
  async deliver(item) {
    const body = {
      chat_id: item.chat_id, type: "text", content: item.content, ...(item.reply_to_id ? { reply_to_id: item.reply_to_id } : {}),
      ...(item.thread_root_id === null ? {} : { thread_root_id: item.thread_root_id }),
    };
    let message;
    try {
      message = await createOnce("/messages", body, item.key);
    } catch (error) {
      return this.apply(model.sendFailed(this.state, item, describe(error)));
    }
    this.apply(model.sendAnswered(this.state, item, message));
  }

  retry(message) {
    this.apply(model.retryStarted(this.state, message.pendingKey));
  }

  typed() {
    const now = Date.now();
    if (this.state.current && now - this.lastTypingSent > TYPING_SENT_EVERY_MS) {
      this.lastTypingSent = now;
      this.live?.typing(this.state.current);
    }
  }

  // ---- sending files: uploaded one by one, then posted as one message ----

  /** Sends `files` to the open chat's conversation, or `inThread` as a reply in its open thread. */
  attach(files, { inThread = false } = {}) {
    const chatId = this.state.current;
    const rootId = inThread ? this.state.thread?.rootId ?? null : null;
    if (!files.length || !chatId || (inThread && rootId === null)) return;
    sendFiles(files, this.view.uploadList({ inThread }), { describe, post: (uploads) => this.postFiles(chatId, uploads, rootId) });
  }

  /**
   * The one message naming `uploads`, in the thread under `rootId` if not null. If its chat (its
   * thread) is still open, that composer's text is its caption, and in the conversation the reply
   * being written quotes: both are used up.
   */
  async postFiles(chatId, uploads, rootId = null) {
    const inThread = rootId !== null;
    const open = this.state.current === chatId && (!inThread || this.state.thread?.rootId === rootId);
    const composerText = () => (inThread ? this.view.threadComposerText() : this.view.composerText());
    const text = open ? composerText() : "";
    const replyTo = open && !inThread ? this.state.replyTo?.id : null;
    const body = {
      chat_id: chatId, type: messageType(uploads), payload: { upload_ids: uploads.map((upload) => upload.id) },
      ...(text.trim() ? { content: text } : {}), ...(replyTo ? { reply_to_id: replyTo } : {}),
      ...(inThread ? { thread_root_id: rootId } : {}),
    };
    const message = await createOnce("/messages", body, newKey());
    const stillOpen = this.state.current === chatId && (!inThread || this.state.thread?.rootId === rootId);
    if (stillOpen && text && composerText() === text) {
      if (inThread) this.view.clearThreadComposer();
      else this.view.clearComposer();
    }
    this.apply(model.filesPosted(this.state, chatId, replyTo, message));
  }

  // ---- acting on messages ----

  async react(message, emoji, on) {
    try {
      this.apply(model.accept(this.state, await api.react(message.id, emoji, on)));
    } catch (error) {
      this.view.tell(describe(error));
    }
  }

  async edit(message) {
    const content = this.view.ask("Edit message", message.content ?? "");
    if (content === null || content === message.content) return;
    try {
      this.apply(model.accept(this.state, await api.edit(message.id, content)));
    } catch (error) {
      this.view.tell(describe(error));
    }
  }

  async remove(message) {
    // Someone else's message is a moderator's delete: its tombstone and the audit log say why.
    let reason = "";
    if (message.author_id !== this.state.me.id) {
      reason = this.view.ask("Delete this message for everyone? Its members will see that you did, and the reason you give (optional).", "");
      if (reason === null) return;
    } else if (!this.view.confirm("Delete this message for everyone?")) {
      return;
    }
    try {
      this.apply(model.accept(this.state, await api.remove(message.id, reason.trim())));
    } catch (error) {
      this.view.tell(describe(error));
    }
  }

  /** Reports someone else's message to the chat's admins and the server's moderators. */
  async report(message) {
    const reason = this.view.ask("Why are you reporting this message? The chat's admins and the server's moderators will see it.", "");
    if (!reason?.trim()) return;
    try {
      await api.report({ message_id: message.id, reason });
      this.view.tell("Reported. Thank you.");
    } catch (error) {
      this.view.tell(describe(error));
    }
  }

  reply(message) {
    this.apply(model.replyStarted(this.state, message));
    this.view.focusComposer();
  }

  /** Forgets that `userId` types, unless another typing frame comes first. */
  expireTyping(userId) {
    clearTimeout(this.typingTimers.get(userId));
    this.typingTimers.set(userId, setTimeout(() => {
      this.typingTimers.delete(userId);
      this.apply(model.typingStopped(this.state, userId));
    }, TYPING_SHOWN_MS));
  }

  // ---- push notifications: this browser's subscription, and each chat's setting ----

  /** Registers the service worker, and finds whether this browser gets this user's pushes. */
  async startPush() {
    if (!notifications.supported()) return this.apply(model.pushChanged(this.state, "unsupported"));
    try {
      await notifications.registerWorker();
      notifications.onOpenChat((chatId) => this.openChat(chatId));
      notifications.onRenewed(() => this.renewPush());
      const current = await notifications.subscription();
      const record = notifications.remembered();
      if (renewed(record, current?.endpoint ?? null, this.state.me.id)) return this.renewPush();
      const subscribed = Boolean(current) && record?.user_id === this.state.me.id && record.endpoint === current.endpoint;
      const status = model.pushStatus({ supported: true, permission: notifications.permission(), subscribed });
      this.apply(model.pushChanged(this.state, status));
    } catch {
      this.apply(model.pushChanged(this.state, "unsupported"));
    }
  }

  /** Registers a subscription the push service rotated, in place of the one it replaced. */
  async renewPush() {
    const current = await notifications.subscription();
    const record = notifications.remembered();
    if (!renewed(record, current?.endpoint ?? null, this.state.me.id)) return;
    try {
      const { id } = await api.addPushSubscription(subscriptionBody(current.toJSON()));
      notifications.remember({ user_id: this.state.me.id, endpoint: current.endpoint, id });
      if (record.id !== id) api.removePushSubscription(record.id).catch(() => {});
      this.apply(model.pushChanged(this.state, "on"));
    } catch {
      // Tried again when the page next starts: the record still names the old endpoint.
    }
  }

  togglePush() {
    return this.state.push === "on" ? this.disablePush() : this.enablePush();
  }

  /** Asks the user, subscribes with the server's VAPID key, and registers the subscription. */
  async enablePush() {
    // Asked before anything is awaited, while this still answers the user's click: browsers
    // show no prompt otherwise.
    const permission = await notifications.askPermission();
    if (permission !== "granted") {
      return this.apply(model.pushChanged(this.state, model.pushStatus({ supported: true, permission, subscribed: false })));
    }
    this.apply(model.pushChanged(this.state, "busy"));
    try {
      const { public_key: key } = await api.vapidKey();
      const subscription = await notifications.subscribe(base64UrlToBytes(key));
      const { id } = await api.addPushSubscription(subscriptionBody(subscription.toJSON()));
      const old = notifications.remembered();
      notifications.remember({ user_id: this.state.me.id, endpoint: subscription.endpoint, id });
      if (old?.user_id === this.state.me.id && old.id !== id) api.removePushSubscription(old.id).catch(() => {});
      this.apply(model.pushChanged(this.state, "on"));
    } catch (error) {
      this.apply(model.pushChanged(this.state, "off"));
      // A DOMException is the browser's push service refusing (or not there at all).
      this.view.tell(`Notifications could not be turned on: ${error instanceof DOMException ? error.message : describe(error)}`);
    }
  }

  /** Removes the server's subscription, then the browser's. */
  async disablePush() {
    this.apply(model.pushChanged(this.state, "busy"));
    const record = notifications.remembered();
    try {
      if (record?.user_id === this.state.me.id) await api.removePushSubscription(record.id);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) { // a 404: gone already, as wanted
        this.apply(model.pushChanged(this.state, "on"));
        return this.view.tell(describe(error));
      }
    }
    await this.dropSubscription();
    this.apply(model.pushChanged(this.state, "off"));
  }

  /** The browser's subscription and its record, gone: its endpoint answers 410 from then on. */
  async dropSubscription() {
    notifications.remember(null);
    try {
      await (await notifications.subscription())?.unsubscribe();
    } catch {
      // None to drop.
    }
  }

  async loadNotifications(chatId) {
    try {
      this.apply(model.notificationsLoaded(this.state, chatId, await api.notifications(chatId)));
    } catch {
      // The chat's default shows meanwhile; the next opening asks again.
    }
  }

  /** The open chat's setting: a level, or a mute (MUTE_HOURS) counted from now. */
  async setNotifications(choice) {
    const chatId = this.state.current;
    const setting = model.notificationRequest(this.state, choice, Date.now());
    try {
      const stored = await api.setNotifications(chatId, setting);
      this.apply(model.notificationsLoaded(this.state, chatId, stored ?? setting));
    } catch (error) {
      this.apply([model.Effect.renderNotifications]); // back to what the server has
      this.view.tell(describe(error));
    }
  }

  /** Cuts the WebSocket as a network failure would (for end-to-end tests). */
  dropSocket() {
    this.live?.drop();
  }
}

/** How each of the model's effects is carried out. */
const EFFECTS = {
  "render-chats": (app) => app.view.renderChats(app.state, { titleOf: (chat) => app.title(chat), onOpen: (id) => app.openChat(id) }),
  "render-head": (app) => app.view.renderHead(app.state, { titleOf: (chat) => app.title(chat) }),
  "render-reports": (app) => app.view.renderReports(app.state, {
    titleOf: (chat) => app.title(chat),
    onResolve: (report, action) => app.resolveReport(report, action),
  }),
  "render-members": (app) => app.view.renderMembers(app.state, {
    onRemove: (member) => app.removeMember(member),
    onBlock: (member) => app.toggleBlock(member),
  }),
  "render-messages": (app, { toBottom, toHighlight }) => {
    app.view.renderMessages(app.state, { toBottom, toHighlight, actions: app.messageActions });
    app.loadAuthors();
  },
  "render-completion": (app) => app.view.renderCompletion(app.state, { onPick: (index) => app.apply(model.completionPicked(app.state, index)) }),
  "render-me": (app) => app.view.showMe(app.state.me, app.state.directChats),
  "fill-field": (app, { field, value, caret }) => app.view.fillField(field, value, caret),
  "render-thread": (app, { toBottom, toHighlight }) => {
    app.view.renderThread(app.state, { toBottom, toHighlight, actions: app.threadActions, titleOf: (chat) => app.title(chat) });
    app.loadAuthors();
  },
  "render-search": (app) => app.view.renderSearch(app.state, { titleOf: (chat) => app.title(chat), onOpen: (hit) => app.openMessage({ ...hit.message, chat_id: hit.chat_id }) }),
  "render-mentions": (app) => {
    app.view.renderMentions(app.state, { titleOf: (chat) => app.title(chat), onOpen: (message) => app.openMessage(message) });
    app.loadAuthors();
  },
  "render-reply": (app) => app.view.renderReply(app.state),
  "render-typing": (app) => app.view.renderTyping(app.state),
  "render-notifications": (app) => app.view.renderNotifications(model.notificationChoice(app.state, Date.now())),
  "render-push": (app) => app.view.renderPush(model.pushControl(app.state.push)),
  "close-conversation": (app) => app.view.closeConversation(),
  "load-chats": (app) => app.loadChats(),
  "load-new-mentions": (app) => app.newMentions(),
  "mark-read": (app) => app.markRead(),
  "refresh-chat": (app, { chatId }) => app.refreshChat(chatId),
  "reload-chat": (app, { chatId }) => app.reloadChat(chatId),
  deliver: (app, { item }) => app.deliver(item),
  "expire-typing": (app, { userId }) => app.expireTyping(userId),
};
