// This browser's side of push notifications: the service worker (sw.js) registered at the root,
// the permission, the Push API subscription, and which of the server's subscriptions (its id) it
// is. What to send and show is decided in push.js and model.js; the controller runs the flow.

import { sameKey } from "./push.js";

/** Whether this browser can get Web Push on this page (secure page, service worker, Push API). */
export function supported() {
  return window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** "granted", "denied" or "default" (not asked yet). */
export function permission() {
  return Notification.permission;
}

/** Asks the user, which browsers allow only in answer to a click. Answers the permission. */
export function askPermission() {
  return Notification.requestPermission();
}

/** Registers the service worker (a module) with the whole app as its scope. */
export function registerWorker() {
  return navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
}

/** `handler(chatId)` when a click on a notification asks this window to open a chat. */
export function onOpenChat(handler) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "open-chat" && Number.isSafeInteger(event.data.chat_id)) handler(event.data.chat_id);
  });
}

/** `handler()` when the service worker renewed the push subscription (sw.js). */
export function onRenewed(handler) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "push-renewed") handler();
  });
}

/** The browser's push subscription for this site, or null. */
export async function subscription() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

/**
 * A push subscription for the server's VAPID key (`key`, bytes): the one there is if it was made
 * for that key, else a new one (a subscription for another key cannot carry this server's pushes).
 */
export async function subscribe(key) {
  const registration = await navigator.serviceWorker.ready;
  const existing = await registration.pushManager.getSubscription();
  if (existing && sameKey(existing.options.applicationServerKey, key)) return existing;
  await existing?.unsubscribe();
  return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
}

const RECORD = "chat.push";

/**
 * Which server subscription this browser's is: `{ user_id, endpoint, id }`, kept across tabs and
 * restarts (a session token is per tab; the subscription is the browser's), or null.
 */
export function remembered() {
  try {
    return JSON.parse(localStorage.getItem(RECORD));
  } catch {
    return null;
  }
}

export function remember(record) {
  if (record) localStorage.setItem(RECORD, JSON.stringify(record));
  else localStorage.removeItem(RECORD);
}
