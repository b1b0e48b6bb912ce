// Search from the sidebar: a Russian word finds a message by another of its forms, the matched
// words are marked, and a hit opens its chat at the message, highlighted, with the newer ones a
// click away.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, rest, withScreenshots } from "./support.js";

test("a search finds a message by another form of its word and opens the chat at it", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("search", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);
      const token = await bob.evaluate(() => sessionStorage.getItem("chat.token"));
      const chatId = (await rest("GET", "/chats", token)).chats[0].id;
      const post = (content) => rest("POST", "/messages", token, { chat_id: chatId, content }, { "Idempotency-Key": randomUUID() });
      // The message to find, then enough after it that it is not on the newest page.
      await post("Новые сообщения выходят в пятницу");
      for (let i = 1; i <= 60; i++) await post(`later ${i}`);
      // The index follows the event log: found a moment after the create answered.
      for (let tries = 0; (await rest("GET", `/search?q=${encodeURIComponent("пятница")}`, token)).hits.length === 0; tries++) {
        assert.ok(tries < 100, "the server never indexed the message");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      await ann.getByLabel("Search messages").fill("сообщение");
      const hit = ann.locator("#hit-list .hit", { hasText: "пятницу" });
      await hit.waitFor();
      assert.equal(await hit.locator("mark").textContent(), "сообщения");
      assert.equal(await ann.locator("#chat-list").isVisible(), false);
      await ann.screenshot({ path: join(ARTIFACTS, "search.png") });

      await hit.click();
      const highlighted = ann.locator("#messages .message.highlight");
      await highlighted.waitFor();
      assert.match(await highlighted.locator(".body").textContent(), /пятницу/);
      // Asked of the element as it is now: a live event (Bob's last posts, a receipt) may render
      // the list again between finding the element and measuring it, leaving the old one outside.
      const inView = () => highlighted.evaluate((item) => {
        const list = item.closest("#messages");
        if (list === null) return false;
        const [box, frame] = [item.getBoundingClientRect(), list.getBoundingClientRect()];
        return box.top >= frame.top && box.bottom <= frame.bottom;
      });
      for (let tries = 0; !(await inView()); tries++) {
        assert.ok(tries < 40, "the message opened at is in view");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(await ann.locator("#messages .message", { hasText: "later 60" }).count(), 0);
      // Clearing the box brings the chat list back.
      await ann.getByLabel("Search messages").fill("");
      await ann.locator("#chat-list").waitFor();

      // A live message reaches the chat list, but waits for the newer ones rather than standing
      // after a gap in the conversation.
      await post("live one");
      await ann.locator("#chat-list .last", { hasText: "live one" }).waitFor();
      assert.equal(await ann.locator("#messages .message", { hasText: "live one" }).count(), 0);
      assert.equal(await ann.getByRole("button", { name: "Load newer messages" }).isVisible(), true);

      await ann.getByRole("button", { name: "Jump to the newest" }).click();
      await ann.locator("#messages .message", { hasText: "live one" }).waitFor();
      await ann.locator("#messages .message", { hasText: "later 60" }).waitFor();
      assert.equal(await ann.locator("#messages .message.highlight").count(), 0);
      assert.equal(await ann.getByRole("button", { name: "Load newer messages" }).isVisible(), false);
    });
  } finally {
    await browser.close();
  }
});
