// People: the new-chat form completes usernames from the directory as one types, by keyboard;
// people are named by their display names; a changed display name reaches the other person.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, rest, send, signUp, uniqueName, withScreenshots } from "./support.js";

test("completing a username from the directory starts a direct chat, titled by the display name", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("people-complete", () => pages, async () => {
      const bobName = uniqueName("bob");
      await rest("POST", "/auth/register", null, { username: bobName, password: "correct horse battery", display_name: "Bob Stone" });
      const ann = await signUp(browser, uniqueName("ann"));
      pages.push(ann);

      const field = ann.getByRole("combobox", { name: "New chat with" });
      await field.pressSequentially(bobName.slice(0, -1));
      const option = ann.getByRole("option", { name: new RegExp(`Bob Stone @${bobName}`) });
      await option.waitFor();
      assert.equal(await field.getAttribute("aria-expanded"), "true");
      await ann.screenshot({ path: join(ARTIFACTS, "people-complete.png") });
      // The arrows go round the list; the highlighted one is the combobox's active option.
      await field.press("ArrowDown");
      await field.press("ArrowUp");
      const active = await field.getAttribute("aria-activedescendant");
      assert.equal(await option.getAttribute("id"), active);
      assert.equal(await option.getAttribute("aria-selected"), "true");
      await field.press("Enter"); // takes the suggestion; the form is not sent yet
      assert.equal(await field.inputValue(), `${bobName}, `);
      assert.equal(await ann.locator("#new-chat-suggestions").isVisible(), false);
      assert.equal(await ann.locator("#chat").isVisible(), false);

      await field.press("Enter");
      await ann.locator("#chat-title", { hasText: "Bob Stone" }).waitFor();
      await ann.locator("#chat-list button .title", { hasText: "Bob Stone" }).waitFor();

      // Escape closes the suggestions, and typing on offers them again.
      await field.pressSequentially(bobName.slice(0, 4));
      await ann.locator("#new-chat-suggestions").getByRole("option").first().waitFor();
      await field.press("Escape");
      await ann.locator("#new-chat-suggestions").waitFor({ state: "hidden" });
    });
  } finally {
    await browser.close();
  }
});

test("a changed display name shows on both sides", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("people-rename", () => pages, async () => {
      const { ann, bob, annName } = await chatting(browser, pages);
      await send(ann, "before the new name");
      await bob.locator("#messages .message", { hasText: "before the new name" }).waitFor();

      ann.once("dialog", (dialog) => dialog.accept("Ann Lee"));
      await ann.getByRole("button", { name: "Change your display name" }).click();
      await ann.locator("#me-name", { hasText: "Ann Lee" }).waitFor();
      await ann.locator("#messages .message.mine", { hasText: "before the new name" }).locator(".author", { hasText: "Ann Lee" }).waitFor();
      await send(ann, "after it");

      // Bob reads Ann's name again as he opens the chat: the list, the header, the messages, the members.
      await bob.locator("#messages .message", { hasText: "after it" }).waitFor();
      await bob.locator("#chat-list button").first().click();
      await bob.locator("#chat-title", { hasText: "Ann Lee" }).waitFor();
      await bob.locator("#chat-list button .title", { hasText: "Ann Lee" }).waitFor();
      await bob.locator("#messages .message", { hasText: "before the new name" }).locator(".author", { hasText: "Ann Lee" }).waitFor();
      await bob.getByRole("button", { name: "Members" }).click();
      await bob.locator("#member-list li", { hasText: `@${annName}` }).locator(".name", { hasText: "Ann Lee" }).waitFor();
    });
  } finally {
    await browser.close();
  }
});
