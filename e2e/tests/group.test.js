// A group's life in the browser: made with members, renamed, a member added and removed, the last
// owner kept from leaving; a long history read back page by page; a reply quoting its message.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, launch, registerOverRest, rest, signUp, startChat, uniqueName, withScreenshots } from "./support.js";

test("a group is made, renamed and its members changed; history scrolls back; replies quote", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("group", () => pages, async () => {
      const [annName, bobName, carolName] = [uniqueName("ann"), uniqueName("bob"), uniqueName("carol")];
      const bobSession = await registerOverRest(bobName);
      await registerOverRest(carolName);
      const ann = await signUp(browser, annName);
      pages.push(ann);

      await startChat(ann, [bobName], "Launch");
      await ann.locator("#chat-title", { hasText: "Launch" }).waitFor();

      ann.once("dialog", (dialog) => dialog.accept("Launch day"));
      await ann.getByRole("button", { name: "Rename" }).click();
      await ann.locator("#chat-list button", { hasText: "Launch day" }).waitFor();

      await ann.getByRole("button", { name: "Members" }).click();
      await ann.getByLabel("Add").fill(carolName);
      await ann.getByRole("button", { name: "Add", exact: true }).click();
      await ann.locator("#member-list li", { hasText: `@${carolName}` }).waitFor();
      await ann.getByRole("button", { name: new RegExp(`^Remove ${carolName}$`) }).click();
      await ann.locator("#member-list li", { hasText: `@${carolName}` }).waitFor({ state: "detached" });

      // Bob wrote 60 messages: the first page shows the newest 50, the rest come on request.
      const chatId = (await rest("GET", "/chats", bobSession.token)).chats[0].id;
      for (let n = 1; n <= 60; n++) await rest("POST", "/messages", bobSession.token, { chat_id: chatId, content: `note ${n}` });
      await ann.locator("#messages .message", { hasText: "note 60" }).waitFor();
      await ann.reload();
      await ann.locator("#connection", { hasText: "live" }).waitFor();
      await ann.locator("#chat-list button", { hasText: "Launch day" }).click();
      await ann.locator("#messages .message", { hasText: "note 60" }).waitFor();
      assert.equal(await ann.locator("#messages .message .body", { hasText: /^note 1$/ }).count(), 0, "older than the first page");
      await ann.getByRole("button", { name: "Load older messages" }).click();
      await ann.locator("#messages .message .body", { hasText: /^note 1$/ }).waitFor();
      await ann.locator("#messages").evaluate((list) => { list.scrollTop = 0; list.dispatchEvent(new Event("scroll")); });
      await ann.getByRole("button", { name: "Jump to the newest" }).click();

      await ann.locator("#messages .message", { hasText: "note 60" }).getByRole("button", { name: "Reply", exact: true }).click();
      await ann.getByLabel("Message", { exact: true }).fill("agreed");
      await ann.keyboard.press("Enter");
      const reply = ann.locator('#messages .message[data-state="sent"]', { hasText: "agreed" });
      await reply.locator(".quote", { hasText: "note 60" }).waitFor();

      // The only owner cannot leave: the refusal is shown, and the chat stays.
      await ann.getByRole("button", { name: "Members" }).click();
      await ann.getByRole("button", { name: "Leave this chat" }).click();
      await ann.locator("#members-error", { hasText: /owner/ }).waitFor();
      await ann.locator("#chat-list button", { hasText: "Launch day" }).waitFor();
    });
  } finally {
    await browser.close();
  }
});

test("on a phone-sized screen the chat list and the conversation take turns, by keyboard too", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("phone", () => pages, async () => {
      const bobName = uniqueName("bob");
      await registerOverRest(bobName);
      const ann = await signUp(browser, uniqueName("ann"));
      pages.push(ann);
      await ann.setViewportSize({ width: 390, height: 800 });
      await startChat(ann, [bobName]);
      assert.equal(await ann.locator("#chat-list").isVisible(), false, "the conversation fills the screen");
      await ann.locator("#message-text:focus").waitFor(); // opening a chat puts the cursor in the composer
      await ann.keyboard.type("typed without a mouse");
      await ann.keyboard.press("Enter");
      await ann.locator('#messages .message[data-state="sent"]', { hasText: "typed without a mouse" }).waitFor();
      await ann.screenshot({ path: join(ARTIFACTS, "phone-conversation.png") });
      await ann.getByRole("button", { name: "Back to the chat list" }).click();
      await ann.locator("#chat-list button", { hasText: "typed without a mouse" }).waitFor();
      assert.equal(await ann.locator("#messages").isVisible(), false);
      await ann.screenshot({ path: join(ARTIFACTS, "phone-chat-list.png") });
    });
  } finally {
    await browser.close();
  }
});
