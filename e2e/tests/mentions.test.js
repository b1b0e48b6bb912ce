// Mentions: `@` in the composer completes a member of the chat (by username or display name, by
// keyboard and by mouse); the mentioned user sees the mention highlighted, the count of unread
// mentions beside the Mentions button, and their mentions listed (live), one click opening the
// chat at it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { ARTIFACTS, launch, rest, signIn, signUp, startChat, uniqueName, withScreenshots } from "./support.js";

test("an @ completion mentions bob, who finds it in his Mentions and opens the chat at it", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("mentions", () => pages, async () => {
      const bobName = uniqueName("bob");
      await rest("POST", "/auth/register", null, { username: bobName, password: "correct horse battery", display_name: "Bob Stone" });
      const bob = await signIn(browser, bobName);
      const ann = await signUp(browser, uniqueName("ann"));
      pages.push(ann, bob);
      await startChat(ann, [bobName]);

      // Keyboard: `@bo` offers Bob; the arrows go round, Enter takes him (and sends nothing).
      const composer = ann.getByRole("combobox", { name: "Message" });
      await composer.pressSequentially("Hi @bo");
      const option = ann.locator("#message-suggestions").getByRole("option", { name: new RegExp(`Bob Stone @${bobName}`) });
      await option.waitFor();
      assert.equal(await composer.getAttribute("aria-expanded"), "true");
      await ann.screenshot({ path: join(ARTIFACTS, "mentions-complete.png") });
      await composer.press("ArrowDown");
      await composer.press("ArrowUp");
      assert.equal(await composer.getAttribute("aria-activedescendant"), await option.getAttribute("id"));
      await composer.press("Enter");
      assert.equal(await composer.inputValue(), `Hi @${bobName} `);
      assert.equal(await ann.locator("#message-suggestions").isVisible(), false);
      assert.equal(await ann.locator("#messages .message").count(), 0, "Enter took the suggestion, it did not send");
      await composer.pressSequentially("the plan is ready");
      await composer.press("Enter");
      const planText = `Hi @${bobName} the plan is ready`;
      await ann.locator('#messages .message[data-state="sent"]', { hasText: planText }).waitFor();

      // Escape closes the list; typing on offers it again, by a word of the display name; a click takes one.
      await composer.pressSequentially("thanks @");
      await option.waitFor();
      await composer.press("Escape");
      await ann.locator("#message-suggestions").waitFor({ state: "hidden" });
      await composer.pressSequentially("sto");
      await option.click();
      assert.equal(await composer.inputValue(), `thanks @${bobName} `);
      await composer.press("Tab"); // nothing offered now: Tab leaves the field, as always
      await composer.focus();
      await composer.press("End");
      await composer.pressSequentially("again");
      await composer.press("Enter");
      await ann.locator('#messages .message[data-state="sent"]', { hasText: `thanks @${bobName} again` }).waitFor();
      // Ann's own view marks no mention as hers.
      assert.equal(await ann.locator("#messages .mention.to-me").count(), 0);
      assert.equal(await ann.locator("#messages .mention").count(), 2);

      // Enough after the mentions that the first one is not on the newest page.
      const token = await ann.evaluate(() => sessionStorage.getItem("chat.token"));
      const chatId = (await rest("GET", "/chats", token)).chats[0].id;
      for (let i = 1; i <= 55; i++) {
        await rest("POST", "/messages", token, { chat_id: chatId, content: `later ${i}` }, { "Idempotency-Key": randomUUID() });
      }

      // Bob, in no chat yet: the count of his unread mentions beside the Mentions button.
      await bob.locator("#mentions-count", { hasText: "2" }).waitFor();
      await bob.locator("#chat-list .unread.mentions", { hasText: "@2" }).waitFor();
      const mentionsButton = bob.getByRole("button", { name: "Mentions, 2 unread" });
      await mentionsButton.click();
      const entries = bob.locator("#mention-list .mention-hit");
      await entries.nth(1).waitFor();
      assert.equal(await entries.count(), 2);
      assert.equal(await bob.locator("#chat-list").isVisible(), false);
      const first = entries.filter({ hasText: "the plan is ready" });
      // A direct chat's title names the author: the entry does not name them twice.
      assert.match(await first.locator(".title").textContent(), /^ann/);
      assert.equal(await first.locator(".author").count(), 0);
      assert.equal(await first.locator(".mention.to-me").textContent(), `@${bobName}`);

      await first.click();
      const highlighted = bob.locator("#messages .message.highlight");
      await highlighted.waitFor();
      assert.equal(await highlighted.locator(".body").textContent(), planText);
      assert.equal(await highlighted.locator(".mention.to-me").textContent(), `@${bobName}`);
      // Read in one go in the page: the list may be drawn again (receipts) between two steps.
      const inView = await bob.evaluate(() => {
        const list = document.getElementById("messages");
        const [box, bounds] = [list.querySelector(".message.highlight").getBoundingClientRect(), list.getBoundingClientRect()];
        return box.top >= bounds.top && box.bottom <= bounds.bottom;
      });
      assert.ok(inView, "the message opened at is in view");
      assert.equal(await bob.locator("#messages .message", { hasText: "later 55" }).count(), 0);
      // Opened, the chat is read: no mention is left unread.
      await bob.locator("#mentions-count").waitFor({ state: "hidden" });

      // A mention that comes while the view is open goes on top of it.
      await rest("POST", "/messages", token, { chat_id: chatId, content: `one more thing, @${bobName}` }, { "Idempotency-Key": randomUUID() });
      await entries.first().filter({ hasText: "one more thing" }).waitFor();
      assert.equal(await entries.count(), 3);
      await bob.screenshot({ path: join(ARTIFACTS, "mentions.png") });

      // The button closes the view: the chat list is back.
      await bob.getByRole("button", { name: "Mentions", exact: true }).click();
      await bob.locator("#chat-list").waitFor();
      assert.equal(await bob.locator("#mentions-view").isVisible(), false);
    });
  } finally {
    await browser.close();
  }
});
