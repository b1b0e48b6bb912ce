// Sending survives a lost answer and a cut WebSocket: every message ends up exactly once, in order.

import { test } from "node:test";
import assert from "node:assert/strict";
import { chatting, launch, messageTexts, send, withScreenshots } from "./support.js";


test("a send whose answer is lost lands once and shows once on both screens", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("lost-answer", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);
      let keys = [];
      await ann.route("**/api/v1/messages", async (route) => {
        keys.push(route.request().headers()["idempotency-key"]);
        if (keys.length === 1) {
          await route.fetch(); // the server stores it...
          await route.abort("failed"); // ...and the answer never arrives
        } else {
          await route.continue();
        }
      });
      await ann.getByLabel("Message", { exact: true }).fill("only once");
      await ann.keyboard.press("Enter");
      await ann.locator('#messages .message[data-state="sent"]', { hasText: "only once" }).waitFor();
      await bob.locator("#messages .message", { hasText: "only once" }).waitFor();
      await ann.waitForTimeout(500); // a duplicate, if any, would show by now
      assert.ok(keys.length >= 2, "the client retried");
      assert.equal(new Set(keys).size, 1, "with one key");
      assert.deepEqual(await messageTexts(ann), ["only once"]);
      assert.deepEqual(await messageTexts(bob), ["only once"]);
    });
  } finally {
    await browser.close();
  }
});

test("messages posted while the WebSocket is down appear on reconnect, in order, none twice", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("reconnect", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);
      await send(ann, "before");
      await bob.locator("#messages .message", { hasText: "before" }).waitFor();

      // Cut Bob's socket and keep him off the network while Ann posts.
      await bob.context().setOffline(true);
      await bob.evaluate(() => window.chatTest.dropSocket());
      await bob.locator("#connection", { hasText: "offline" }).waitFor();
      for (const text of ["missed 1", "missed 2", "missed 3"]) await send(ann, text);
      await bob.context().setOffline(false);
      await bob.locator("#messages .message", { hasText: "missed 3" }).waitFor({ timeout: 20_000 });
      assert.deepEqual(await messageTexts(bob), ["before", "missed 1", "missed 2", "missed 3"]);
    });
  } finally {
    await browser.close();
  }
});

test("a refused send is marked failed with a retry action, and nothing is stored", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("failed-send", () => pages, async () => {
      const { ann } = await chatting(browser, pages);
      // The page's own limit is lifted, so the server is the one to refuse (422, a 4xx: final).
      await ann.evaluate(() => document.getElementById("message-text").removeAttribute("maxlength"));
      await ann.getByLabel("Message", { exact: true }).fill("z".repeat(4001));
      await ann.keyboard.press("Enter");
      const failed = ann.locator('#messages .message[data-state="failed"]');
      await failed.getByRole("button", { name: "Retry" }).waitFor();
      const history = await ann.evaluate(async () => (await fetch(location.origin + "/api/v1/chats", {
        headers: { Authorization: "Bearer " + sessionStorage.getItem("chat.token") } })).json());
      assert.equal(history.chats[0].last_message, null, "nothing was stored");
    });
  } finally {
    await browser.close();
  }
});
