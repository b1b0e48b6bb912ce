// Push notifications in the browser, as far as a headless Chromium goes (it has no push service, so
// no real push and no subscription): the service worker registers with the whole app as its scope;
// a push handed to it through DevTools shows the chat's notification; the chat's address opens it;
// the header's setting is stored on the server and read back.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, chatting, launch, withScreenshots } from "./support.js";

/** The service worker's registration id, from DevTools (what `deliverPushMessage` names it by). */
async function registrationId(page) {
  const cdp = await page.context().newCDPSession(page);
  const found = new Promise((resolve) => cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
    const ours = registrations.find((registration) => registration.scopeURL === `${BASE}/` && !registration.isDeleted);
    if (ours) resolve(ours.registrationId);
  }));
  await cdp.send("ServiceWorker.enable");
  return { cdp, id: await found };
}

/** The notifications `page`'s service worker shows under `tag`: title, body and data. */
async function notificationsShown(page, tag) {
  return page.evaluate(async (tag) => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications({ tag })).map(({ title, body, data }) => ({ title, body, data }));
  }, tag);
}

/**
 * The notifications `page`'s service worker shows under `tag`, once `ready(list)` holds of them
 * (read every 50 ms for up to 5 s; the last list either way). Only while nothing is being shown:
 * see `pushesHandled`.
 */
async function notificationsOnceReady(page, tag, ready) {
  const deadline = Date.now() + 5000;
  let shown = await notificationsShown(page, tag);
  while (!ready(shown) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    shown = await notificationsShown(page, tag);
  }
  return shown;
}

/**
 * The service worker of `context`, made to keep each push event's `waitUntil` promise, so that
 * `pushesHandled` can wait for the worker to be done with a push. The test must not read the
 * notifications while the worker shows one: Chromium's getNotifications() keeps a stored
 * notification only if the platform already reports it displayed (or it was stored after the read
 * began), and deletes the others from its database; a read between the worker's store and the
 * display loses the notification for good (it stays on screen; every later read lists nothing).
 * Reading every 50 ms while the worker handled the push lost it in 4 of 92 runs on two busy cores.
 */
async function watchedWorker(context) {
  const script = `${BASE}/sw.js`;
  const worker = context.serviceWorkers().find((candidate) => candidate.url() === script)
    ?? await context.waitForEvent("serviceworker", { predicate: (candidate) => candidate.url() === script });
  await worker.evaluate(() => {
    const handled = [];
    const waitUntil = ExtendableEvent.prototype.waitUntil;
    ExtendableEvent.prototype.waitUntil = function (promise) {
      if (this.type === "push") handled.push(Promise.resolve(promise).then(() => "handled", (error) => `failed: ${error}`));
      return waitUntil.call(this, promise);
    };
    self.e2ePushes = handled;
  });
  return worker;
}

/**
 * Waits (up to 30 s) until `worker` (from `watchedWorker`) got `count` pushes and is done with
 * them; answers how each went.
 */
async function pushesHandled(worker, count) {
  return worker.evaluate(async (count) => {
    const deadline = Date.now() + 30000;
    while (self.e2ePushes.length < count) {
      if (Date.now() > deadline) return [`only ${self.e2ePushes.length} of ${count} pushes reached the worker`];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Promise.all(self.e2ePushes.slice(0, count));
  }, count);
}

test("the service worker registers, shows a pushed message, and the chat's setting is kept", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("notifications", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);

      const worker = await bob.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        return { scope: registration.scope, script: registration.active.scriptURL };
      });
      assert.deepEqual(worker, { scope: `${BASE}/`, script: `${BASE}/sw.js` });
      await bob.getByRole("button", { name: "Enable notifications" }).waitFor();

      // A push, as the server would send it (decrypted): shown under the chat's tag.
      const chatId = Number(new URL(bob.url()).hash.replace("#chat=", ""));
      assert.ok(chatId > 0, bob.url());
      await bob.context().grantPermissions(["notifications"], { origin: BASE });
      const { cdp, id } = await registrationId(bob);
      const pushes = await watchedWorker(bob.context());
      const payload = { type: "message", chat_id: chatId, message_id: 1, sender_name: "Ann", preview: "lunch?", unread: 2 };
      await cdp.send("ServiceWorker.deliverPushMessage", { origin: BASE, registrationId: id, data: JSON.stringify(payload) });
      assert.deepEqual(await pushesHandled(pushes, 1), ["handled"]);
      assert.deepEqual(await notificationsShown(bob, `chat-${chatId}`), [{ title: "Ann (2 unread)", body: "lunch?", data: { chatId, messageId: 1 } }]);
      // ...and closed by a clear (the chat was read on another device).
      await cdp.send("ServiceWorker.deliverPushMessage", {
        origin: BASE, registrationId: id, data: JSON.stringify({ type: "clear", chat_id: chatId, message_id: 1, unread: 0 }),
      });
      assert.deepEqual(await pushesHandled(pushes, 2), ["handled", "handled"]);
      // A closed notification may still be listed for a moment (the close reaches the browser on
      // the worker's channel, the read on the page's): reading while nothing is shown is harmless.
      assert.deepEqual(await notificationsOnceReady(bob, `chat-${chatId}`, (list) => list.length === 0), []);

      // The chat's address opens it (a notification's click opens a window there).
      await ann.goto(`${BASE}/#chat=${chatId}`);
      await ann.locator("#chat").waitFor({ state: "visible" });
      await ann.locator("#connection", { hasText: "live" }).waitFor();

      // A direct chat notifies of every message until told otherwise; a mute for an hour says until when.
      const setting = ann.getByLabel("Notifications for this chat");
      await ann.waitForFunction(() => document.getElementById("notify-level").value === "all");
      await setting.selectOption("mentions");
      await ann.waitForFunction(() => document.getElementById("notify-level").value === "mentions");
      await setting.selectOption("mute-1h");
      await ann.locator("#notify-level option:checked", { hasText: "Muted until" }).waitFor({ state: "attached" });
      await ann.reload();
      await ann.locator("#chat").waitFor({ state: "visible" });
      await ann.locator("#notify-level option:checked", { hasText: "Muted until" }).waitFor({ state: "attached" });
    });
  } finally {
    await browser.close();
  }
});
