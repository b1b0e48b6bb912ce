// Coming back to a chat: a separator names the day, a divider marks where the unread messages
// begin, one author's run is named once, and the tab's title counts what is unread until read.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, send, signIn, withScreenshots } from "./support.js";

/** The open chat as laid out: `day:<label>`, `new`, or a message's text (`+` when continued). */
async function layout(page) {
  return page.locator("#messages > li").evaluateAll((items) => items.map((item) => {
    if (item.classList.contains("day")) return `day:${item.textContent}`;
    if (item.classList.contains("new-divider")) return "new";
    return `${item.classList.contains("continued") ? "+" : ""}${item.querySelector(".body").textContent}`;
  }));
}

test("unread messages begin at a divider, one author's run is named once, the tab counts them", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("reading", () => pages.filter((page) => !page.isClosed()), async () => {
      const { ann, bob, annName } = await chatting(browser, pages);
      await send(ann, "Are you there?");
      await send(bob, "Yes");
      // Ann read it (her open chat marks it read): Bob's ticks say so.
      await bob.locator("#messages .message", { hasText: "Yes" }).locator('.ticks[data-status="read"]').waitFor();
      await ann.context().close();

      for (const text of ["One", "Two", "Three"]) await send(bob, text);
      const back = await signIn(browser, annName);
      pages.push(back);
      await back.waitForFunction(() => document.title === "(3) Chat");
      await back.locator("#chat-list button").first().click();
      await back.locator("#messages .message", { hasText: "Three" }).waitFor();
      assert.deepEqual(await layout(back), ["day:Today", "Are you there?", "Yes", "new", "One", "+Two", "+Three"]);
      // Read now: the count leaves the title; the divider stays while the chat is open.
      await back.waitForFunction(() => document.title === "Chat");
      await send(back, "Back");
      assert.deepEqual(await layout(back), ["day:Today", "Are you there?", "Yes", "new", "One", "+Two", "+Three", "Back"]);
      // The author of a continued message is still read out.
      assert.equal(await back.locator("#messages .message.continued .author").first().textContent(), await back.locator("#messages .message", { hasText: "One" }).locator(".author").textContent());
      await back.screenshot({ path: join(ARTIFACTS, "reading.png") });
    });
  } finally {
    await browser.close();
  }
});
