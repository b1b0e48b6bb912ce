// Building the page's elements: no innerHTML anywhere, so no message text is ever markup.

import { fileUrl } from "./api.js";
import { hue, initials } from "./people.js";
import { previewParts } from "./mentions.js";
import { resolutionText, tombstoneText } from "./moderation.js";
import { isOnline } from "./presence.js";
import { reactionChips } from "./reactions.js";
import { parse } from "./rich_text.js";
import { snippetParts } from "./snippet.js";
import { isReply, threadSummary } from "./threads.js";
import { dayLabel } from "./timeline.js";
import { badge } from "./unread.js";

/** An element with attributes (`on*` become listeners) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

export function time(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "12 KB", "3.4 MB": a file's size as people read it. */
export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  for (; value >= 1024 && unit < units.length - 1; unit++) value /= 1024;
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${units[unit]}`;
}

/**
 * A message's text as elements (rich_text.js reads its marks): text nodes, never markup. Links
 * open apart, telling the other site nothing; a mention of `myUsername` stands out.
 */
export function richText(content, myUsername) {
  const inline = (node) => {
    switch (node.type) {
      case "text": return node.text;
      case "break": return h("br");
      case "strong": return h("strong", {}, node.children.map(inline));
      case "em": return h("em", {}, node.children.map(inline));
      case "code": return h("code", {}, node.text);
      case "link": return h("a", { href: node.href, target: "_blank", rel: "noopener noreferrer nofollow" }, node.children.map(inline));
      case "mention": return h("span", { class: node.username === myUsername ? "mention to-me" : "mention" }, `@${node.username}`);
      default: return "";
    }
  };
  return parse(content).map((block) => {
    switch (block.type) {
      case "codeblock": return h("pre", {}, h("code", {}, block.text));
      case "quote": return h("blockquote", {}, block.children.map(inline));
      default: return h("p", {}, block.children.map(inline));
    }
  });
}

/** The types the server thumbnails, and the only ones an `image` message may carry. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

const THUMBNAIL = 256;

/**
 * A message's files, in order: an image as its thumbnail (sized before it loads, so nothing
 * jumps) opening the full image in a new tab; any other file as a download link with its size.
 */
function attachmentList(attachments) {
  return h("ul", { class: "attachments" }, attachments.map((file) => {
    if (!IMAGE_TYPES.includes(file.content_type)) {
      return h("li", {}, h("a", { class: "file", href: fileUrl(file.id), download: file.name },
        h("span", { class: "name" }, file.name), ` · ${size(file.size)}`));
    }
    const scale = Math.min(1, THUMBNAIL / Math.max(file.width || 1, file.height || 1));
    return h("li", {}, h("a", { class: "thumbnail", href: fileUrl(file.id), target: "_blank", rel: "noopener" },
      h("img", {
        src: fileUrl(file.id, THUMBNAIL), alt: file.name, loading: "lazy",
        width: file.width && Math.max(1, Math.round(file.width * scale)),
        height: file.height && Math.max(1, Math.round(file.height * scale)),
      })));
  }));
}

const PREVIEW_PICTURE = 96;

/**
 * A message's link preview: the page's picture (its thumbnail), site name, title and description,
 * as text (what another site says is never markup), the whole card a link to the page.
 */
export function linkPreviewCard(preview) {
  if (!/^https?:\/\//i.test(preview.url)) return null;
  const picture = preview.image && IMAGE_TYPES.includes(preview.image.content_type)
    ? h("img", { src: fileUrl(preview.image.id, THUMBNAIL), alt: "", loading: "lazy", width: PREVIEW_PICTURE, height: PREVIEW_PICTURE })
    : null;
  return h("a", { class: "link-preview", href: preview.url, target: "_blank", rel: "noopener noreferrer nofollow" },
    picture,
    h("span", { class: "text" },
      preview.site_name && h("span", { class: "site" }, preview.site_name),
      preview.title && h("span", { class: "title" }, preview.title),
      preview.description && h("span", { class: "description" }, preview.description)));
}

const SMILEY = "M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18zM8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01";
const BUBBLES = "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2zM8 8h8M8 12h5";

/** A small stroked icon, as index.html's (no markup from strings: built node by node). */
function icon(path) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  for (const [name, value] of Object.entries({ viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true", focusable: "false" })) svg.setAttribute(name, value);
  const shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}

/**
 * A message's reactions, only those it has: each its emoji and count, who reacted on hover and
 * focus (title and label), pressed when ours; a click takes ours back or adds it.
 */
function reactionList(message, { me, names, actions }) {
  const chips = reactionChips(message, me, names);
  if (!chips.length) return null;
  return h("div", { class: "reactions" }, chips.map((chip) => h("button", {
    type: "button", class: "reaction", "aria-pressed": String(chip.mine), "data-control": `reaction ${chip.emoji}`,
    title: `Reacted by ${chip.who}`, "aria-label": `${chip.emoji} ${chip.count}, reacted by ${chip.who}`,
    onclick: () => actions.react(message, chip.emoji, !chip.mine),
  }, h("span", { class: "emoji" }, chip.emoji), h("span", { class: "count" }, String(chip.count)))));
}

/**
 * Under a root in the conversation: its thread's summary (threads.js), the latest repliers'
 * avatars, how many replied and when; a click opens the thread (`actions.thread`).
 */
function threadLine(message, { names, actions }) {
  const summary = threadSummary(message, names, Date.now());
  if (!summary) return null;
  return h("button", {
    type: "button", class: "thread-summary", "data-control": "thread-summary", "aria-label": `${summary.label}. Open the thread`,
    onclick: () => actions.thread(message),
  },
  h("span", { class: "thread-people" }, summary.people.map((person) => avatar(person.name, person.id))),
  h("span", { class: "thread-count" }, summary.count),
  summary.last && h("span", { class: "thread-last" }, summary.last),
  h("span", { class: "thread-view", "aria-hidden": "true" }, "View thread"));
}

/**
 * One message. `state` is "sent" for stored ones, or "sending"/"failed" for the caller's own
 * not yet answered; `continued` when it follows its author's message (timeline.js), which named
 * them; `highlighted` when the chat was opened at it; `threadOpen` when its thread is open beside;
 * `actions` holds the callbacks (react, pickReaction, edit, remove, retry, report, block with the
 * ids we block in `blocked`, and where they are offered reply, which quotes it, and thread, which
 * opens its thread). A tombstone says who deleted it, when not its author, and why. Its action buttons show
 * while it is hovered or holds the focus (app.css); a click on it gives it the focus, for touch
 * screens. A root shows its thread's summary where threads can be opened.
 */
export function messageItem(message, { me, myUsername, names, quoted, state = "sent", continued = false, highlighted = false, threadOpen = false, actions }) {
  const mine = message.author_id === me;
  const classes = ["message", mine && "mine", continued && "continued", highlighted && "highlight", threadOpen && "thread-open",
    message.is_deleted && "deleted", state === "failed" && "failed"];
  const threads = Boolean(actions.thread) && !isReply(message);
  const delivery = message.delivery ?? "sent";
  const ticks = !mine || state !== "sent" ? state === "sent" ? "" : state : { sent: "✓ sent", delivered: "✓✓ delivered", read: "✓✓ read" }[delivery];
  const author = names.get(message.author_id) || `user ${message.author_id}`;
  const live = !message.is_deleted && state === "sent";
  return h("li", { class: classes.filter(Boolean).join(" "), "data-id": message.id, "data-state": state, tabindex: live ? "-1" : undefined },
    h("div", { class: "meta" },
      h("span", { class: "author" }, author),
      h("time", { datetime: message.ts }, time(message.ts)),
      message.updated_at && !message.is_deleted && h("span", {}, "edited"),
      ticks && h("span", { class: "ticks", "data-status": state === "sent" ? delivery : state }, ticks)),
    quoted && h("div", { class: "quote" }, quoted),
    h("div", { class: "body" }, message.is_deleted ? tombstoneText(message, names) : richText(message.content ?? "", myUsername)),
    !message.is_deleted && message.attachments?.length > 0 && attachmentList(message.attachments),
    !message.is_deleted && message.link_preview && linkPreviewCard(message.link_preview),
    live && reactionList(message, { me, names, actions }),
    threads && state === "sent" && threadLine(message, { names, actions }),
    live && h("div", { class: "toolbar", role: "toolbar", "aria-label": "Message actions" },
      h("button", {
        type: "button", class: "icon", "aria-label": "React", title: "React", "aria-haspopup": "dialog", "data-control": "react",
        onclick: (event) => actions.pickReaction(message, event.currentTarget),
      }, icon(SMILEY)),
      threads && h("button", {
        type: "button", class: "icon", "aria-label": "Reply in thread", title: "Reply in thread", "data-control": "thread",
        onclick: () => actions.thread(message),
      }, icon(BUBBLES)),
      actions.reply && h("button", { type: "button", "data-control": "reply", onclick: () => actions.reply(message) }, "Reply"),
      mine && h("button", { type: "button", "data-control": "edit", onclick: () => actions.edit(message) }, "Edit"),
      (mine || actions.canModerate) && h("button", { type: "button", "data-control": "delete", onclick: () => actions.remove(message) }, "Delete"),
      !mine && actions.report && h("button", { type: "button", "data-control": "report", onclick: () => actions.report(message) }, "Report"),
      !mine && actions.block && h("button", {
        type: "button", "data-control": "block", "aria-pressed": String(actions.blocked.has(message.author_id)),
        onclick: () => actions.block(message),
      }, actions.blocked.has(message.author_id) ? "Unblock" : "Block")),
    state === "failed" && h("div", { class: "actions" },
      h("button", { type: "button", "data-control": "retry", onclick: () => actions.retry(message) }, "Retry")));
}

/**
 * A round avatar with `name`'s initials, coloured by `key`; with `presence` (a direct chat's
 * other person, a member) a dot at its corner says whether they are online.
 */
export function avatar(name, key, presence) {
  return h("span", { class: `avatar ${hue(key)}`, "aria-hidden": "true" },
    initials(name),
    presence !== undefined && h("span", { class: "presence", "data-status": isOnline(presence) ? "online" : "offline" }));
}

/**
 * One entry of the chat list. `presence` is a direct chat's other person's (undefined for a
 * group, or while unknown); `avatarKey` colours its avatar (that person's id, so that it matches).
 */
export function chatItem(summary, { current, title, presence, avatarKey = summary.id, onOpen }) {
  const last = summary.last_message;
  const files = last?.attachments?.map((file) => file.name).join(", ");
  const preview = last ? (last.is_deleted ? "message deleted" : last.content ?? (files ? `📎 ${files}` : `[${last.type}]`)) : "no messages yet";
  const direct = summary.kind === "direct";
  return h("li", {},
    h("button", { type: "button", "data-chat": summary.id, "aria-current": String(current), onclick: onOpen },
      avatar(title, avatarKey, direct ? presence ?? null : undefined),
      h("span", { class: "text" },
        h("span", { class: "line" },
          h("span", { class: "title" }, title),
          direct && isOnline(presence) && h("span", { class: "visually-hidden" }, ", online"),
          summary.unread_mentions > 0 && h("span", { class: "unread mentions", "aria-label": `${badge(summary.unread_mentions)} mentioning you` }, `@${badge(summary.unread_mentions)}`),
          summary.unread_count > 0 && h("span", { class: "unread", "aria-label": `${badge(summary.unread_count)} unread` }, badge(summary.unread_count))),
        h("span", { class: "last" }, preview))));
}

/** One search hit: its chat, when, and the matched passage with the matches marked. */
export function hitItem(hit, { title, onOpen }) {
  const ts = hit.message.ts;
  return h("li", {},
    h("button", { type: "button", class: "hit", "data-message": hit.message.id, onclick: onOpen },
      h("span", { class: "hit-head" },
        h("span", { class: "title" }, title),
        h("time", { datetime: ts }, `${dayLabel(ts, Date.now())} ${time(ts)}`)),
      h("span", { class: "snippet" }, snippetParts(hit.snippet).map((part) => part.marked ? h("mark", {}, part.text) : part.text))));
}

/**
 * A report we handle: who was reported and where, why, the message's text as it was reported
 * (as text), and how it was resolved or a button for each of `resolutions` (`onResolve(action)`).
 */
export function reportItem(report, { who, where, resolutions, onResolve }) {
  const resolved = report.resolution;
  return h("li", { class: "report", "data-id": report.id },
    h("p", { class: "report-head" }, h("strong", {}, who), ` · ${where} · `, h("time", { datetime: report.created_at }, time(report.created_at))),
    h("p", { class: "reason" }, `Reason: ${report.reason}`),
    report.evidence !== null && h("blockquote", { class: "evidence" }, report.evidence),
    resolved
      ? h("p", { class: "resolved" }, resolutionText(resolved))
      : h("div", { class: "actions" }, resolutions.map(({ action, label }) =>
        h("button", { type: "button", class: "secondary", "data-control": `resolve ${action}`, onclick: () => onResolve(action) }, label))));
}

/**
 * One entry of the Mentions view: its chat, who wrote it (`author`, null in a direct chat, whose
 * title names them) and when, and its text on a line, the mention of the reader (`myUsername`) marked.
 */
export function mentionItem(message, { title, author, myUsername, onOpen }) {
  const ts = message.ts;
  const text = message.is_deleted
    ? "message deleted"
    : previewParts(message.content ?? "", myUsername).map((part) => part.toMe ? h("span", { class: "mention to-me" }, part.text) : part.text);
  return h("li", {},
    h("button", { type: "button", class: "hit mention-hit", "data-message": message.id, "data-chat": message.chat_id, onclick: onOpen },
      h("span", { class: "hit-head" },
        h("span", { class: "title" }, title),
        h("time", { datetime: ts }, `${dayLabel(ts, Date.now())} ${time(ts)}`)),
      author && h("span", { class: "author" }, author),
      h("span", { class: "snippet" }, text)));
}
