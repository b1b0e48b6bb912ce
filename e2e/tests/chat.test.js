// Two people chat in two browsers: everything one does appears on the other's screen, live.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, launch, messageTexts, send, signUp, startChat, uniqueName, withScreenshots } from "./support.js";

test("two users chat: messages, reactions, edits, deletes and typing appear on the other side", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("chat", () => pages, async () => {
      const [annName, bobName] = [uniqueName("ann"), uniqueName("bob")];
      const ann = await signUp(browser, annName);
      const bob = await signUp(browser, bobName);
      pages.push(ann, bob);

      await startChat(ann, [bobName]);
      await send(ann, "hello bob");

      // The chat appears in Bob's list without a reload, with its unread message.
      await bob.locator("#chat-list button", { hasText: "hello bob" }).click();
      await bob.locator("#messages .message", { hasText: "hello bob" }).waitFor();

      await bob.getByLabel("Message", { exact: true }).pressSequentially("on my way");
      await ann.locator("#typing", { hasText: "is typing" }).waitFor();
      await bob.keyboard.press("Enter");
      await ann.locator("#messages .message", { hasText: "on my way" }).waitFor();

      const annMessage = bob.locator("#messages .message", { hasText: "hello bob" });
      await annMessage.getByRole("button", { name: /👍 reaction/ }).click();
      await ann.locator("#messages .message", { hasText: "hello bob" }).getByRole("button", { name: "👍 reaction, 1" }).waitFor();

      ann.once("dialog", (dialog) => dialog.accept("hello, bob!"));
      await ann.locator("#messages .message", { hasText: "hello bob" }).getByRole("button", { name: "Edit" }).click();
      await bob.locator("#messages .message", { hasText: "hello, bob!" }).locator(".meta", { hasText: "edited" }).waitFor();

      // Read ticks: Bob has the chat open, so Ann's message turns "read".
      await ann.locator("#messages .message.mine", { hasText: "hello, bob!" }).locator('[data-status="read"]').waitFor();

      bob.once("dialog", (dialog) => dialog.accept());
      await bob.locator("#messages .message", { hasText: "on my way" }).getByRole("button", { name: "Delete" }).click();
      await ann.locator("#messages .message.deleted", { hasText: "message deleted" }).waitFor();
      assert.deepEqual(await messageTexts(ann), ["hello, bob!", "message deleted"]);

      await ann.screenshot({ path: join(ARTIFACTS, "main-screen.png") });
    });
  } finally {
    await browser.close();
  }
});
