// Who is online, as people read it: "online", or when they were last seen (API.md, "Presence";
// `presence.updated` in EVENTS.md). Pure: test/presence.test.js runs it under `node --test`.

import { dayLabel } from "./timeline.js";

const MINUTE_MS = 60 * 1000;

/** A time of day as the page shows it ("14:05"). */
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * `presence` (`{ status, last_seen_at }`, or undefined while unknown) at `now` (ms): "online",
 * "last seen just now", "… 5 minutes ago", "… today at 14:05", "… yesterday at 09:12", or the
 * day; "" while unknown. Within the hour it counts minutes, so the page redraws it as time passes.
 */
export function presenceText(presence, now) {
  if (!presence) return "";
  if (presence.status === "online") return "online";
  if (!presence.last_seen_at) return "offline";
  const seen = Date.parse(presence.last_seen_at);
  const minutes = Math.floor((now - seen) / MINUTE_MS);
  if (minutes < 1) return "last seen just now";
  if (minutes < 60) return `last seen ${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const day = dayLabel(seen, now);
  if (day === "Today" || day === "Yesterday") return `last seen ${day.toLowerCase()} at ${clock(seen)}`;
  return `last seen ${day}`;
}

/** Whether `presence` is online (unknown is not). */
export function isOnline(presence) {
  return presence?.status === "online";
}

/** How a presence frame or a member's `presence` is kept: only what the page reads. */
export function presenceOf({ status, last_seen_at: lastSeen }) {
  return { status, last_seen_at: lastSeen ?? null };
}
