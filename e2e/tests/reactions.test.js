// Reactions: a message shows only the reactions it has, with who reacted; its actions appear on
// hover or focus; a picker adds one (found by name, or any emoji typed); a click on one takes
// mine back or adds it. Each shows on the other side, live.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, send, withScreenshots } from "./support.js";

/**
 * Waits until the focus is in the message saying `text` and its action buttons show. Asked in one
 * go in the page: a locator's evaluate resolves the element first and asks it next, and a late
 * redraw in between (of one's own reaction change, a delivery tick) leaves it asking a replaced one.
 */
async function focusShowsActions(page, text) {
  await page.waitForFunction((wanted) => {
    const message = document.activeElement?.closest("#messages .message");
    return message?.textContent.includes(wanted) && getComputedStyle(message.querySelector(".toolbar")).opacity === "1";
  }, text, { timeout: 5000 });
}

test("reacting with a picked emoji shows on the other side, with who reacted", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("reactions", () => pages, async () => {
      const { ann, bob, annName } = await chatting(browser, pages);
      await send(ann, "Ship it on Friday?");
      const onBob = bob.locator("#messages .message", { hasText: "Ship it on Friday?" });
      const onAnn = ann.locator("#messages .message", { hasText: "Ship it on Friday?" });
      await onBob.waitFor();

      // No reactions yet: nothing drawn; the actions wait for the pointer or the focus.
      assert.equal(await onBob.locator(".reaction").count(), 0);
      await bob.mouse.move(0, 0);
      await bob.waitForFunction(() => getComputedStyle(document.querySelector("#messages .message .toolbar")).opacity === "0");
      await onBob.hover();
      await bob.waitForFunction(() => getComputedStyle(document.querySelector("#messages .message .toolbar")).opacity === "1");
      await bob.mouse.move(0, 0);
      await onBob.getByRole("button", { name: "React", exact: true }).focus(); // by keyboard
      await focusShowsActions(bob, "Ship it on Friday?");

      // The picker: found by name, picked by keyboard.
      await bob.keyboard.press("Enter");
      const filter = bob.getByLabel("Find an emoji, or type one");
      await filter.waitFor();
      assert.equal(await bob.locator("#emoji-choices button").count(), 12);
      await bob.screenshot({ path: join(ARTIFACTS, "reaction-picker.png") });
      await filter.fill("rock");
      assert.deepEqual(await bob.locator("#emoji-choices button").allTextContents(), ["🚀"]);
      await filter.press("Enter");
      await bob.locator("#emoji-picker").waitFor({ state: "hidden" });
      const rocket = onAnn.getByRole("button", { name: /^🚀 1, reacted by / });
      await rocket.waitFor();
      assert.equal(await rocket.getAttribute("aria-pressed"), "false");
      assert.match(await rocket.getAttribute("title"), /^Reacted by bob/);

      // Any emoji typed.
      await onBob.getByRole("button", { name: "React", exact: true }).click();
      await filter.fill("🦄");
      await bob.getByRole("button", { name: "🦄", exact: true }).click();
      await onAnn.getByRole("button", { name: /^🦄 1, reacted by / }).waitFor();

      // Ann's click on Bob's reaction adds hers; both see two, and who.
      await rocket.click();
      await onBob.getByRole("button", { name: `🚀 2, reacted by you and ${annName}` }).waitFor();
      await onAnn.getByRole("button", { name: /^🚀 2, reacted by you and bob/ }).waitFor();
      assert.equal(await onAnn.locator(".reaction", { hasText: "🚀" }).getAttribute("aria-pressed"), "true");
      await ann.mouse.move(0, 0);
      await ann.screenshot({ path: join(ARTIFACTS, "reactions.png") });

      // Clicking it again takes hers back.
      await onAnn.locator(".reaction", { hasText: "🚀" }).click();
      await onBob.getByRole("button", { name: /^🚀 1, reacted by you$/ }).waitFor();

      // Escape closes the picker and gives the focus back to the message.
      await onAnn.getByRole("button", { name: "React", exact: true }).click();
      await ann.getByLabel("Find an emoji, or type one").waitFor();
      await ann.keyboard.press("Escape");
      await ann.locator("#emoji-picker").waitFor({ state: "hidden" });
      await focusShowsActions(ann, "Ship it on Friday?");
    });
  } finally {
    await browser.close();
  }
});
