// Blocking from a direct chat's member list: the blocked person's sends there are refused (marked
// failed, with a retry), and go through again once unblocked.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, send, withScreenshots } from "./support.js";

test("a blocked person's message is refused; after unblocking their retry lands", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("blocks", () => pages, async () => {
      const { ann, bob, bobName } = await chatting(browser, pages);
      await send(bob, "hi ann");
      await ann.locator("#messages .message", { hasText: "hi ann" }).waitFor();

      await ann.getByRole("button", { name: "Members" }).click();
      const toggle = ann.locator("#member-list [data-control=block]");
      await toggle.click();
      await ann.locator("#member-list [data-control=block][aria-pressed=true]", { hasText: "Unblock" }).waitFor();
      // Read again from the server on a fresh page.
      await ann.reload();
      await ann.locator("#connection", { hasText: "live" }).waitFor();
      await ann.locator("#chat-list button").first().click();
      await ann.getByRole("button", { name: "Members" }).click();
      await ann.locator("#member-list [data-control=block][aria-pressed=true]").waitFor();
      assert.match(await toggle.getAttribute("aria-label"), new RegExp(`^Unblock ${bobName}`));
      await ann.screenshot({ path: join(ARTIFACTS, "blocked.png") });

      await bob.getByLabel("Message", { exact: true }).fill("are you there?");
      await bob.keyboard.press("Enter");
      const failed = bob.locator('#messages .message[data-state="failed"]', { hasText: "are you there?" });
      await failed.waitFor();

      await toggle.click();
      await ann.locator("#member-list [data-control=block][aria-pressed=false]", { hasText: "Block" }).waitFor();
      await failed.getByRole("button", { name: "Retry" }).click();
      await bob.locator('#messages .message[data-state="sent"]', { hasText: "are you there?" }).waitFor();
      await ann.locator("#messages .message", { hasText: "are you there?" }).waitFor();
    });
  } finally {
    await browser.close();
  }
});
