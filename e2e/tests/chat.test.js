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
      await annMessage.getByRole("button", { name: "React", exact: true }).click();
      await bob.getByRole("button", { name: "thumbs up", exact: true }).click();
      await ann.locator("#messages .message", { hasText: "hello bob" }).getByRole("button", { name: /^👍 1, reacted by / }).waitFor();

      ann.once("dialog", (dialog) => dialog.accept("hello, bob!"));
      await ann.locator("#messages .message", { hasText: "hello bob" }).getByRole("button", { name: "Edit" }).click();
      await bob.locator("#messages .message", { hasText: "hello, bob!" }).locator(".meta", { hasText: "edited" }).waitFor();

      // Read ticks: Bob has the chat open, so Ann's message turns "read".
      await ann.locator("#messages .message.mine", { hasText: "hello, bob!" }).locator('[data-status="read"]').waitFor();

      bob.once("dialog", (dialog) => dialog.accept());
      await bob.locator("#messages .message", { hasText: "on my way" }).getByRole("button", { name: "Delete" }).click();
      await ann.locator("#messages .message.deleted", { hasText: "message deleted" }).waitFor();
      assert.deepEqual(await messageTexts(ann), ["hello, bob!", "message deleted"]);

      // The main screen as people see it: a conversation with reactions, the other person online.
      await send(bob, "The release notes are ready for review 🚀");
      await send(ann, "Great, reading them now. Anything I should look at first?");
      await send(bob, "The migration section, and the new dry-run flag");
      const notes = ann.locator("#messages .message", { hasText: "release notes" });
      for (const name of ["rocket", "eyes"]) {
        await notes.getByRole("button", { name: "React", exact: true }).click();
        await ann.getByRole("button", { name, exact: true }).click();
      }
      await bob.locator("#messages .message", { hasText: "release notes" }).getByRole("button", { name: /^🚀 1, reacted by / }).click();
      await notes.getByRole("button", { name: /^🚀 2, reacted by you and / }).waitFor();
      await ann.locator('#chat-list button .presence[data-status="online"]').waitFor();
      await ann.mouse.move(0, 0);
      await ann.evaluate(() => document.activeElement?.blur()); // the last React button had it back
      await ann.waitForFunction(() => [...document.querySelectorAll("#messages .toolbar")].every((bar) => getComputedStyle(bar).opacity === "0"));
      await ann.locator("#typing").filter({ hasText: /^$/ }).waitFor();
      await ann.screenshot({ path: join(ARTIFACTS, "main-screen.png") });
    });
  } finally {
    await browser.close();
  }
});
