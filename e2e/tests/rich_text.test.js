// Marks in a message render on the other side (bold, italic, code, links, a mention of the
// reader highlighted), and markup in a message is shown as text, never run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, send, withScreenshots } from "./support.js";

test("Markdown renders for the reader; HTML in a message is text", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("rich-text", () => pages, async () => {
      const { ann, bob, bobName } = await chatting(browser, pages);

      // Sent as typed; shown with its marks read, so without them.
      await ann.getByLabel("Message", { exact: true }).fill(`**launch** at _noon_, @${bobName}: run \`make run\`, notes at https://example.org/launch.`);
      await ann.keyboard.press("Enter");
      await ann.locator('#messages .message[data-state="sent"]', { hasText: "launch at noon" }).waitFor();
      const marked = bob.locator("#messages .message", { hasText: "launch at noon" }).locator(".body");
      await marked.waitFor();
      assert.equal(await marked.locator("strong").textContent(), "launch");
      assert.equal(await marked.locator("em").textContent(), "noon");
      assert.equal(await marked.locator("code").textContent(), "make run");
      const link = marked.locator("a");
      assert.equal(await link.getAttribute("href"), "https://example.org/launch");
      assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
      assert.equal(await marked.locator(".mention.to-me").textContent(), `@${bobName}`);
      // On the author's side the mention is not theirs.
      const own = ann.locator("#messages .message", { hasText: "launch at noon" }).locator(".body");
      assert.equal(await own.locator(".mention").count(), 1);
      assert.equal(await own.locator(".mention.to-me").count(), 0);

      const markup = `<img src=x onerror="window.hacked = 1"><script>window.hacked = 2</script> [x](javascript:window.hacked=3)`;
      await send(ann, markup);
      const shown = bob.locator("#messages .message", { hasText: "<img src=x" }).locator(".body");
      await shown.waitFor();
      assert.equal(await shown.textContent(), markup);
      assert.equal(await shown.locator("img, script, a").count(), 0);
      assert.equal(await bob.evaluate(() => window.hacked), undefined);
      assert.equal(await ann.evaluate(() => window.hacked), undefined);
      await bob.screenshot({ path: join(ARTIFACTS, "rich-text.png") });
    });
  } finally {
    await browser.close();
  }
});
