// The page: draws the state (model.js) into index.html's elements, and hands what the user does
// to the controller's handlers (the bind* methods). What only moves the page itself (the members
// panel, the way back to the list on a phone, the jump to the newest message, Enter to send)
// is handled here.

import { avatar, chatItem, h, hitItem, mentionItem, messageItem, reportItem, time } from "./elements.js";
import { unreadMentions } from "./mentions.js";
import { canManage, headStatus, openReports, peerOf, reportResolutions, threadMessages, visibleMessages } from "./model.js";
import { presenceText } from "./presence.js";
import { pickerChoices } from "./reactions.js";
import { chatInUrl, chatUrl } from "./push.js";
import { replyCount } from "./threads.js";
import { dayLabel, timeline } from "./timeline.js";
import { badge, pageTitle } from "./unread.js";

const $ = (id) => document.getElementById(id);

/**
 * The inputs that complete usernames (controller's COMPLETED_FIELDS, and the composers'
 * mentions: model.COMPOSER and model.THREAD_COMPOSER), by field; each has its `${field}-suggestions` list.
 */
const COMPLETION_INPUTS = { "new-chat": "new-chat-users", "add-member": "add-member-name", message: "message-text", thread: "thread-text" };

/** The picker's emoji per row (app.css's .emoji-choices), for the arrow keys. */
const PICKER_COLUMNS = 6;

/** Closer than this to the newest message, the list follows new ones (pixels). */
const NEAR_BOTTOM = 80;

/** The choices of a chat's notification setting (model.notificationRequest takes their values). */
const NOTIFICATION_CHOICES = [
  ["all", "All messages"],
  ["mentions", "Mentions only"],
  ["mute-1h", "Mute for 1 hour"],
  ["mute-8h", "Mute for 8 hours"],
  ["none", "Mute until I unmute"],
];

/** When a mute ends: the time today, else the day and time. */
function until(ts) {
  const end = new Date(ts);
  const today = end.toDateString() === new Date().toDateString();
  return today ? time(ts) : end.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/**
 * What has the focus in the message list, by what survives drawing it again: the message's id
 * and the control's `data-control` (null for the message itself); null when the focus is elsewhere.
 */
function focusedControl(list) {
  const element = document.activeElement;
  const message = list.contains(element) ? element.closest(".message") : null;
  return message ? { id: message.dataset.id, control: element === message ? null : element.dataset.control ?? null } : null;
}

/** The focus back on that control (or its message) once the list was drawn again, if it is still there. */
function refocus(list, { id, control }) {
  const message = [...list.querySelectorAll(".message")].find((item) => item.dataset.id === id);
  if (!message) return;
  const target = control ? [...message.querySelectorAll("[data-control]")].find((item) => item.dataset.control === control) : message;
  (target ?? message).focus({ preventScroll: true });
}

/**
 * What the sidebar shows under the search box: the search's hits while there is a query, else
 * the Mentions view while it is open, else the chat list and the new-chat form.
 */
function showSidebarList(state) {
  const searching = state.search.query !== "";
  const mentions = !searching && state.mentions.open;
  const reports = !searching && !mentions && state.reports.open;
  $("mentions-view").hidden = !mentions;
  $("reports-view").hidden = !reports;
  $("chat-list").hidden = searching || mentions || reports;
  $("new-chat").hidden = searching || mentions || reports;
}

function distanceFromBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight;
}

/** What a reply's quote says of message `id`, found by `find(id)` (undefined when not loaded). */
function quoteOf(find, names, id) {
  if (!id) return null;
  const original = find(id);
  if (!original) return "↪ an earlier message";
  return `↪ ${names.get(original.author_id) || ""}: ${original.is_deleted ? "message deleted" : original.content ?? ""}`;
}

/**
 * timeline.js's items as the list's elements: day separators, the "new messages" divider, and
 * each message (elements.js's messageItem with `options`, quoting through `find`); `highlight` is
 * the id to highlight, `threadOpen` that of the root whose thread is open.
 */
