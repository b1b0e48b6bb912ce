// The service worker (a module, registered by notifications.js from the root so that its scope is
// the whole app): shows each Web Push as a notification, closes a chat's notifications when the
// chat was read elsewhere, opens the chat on a click, and subscribes again when the push service
// rotates the subscription. What to do is decided in push.js; this
// only asks the browser for what it needs and carries the decision out.

import { chatTag, chatUrl, pushAction, windowFor } from "./push.js";

/** The app's open windows, as push.js takes them. */
async function openWindows() {
  const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  return clients.map((client) => ({ client, url: client.url, focused: client.focused, visible: client.visibilityState === "visible" }));
}

function decode(data) {
  try {
    return data?.json() ?? null;
  } catch {
    return null; // not JSON: shown as a plain notification
  }
}

async function onPush(payload) {
  const tagged = payload?.chat_id !== undefined ? await self.registration.getNotifications({ tag: chatTag(payload.chat_id) }) : [];
  const action = pushAction(payload, { shown: tagged.map((notification) => notification.data), windows: await openWindows() });
  if (action.do === "close") {
    for (const notification of await self.registration.getNotifications({ tag: action.tag })) notification.close();
  } else if (action.do === "show") {
    await self.registration.showNotification(action.title, action.options);
  }
}

async function onClick(notification) {
  notification.close();
  const chatId = notification.data?.chatId ?? null;
  const target = windowFor(chatId, await openWindows());
  if (target) {
    await target.client.focus();
    if (chatId !== null) target.client.postMessage({ type: "open-chat", chat_id: chatId });
    return;
  }
  await self.clients.openWindow(chatId === null ? "/" : chatUrl(self.location.origin, chatId));
}

/**
 * The push service replaced or expired the subscription: subscribe again with the same server key
 * (unless the browser did already), and tell the open windows, which register it with the server
 * (this worker holds no session token). With no window open, the next page load does it.
 */
async function onSubscriptionChange(event) {
  const key = event.oldSubscription?.options?.applicationServerKey;
  const renewed = event.newSubscription
    ?? (key ? await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }) : null);
  if (!renewed) return;
  for (const { client } of await openWindows()) client.postMessage({ type: "push-renewed" });
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
// Pushes are handled one after another. Concurrently, a `clear` could list a chat's notifications
// while a message push was still showing one and close nothing, leaving it stale; and Chromium
// deletes a stored notification that a listing finds not yet displayed.
let pushes = Promise.resolve();
self.addEventListener("push", (event) => {
  const payload = decode(event.data);
  const handled = pushes.then(() => onPush(payload));
  pushes = handled.catch(() => {});
  event.waitUntil(handled);
});
self.addEventListener("notificationclick", (event) => event.waitUntil(onClick(event.notification)));
self.addEventListener("pushsubscriptionchange", (event) => event.waitUntil(onSubscriptionChange(event)));