function timelineNodes(items, options, { find, highlight = null, threadOpen = null }) {
  return items.map((item) => {
    switch (item.kind) {
      case "day": return h("li", { class: "day", role: "separator" }, item.label);
      case "new": return h("li", { class: "new-divider", role: "separator" }, "New messages");
      default: return messageItem(item.message, {
        ...options, quoted: quoteOf(find, options.names, item.message.reply_to_id), state: item.state, continued: item.continued,
        highlighted: item.message.id === highlight, threadOpen: item.message.id === threadOpen,
      });
    }
  });
}

export class View {
  constructor() {
    $("members-toggle").addEventListener("click", () => {
      const open = $("members").hidden;
      $("members").hidden = !open;
      $("members-toggle").setAttribute("aria-expanded", String(open));
    });
    $("back").addEventListener("click", () => $("app").classList.remove("in-chat"));
    // Newer messages than those loaded (opened at a search hit): the way to them stays offered.
    this.newerUnloaded = false;
    // Scrolled up, away from the newest: offer the way back.
    $("messages").addEventListener("scroll", () => {
      $("newest").hidden = !this.newerUnloaded && distanceFromBottom($("messages")) < NEAR_BOTTOM;
    });
    $("message-text").addEventListener("keydown", (event) => {
      // While members are offered for a mention, Enter takes one (bindMentionCompletion).
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && $("message-suggestions").hidden) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("attach").addEventListener("click", () => $("attach-input").click());
    $("thread-attach").addEventListener("click", () => $("thread-attach-input").click());
    $("thread-text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && $("thread-suggestions").hidden) {
        event.preventDefault();
        $("thread-composer").requestSubmit();
      }
    });
    this.bindPicker();
  }

  // ---- the reaction picker: over the page, beside the button that opened it ----

  bindPicker() {
    this.picker = null; // { anchor, onPick } while open
    const filter = $("emoji-filter");
    filter.addEventListener("input", () => this.renderPicker());
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.isComposing) {
        event.preventDefault();
        $("emoji-choices").querySelector("button")?.click();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        $("emoji-choices").querySelector("button")?.focus();
      }
    });
    $("emoji-choices").addEventListener("keydown", (event) => {
      const buttons = [...$("emoji-choices").querySelectorAll("button")];
      const at = buttons.indexOf(document.activeElement);
      const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: PICKER_COLUMNS, ArrowUp: -PICKER_COLUMNS }[event.key];
      if (at < 0 || !step) return;
      event.preventDefault();
      const next = at + step;
      if (next < 0) filter.focus();
      else buttons[Math.min(next, buttons.length - 1)].focus();
    });
    $("emoji-picker").addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.closePicker({ returnFocus: true });
      }
    });
    // A press anywhere else, or the conversation moving under it, closes it.
    document.addEventListener("mousedown", (event) => {
      if (this.picker && !$("emoji-picker").contains(event.target) && event.target.closest?.("button") !== this.picker.anchor) this.closePicker();
    });
    for (const list of ["messages", "thread-messages"]) $(list).addEventListener("scroll", () => this.picker && this.closePicker());
    window.addEventListener("resize", () => this.picker && this.closePicker());
  }

  /** Opens the picker beside `anchor` (a message's React button); `onPick(emoji)` when one is chosen. */
  openPicker(anchor, onPick) {
    if (this.picker?.anchor === anchor) return this.closePicker({ returnFocus: true });
    // The list it was opened in (the conversation's or the thread's) stays when its messages are redrawn.
    this.picker = { anchor, onPick, messageId: anchor.closest(".message")?.dataset.id, list: anchor.closest("ol") ?? $("messages") };
    $("emoji-filter").value = "";
    this.renderPicker();
    const picker = $("emoji-picker");
    picker.hidden = false;
    // Below the button, or above it near the bottom of the window; inside the window either way.
    const box = anchor.getBoundingClientRect();
    const [width, height] = [picker.offsetWidth, picker.offsetHeight];
    const top = box.bottom + 4 + height <= innerHeight - 8 ? box.bottom + 4 : Math.max(8, box.top - 4 - height);
    picker.style.left = `${Math.max(8, Math.min(box.right - width, innerWidth - width - 8))}px`;
    picker.style.top = `${top}px`;
    $("emoji-filter").focus();
  }

  /** Closes the picker; `returnFocus` puts the focus back on what opened it (or its message, redrawn since). */
  closePicker({ returnFocus = false } = {}) {
    if (!this.picker) return;
    const { anchor, messageId, list } = this.picker;
    this.picker = null;
    $("emoji-picker").hidden = true;
    if (!returnFocus) return;
    if (anchor.isConnected) anchor.focus();
    else if (messageId !== undefined) refocus(list, { id: messageId, control: "react" });
  }

  /** The choices for what the picker's box holds (reactions.js). */
  renderPicker() {
    const choices = pickerChoices($("emoji-filter").value);
    $("emoji-choices").replaceChildren(...choices.map((choice) => h("button", {
      type: "button", class: "emoji-choice", title: choice.name, "aria-label": choice.name,
      onclick: () => {
        const { onPick } = this.picker;
        this.closePicker({ returnFocus: true });
        onPick(choice.emoji);
      },
    }, choice.emoji)));
    $("emoji-none").hidden = choices.length > 0;
  }

  // ---- what the user does ----

  /** `handler({ action, username, password })`, action "login" or "register". */
  bindSignIn(handler) {
    $("auth-form").addEventListener("submit", (event) => {
      event.preventDefault();
      $("auth-error").textContent = "";
      handler({
        action: event.submitter?.value || "login",
        username: $("auth-username").value.trim().toLowerCase(),
        password: $("auth-password").value,
      });
    });
  }

  bindLogout(handler) {
    $("logout").addEventListener("click", handler);
  }

  /** `handler({ usernames, title })`: the people to chat with, and the group's title if any. */
  bindNewChat(handler) {
    $("new-chat").addEventListener("submit", (event) => {
      event.preventDefault();
      $("new-chat-error").textContent = "";
      const usernames = $("new-chat-users").value.split(",").map((name) => name.trim()).filter(Boolean);
      handler({ usernames, title: $("new-chat-title").value.trim() });
    });
  }

  /** `handler(username)` */
  bindAddMember(handler) {
    $("add-member").addEventListener("submit", (event) => {
      event.preventDefault();
      $("members-error").textContent = "";
      handler($("add-member-name").value.trim());
    });
  }

  bindRename(handler) {
    $("rename").addEventListener("click", handler);
  }

  /** `handler()`: the user wants to change their display name. */
  bindRenameMe(handler) {
    $("rename-me").addEventListener("click", handler);
  }

  /**
   * Usernames completed in `field`'s input (COMPLETION_INPUTS): `typed(value)` as it changes;
   * the arrows `move(delta)`, Enter `pick()` and Escape `close()` while `isOpen()` (else they do
   * what they always do: Enter submits the form); leaving the field closes the list.
   */
  bindCompletion(field, { typed, move, pick, close, isOpen }) {
    const input = $(COMPLETION_INPUTS[field]);
    input.addEventListener("input", () => typed(input.value));
    input.addEventListener("keydown", (event) => {
      if (event.isComposing) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!isOpen()) return typed(input.value);
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" && isOpen()) {
        event.preventDefault();
        pick();
      } else if (event.key === "Escape" && isOpen()) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    // A click on a suggestion keeps the cursor in the field.
    $(`${field}-suggestions`).addEventListener("mousedown", (event) => event.preventDefault());
  }

  /**
   * Members offered for the `@name` at the caret of `field`'s composer (model.COMPOSER, or
   * model.THREAD_COMPOSER): `typed(text, caret)` as the text or the caret changes; while
   * `isOpen()`, the arrows `move(delta)`, Enter and Tab `pick()`, and Escape `close()` (else they
   * do what they always do: Enter sends, Escape closes a thread); leaving the field closes.
   */
  bindMentionCompletion(field, { typed, move, pick, close, isOpen }) {
    const input = $(COMPLETION_INPUTS[field]);
    const changed = () => typed(input.value, input.selectionStart);
    input.addEventListener("input", changed);
    input.addEventListener("click", changed);
    input.addEventListener("keyup", (event) => {
      if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) changed();
    });
    input.addEventListener("keydown", (event) => {
      if (event.isComposing || !isOpen()) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        event.preventDefault();
        pick();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    // A click on a suggestion keeps the cursor in the field.
    $(`${field}-suggestions`).addEventListener("mousedown", (event) => event.preventDefault());
  }

  /** `handler()`: the Mentions button was pressed (it opens and closes the view). */
  bindMentions(handler) {
    $("mentions-toggle").addEventListener("click", handler);
  }

  bindMentionsMore(handler) {
    $("mentions-more").addEventListener("click", handler);
  }

  bindOlder(handler) {
    $("older").addEventListener("click", handler);
  }

  bindNewer(handler) {
    $("newer").addEventListener("click", handler);
  }

  /** `handler()`: "Jump to the newest" was pressed. */
  bindNewest(handler) {
    $("newest").addEventListener("click", handler);
  }

  /**
   * `handler(query, inChat, { now })` as the search box changes (`now` false while typing, true
   * when submitted or when its scope changed).
   */
  bindSearch(handler) {
    const ask = (now) => handler($("search-query").value, $("search-in-chat").checked, { now });
    $("search-query").addEventListener("input", () => ask(false));
    $("search-in-chat").addEventListener("change", () => ask(true));
    $("search").addEventListener("submit", (event) => {
      event.preventDefault();
      ask(true);
    });
  }

  bindSearchMore(handler) {
    $("search-more").addEventListener("click", handler);
  }

  /** `handler(text)`: the composer was sent. */
  bindSend(handler) {
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      handler($("message-text").value);
    });
  }

  /** `handler(text)`: the open thread's composer was sent. */
  bindThreadSend(handler) {
    $("thread-composer").addEventListener("submit", (event) => {
      event.preventDefault();
      handler($("thread-text").value);
    });
  }

  /** `handler()`: the thread is to close (its close button, the way back on a phone, Escape in it). */
  bindThreadClose(handler) {
    $("thread-close").addEventListener("click", handler);
    $("thread-back").addEventListener("click", handler);
    $("thread").addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) {
        event.preventDefault();
        handler();
      }
    });
  }

  /** `handler()`: the thread's older replies were asked for. */
  bindThreadOlder(handler) {
    $("thread-older").addEventListener("click", handler);
  }

  /** `handler()` on every keystroke in the composer. */
  bindTyping(handler) {
    $("message-text").addEventListener("input", handler);
  }

  /** `handler(files, { inThread })`: files were chosen to send, in the conversation or the open thread. */
  bindAttach(handler) {
    for (const [id, inThread] of [["attach-input", false], ["thread-attach-input", true]]) {
      $(id).addEventListener("change", () => {
        const files = [...$(id).files];
        $(id).value = ""; // so that the same file can be chosen again
        handler(files, { inThread });
      });
    }
  }

  /** `handler(choice)`: a value of NOTIFICATION_CHOICES was chosen for the open chat. */
  bindNotificationChoice(handler) {
    $("notify-level").addEventListener("change", () => handler($("notify-level").value));
  }

  /** `handler()`: push notifications are to be turned on or off (a click, so it may ask). */
  bindPushToggle(handler) {
    $("push-toggle").addEventListener("click", handler);
  }

  bindCancelReply(handler) {
    $("cancel-reply").addEventListener("click", handler);
  }

  /** `handler()` when the page comes back into view (another tab was in front). */
  bindPageShown(handler) {
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) handler();
    });
  }

  // ---- asking the user ----

  pageHidden() {
    return document.hidden;
  }

  /** The text typed in answer to `question`, or null if cancelled. */
  ask(question, value) {
    return prompt(question, value);
  }

  confirm(question) {
    return confirm(question);
  }

  tell(text) {
    alert(text);
  }

  reload() {
    location.reload();
  }

  /** The chat the page's address names (`/#chat=ID`, as a notification opens it), or null. */
  chatInAddress() {
    return chatInUrl(location.href);
  }

  /** The open chat in the address, so that the service worker knows which chat is in front. */
  showChatInAddress(chatId) {
    history.replaceState(null, "", chatId === null ? "/" : chatUrl("", chatId));
  }

  // ---- the screens ----

  showAuth() {
    $("app").hidden = true;
    $("auth").hidden = false;
    $("auth-username").focus();
  }

  showApp(me) {
    $("auth").hidden = true;
    $("app").hidden = false;
    this.showMe(me);
  }

  /** The signed-in user's name and avatar. */
  /** The signed-in user's name and avatar, and who may start a direct chat with them. */
  showMe(me, directChats = "everyone") {
    $("me-name").textContent = me.display_name;
    $("me-name").title = `@${me.username}`;
    $("me-avatar").replaceChildren(avatar(me.display_name, me.id));
    $("direct-chats").value = directChats;
  }

  bindPrivacy(handler) {
    $("direct-chats").addEventListener("change", () => handler($("direct-chats").value));
  }

  /** A completed username in `field`'s input, the cursor at `caret` (after it). */
  fillField(field, value, caret = value.length) {
    const input = $(COMPLETION_INPUTS[field]);
    input.value = value;
    input.focus();
    input.setSelectionRange(caret, caret);
  }

  /** The search box emptied (the Mentions view takes the sidebar's place). */
  clearSearch() {
    $("search-query").value = "";
  }

  showConnection(text) {
    $("connection").textContent = text;
  }

  showAuthError(text) {
    $("auth-error").textContent = text;
  }

  showNewChatError(text) {
    $("new-chat-error").textContent = text;
  }

  showMembersError(text) {
    $("members-error").textContent = text;
  }

  resetNewChat() {
    $("new-chat").reset();
  }

  resetAddMember() {
    $("add-member").reset();
  }

  /** The conversation in front (on a phone, in place of the chat list). */
  openConversation() {
    $("app").classList.add("in-chat");
    $("chat").hidden = false;
  }

  closeConversation() {
    this.showChatInAddress(null);
    $("chat").hidden = true;
    $("app").classList.remove("in-chat");
  }

  focusComposer() {
    $("message-text").focus();
  }

  composerText() {
    return $("message-text").value;
  }

  /** The composer's text and caret while it has the focus (a mention may be being typed), else null. */
  composerTyping() {
    const input = $("message-text");
    return document.activeElement === input ? { text: input.value, caret: input.selectionStart } : null;
  }

  clearComposer() {
    $("message-text").value = "";
  }

  focusThreadComposer() {
    $("thread-text").focus();
  }

  clearThreadComposer() {
    $("thread-text").value = "";
  }

  /** The focus back on the conversation's root `rootId` (its thread's summary), its thread closed. */
  focusThreadSummary(rootId) {
    const message = [...$("messages").querySelectorAll(".message")].find((item) => item.dataset.id === String(rootId));
    (message?.querySelector(".thread-summary") ?? message ?? $("message-text")).focus({ preventScroll: true });
  }

  /** Where the files being sent show their progress: under the conversation's composer, or the thread's. */
  uploadList({ inThread = false } = {}) {
    return $(inThread ? "thread-uploads" : "uploads");
  }

  threadComposerText() {
    return $("thread-text").value;
  }

  // ---- drawing the state ----

  /** The chat list, last active first. `titleOf(chat)` names each; `onOpen(id)` opens one. */
  renderChats(state, { titleOf, onOpen }) {
    const chats = [...state.chats.values()].sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at));
    $("chat-list").replaceChildren(...chats.map((chat) => {
      const peer = peerOf(state, chat.id);
      return chatItem(chat, {
        current: chat.id === state.current, title: titleOf(chat), onOpen: () => onOpen(chat.id),
        presence: state.presence.get(peer), avatarKey: peer ?? chat.id,
      });
    }));
    document.title = pageTitle(chats);
    const mentions = unreadMentions(chats);
    const count = $("mentions-count");
    count.hidden = mentions === 0;
    count.textContent = mentions ? badge(mentions) : "";
    $("mentions-toggle").setAttribute("aria-label", mentions ? `Mentions, ${badge(mentions)} unread` : "Mentions");
  }

  /**
   * The open chat's title, under it the other person's presence (a group's size), and Rename
   * for a group.
   */
  renderHead(state, { titleOf }) {
    const chat = state.chats.get(state.current);
    if (!chat) return;
    const title = titleOf(chat);
    const peer = peerOf(state, chat.id);
    $("chat-title").textContent = title;
    $("chat-avatar").replaceChildren(avatar(title, peer ?? chat.id, chat.kind === "direct" ? state.presence.get(peer) ?? null : undefined));
    const status = headStatus(state, Date.now());
    $("chat-status").textContent = status.text;
    $("chat-status").classList.toggle("online", status.online);
    $("rename").hidden = chat.kind !== "group";
  }

  /**
   * The open chat's members; in a group, Leave for us and Remove for those we may remove; Block
   * (or Unblock) for every other person.
   */
  renderMembers(state, { onRemove, onBlock }) {
    const chat = state.chats.get(state.current);
    const group = chat?.kind === "group";
    const manager = canManage(chat);
    const now = Date.now();
    $("member-list").replaceChildren(...state.members.map((member) => {
      const me = member.user_id === state.me.id;
      const presence = state.presence.get(member.user_id);
      return h("li", { title: presenceText(presence, now) || undefined },
        avatar(member.display_name, member.user_id, member.is_bot ? undefined : presence ?? null),
        h("span", { class: "member-name" },
          h("span", { class: "name" }, member.display_name),
          presence && h("span", { class: "visually-hidden" }, `, ${presenceText(presence, now)}`),
          member.is_bot && h("span", { class: "badge" }, "bot"),
          h("span", { class: "handle" }, ` @${member.username}${member.role === "member" ? "" : ` · ${member.role}`}`)),
        (manager || me) && group && h("button", {
          type: "button", class: "secondary",
          "aria-label": me ? "Leave this chat" : `Remove ${member.display_name}`,
          onclick: () => onRemove(member),
        }, me ? "Leave" : "Remove"),
        !me && !member.is_bot && h("button", {
          type: "button", class: "secondary", "data-control": "block",
          "aria-label": `${state.blocked.has(member.user_id) ? "Unblock" : "Block"} ${member.display_name}`,
          "aria-pressed": String(state.blocked.has(member.user_id)),
          onclick: () => onBlock(member),
        }, state.blocked.has(member.user_id) ? "Unblock" : "Block"));
    }));
    $("add-member").hidden = !manager;
  }

  /**
   * The open chat's messages, then our sends not yet answered. The list stays where the reader
   * is, unless `toBottom` or they were at the newest already. `actions` holds the callbacks of
   * each message's buttons (react, pickReaction, edit, remove, reply, retry).
   */
  renderMessages(state, { toBottom, toHighlight, actions }) {
    const list = $("messages");
    const nearBottom = distanceFromBottom(list) < NEAR_BOTTOM;
    const options = { me: state.me.id, myUsername: state.me.username, names: state.names, actions: { ...actions, blocked: state.blocked, canModerate: canManage(state.chats.get(state.current)) } };
    const items = timeline(visibleMessages(state), { me: state.me.id, unreadAfter: state.unreadAfter });
    const focused = focusedControl(list);
    list.replaceChildren(...timelineNodes(items, options, {
      find: (id) => state.messages.get(id), highlight: state.highlight, threadOpen: state.thread?.rootId ?? null,
    }));
    if (focused) refocus(list, focused);
    $("older").hidden = !state.hasOlder;
    $("newer").hidden = !state.hasNewer;
    this.newerUnloaded = state.hasNewer;
    if (state.hasNewer) $("newest").hidden = false;
    if (toHighlight) list.querySelector(".message.highlight")?.scrollIntoView({ block: "center" });
    else if (!state.hasNewer && (toBottom || nearBottom)) list.scrollTop = list.scrollHeight;
    if (!state.hasNewer) $("newest").hidden = distanceFromBottom(list) < NEAR_BOTTOM;
  }

  /**
   * The open thread beside the conversation (over it on a phone), or none: its root on top, then
   * its replies and our sends not yet answered, drawn as the conversation's messages are (`actions`
   * as renderMessages's, without quoting or threads); kept where the reader is unless `toBottom`,
   * or at the reply it was opened at with `toHighlight`. `titleOf(chat)` names its chat.
   */
  renderThread(state, { toBottom, toHighlight, actions, titleOf }) {
    const thread = state.thread;
    const list = $("thread-messages");
    $("app").classList.toggle("with-thread", thread !== null);
    if (thread === null) {
      $("thread").hidden = true;
      list.replaceChildren();
      return;
    }
    const wasHidden = $("thread").hidden;
    $("thread").hidden = false;
    const chat = state.chats.get(thread.chatId);
    $("thread-chat").textContent = chat ? `${chat.kind === "direct" ? "with" : "in"} ${titleOf(chat)}` : "";
    const nearBottom = distanceFromBottom(list) < NEAR_BOTTOM;
    const options = { me: state.me.id, myUsername: state.me.username, names: state.names, actions: { ...actions, blocked: state.blocked, canModerate: canManage(chat) } };
    const find = (id) => (thread.root?.id === id ? thread.root : thread.messages.get(id) ?? state.messages.get(id));
    const entries = threadMessages(state);
    const count = thread.root?.thread?.reply_count ?? entries.filter((entry) => entry.state === "sent").length;
    const status = thread.error || (thread.loading ? "Loading the thread…" : entries.length === 0 ? "No replies yet: start the thread." : "");
    const items = timeline(entries, { me: state.me.id, unreadAfter: null });
    // Replies of the root's own day need no separator between it and them.
    if (items[0]?.kind === "day" && thread.root && items[0].label === dayLabel(thread.root.ts, Date.now())) items.shift();
    const focused = focusedControl(list);
    list.replaceChildren(
      ...(thread.root ? [messageItem(thread.root, { ...options, quoted: quoteOf(find, state.names, thread.root.reply_to_id), highlighted: thread.root.id === thread.highlight })] : []),
      h("li", { class: "thread-divider", role: "separator" }, count ? replyCount(count) : "Replies"),
      ...(status ? [h("li", { class: thread.error ? "thread-status error" : "thread-status", role: "status" }, status)] : []),
      ...timelineNodes(items, options, { find, highlight: thread.highlight }));
    if (focused) refocus(list, focused);
    $("thread-older").hidden = !thread.hasOlder;
    if (toHighlight) list.querySelector(".message.highlight")?.scrollIntoView({ block: "center" });
    else if (toBottom || nearBottom || wasHidden) list.scrollTop = list.scrollHeight;
  }

  scrollToNewest() {
    const list = $("messages");
    list.scrollTop = list.scrollHeight;
    $("newest").hidden = true;
  }

  /** The search's hits in place of the chat list while there is a query. */
  renderSearch(state, { titleOf, onOpen }) {
    const { query, hits, next, loading, error } = state.search;
    const searching = query !== "";
    $("search-results").hidden = !searching;
    showSidebarList(state);
    if (!searching) return;
    const empty = !loading && hits.length === 0;
    $("search-status").textContent = error || (loading && hits.length === 0 ? "Searching…" : empty ? "No messages found." : "");
    $("hit-list").replaceChildren(...hits.map((hit) => {
      const chat = state.chats.get(hit.chat_id);
      return hitItem(hit, { title: chat ? titleOf(chat) : hit.chat_title ?? "a chat", onOpen: () => onOpen(hit) });
    }));
    $("search-more").hidden = !next;
    $("search-more").disabled = loading;
  }

  bindReports(handler) {
    $("reports-toggle").addEventListener("click", handler);
  }

  /**
   * The reports we handle in place of the chat list while the view is open, newest first, each
   * with who was reported, the reason, the message's text as it was reported, and the ways to
   * resolve it (`onResolve(report, action)`); the toggle shows only for someone who has reports.
   */
  renderReports(state, { titleOf, onResolve }) {
    const { open, items, error } = state.reports;
    const waiting = openReports(state);
    $("reports-toggle").hidden = items.length === 0 && !open;
    $("reports-toggle").setAttribute("aria-expanded", String(open));
    $("reports-toggle").setAttribute("aria-label", waiting ? `Reports, ${waiting} open` : "Reports");
    $("reports-count").hidden = waiting === 0;
    $("reports-count").textContent = String(waiting);
    showSidebarList(state);
    if (!open) return;
    $("reports-status").textContent = error || (items.length === 0 ? "No reports." : "");
    $("report-list").replaceChildren(...items.map((report) => {
      const chat = report.chat_id === null ? null : state.chats.get(report.chat_id);
      return reportItem(report, {
        who: state.names.get(report.user_id) || `user ${report.user_id}`,
        where: report.chat_id === null ? "the user" : chat ? titleOf(chat) : "a chat",
        resolutions: reportResolutions(state, report),
        onResolve: (action) => onResolve(report, action),
      });
    }));
  }

  /**
   * The reader's recent mentions in place of the chat list while the view is open, each opening
   * its chat at it (`onOpen(message)`); `titleOf(chat)` names the chats.
   */
  renderMentions(state, { titleOf, onOpen }) {
    const { open, messages, next, loading, error } = state.mentions;
    $("mentions-toggle").setAttribute("aria-expanded", String(open));
    $("mentions-view").hidden = !open;
    showSidebarList(state);
    if (!open) return;
    const empty = !loading && messages.length === 0;
    $("mentions-status").textContent = error || (loading && messages.length === 0 ? "Loading…" : empty ? "Nobody has mentioned you yet." : "");
    $("mention-list").replaceChildren(...messages.map((message) => {
      const chat = state.chats.get(message.chat_id);
      return mentionItem(message, {
        // A direct chat's title names its author already: the other person.
        title: chat ? titleOf(chat) : "a chat",
        author: chat?.kind === "direct" ? null : state.names.get(message.author_id) || `user ${message.author_id}`,
        myUsername: state.me.username, onOpen: () => onOpen(message),
      });
    }));
    $("mentions-more").hidden = next === null || next === undefined;
    $("mentions-more").disabled = loading;
  }

  /**
   * The usernames offered under the field being typed in (state.completion), the highlighted
   * one announced as the combobox's active option; `onPick(index)` takes one by pointer.
   */
  renderCompletion(state, { onPick }) {
    const { field, users, active } = state.completion;
    for (const [name, inputId] of Object.entries(COMPLETION_INPUTS)) {
      const input = $(inputId);
      const list = $(`${name}-suggestions`);
      const open = name === field && users.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
      if (!open) {
        list.replaceChildren();
        input.removeAttribute("aria-activedescendant");
        continue;
      }
      list.replaceChildren(...users.map((user, index) => h("li", {
        id: `${name}-option-${user.id}`, role: "option", "aria-selected": String(index === active),
        class: index === active ? "active" : undefined, onclick: () => onPick(index),
      }, avatar(user.display_name, user.id), h("span", { class: "name" }, user.display_name), h("span", { class: "handle" }, `@${user.username}`))));
      input.setAttribute("aria-activedescendant", `${name}-option-${users[active].id}`);
      list.querySelector(".active")?.scrollIntoView({ block: "nearest" });
    }
  }

  /** Above the composer: the message being answered, if any. */
  renderReply(state) {
    const message = state.replyTo;
    $("replying").hidden = !message;
    if (message) {
      $("replying").firstElementChild.textContent = `Replying to ${state.names.get(message.author_id) || "a message"}: ${message.content ?? ""}`;
    }
  }

  /** The open chat's notification setting: `{ value }` a choice, or "muted" `until` a time. */
  renderNotifications({ value, until: end }) {
    const options = NOTIFICATION_CHOICES.map(([choice, label]) => h("option", { value: choice }, label));
    if (value === "muted") options.unshift(h("option", { value: "muted", disabled: true }, `Muted until ${until(end)}`));
    $("notify-level").replaceChildren(...options);
    $("notify-level").value = value;
  }

  /** The control turning push notifications on and off (model.pushControl). */
  renderPush({ label = "", disabled = false, hidden = false, title }) {
    const button = $("push-toggle");
    button.hidden = hidden;
    button.disabled = disabled;
    button.textContent = label;
    if (title) button.title = title;
    else button.removeAttribute("title");
  }

  renderTyping(state) {
    const names = [...state.typing].map((id) => state.names.get(id) || "Someone");
    $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
  }
}
