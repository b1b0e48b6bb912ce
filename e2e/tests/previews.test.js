// A link in a message gets its page's preview a moment later, on both sides: the server fetches
// the page (here from a page server on 127.0.0.1, which e2e.sh allow-lists) and sends the message
// again with it; the card shows the picture, site, title and description as text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, send, withScreenshots } from "./support.js";

// An 8x8 orange PNG.
const PICTURE = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGN4FmCDFTEMLQkAT2RcgZAxk3sAAAAASUVORK5CYII=", "base64");
const PAGE = `<!doctype html><html><head><title>ignored</title>
  <meta property="og:title" content="Launch day &amp; what ships">
  <meta property="og:description" content="<b>Everything</b> that ships on Monday, in one page.">
  <meta property="og:site_name" content="Release notes">
  <meta property="og:image" content="/launch.png">
  </head><body>the page</body></html>`;

/** A page server on 127.0.0.1; answers its origin and a way to stop it. */
async function pageServer() {
  const server = createServer((request, response) => {
    if (request.url === "/launch") response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
    else if (request.url === "/launch.png") response.writeHead(200, { "content-type": "image/png" }).end(PICTURE);
    else response.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The chat server keeps its connections alive for a while: end them rather than wait for them.
  const close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return { origin: `http://127.0.0.1:${server.address().port}`, close };
}

test("a link's preview appears under the message on both sides", async () => {
  const pagesServer = await pageServer();
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("previews", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);
      await send(ann, `Notes for Monday: ${pagesServer.origin}/launch`);
      for (const page of [ann, bob]) {
        const card = page.locator("#messages .message", { hasText: "Notes for Monday" }).locator(".link-preview");
        await card.waitFor();
        assert.equal(await card.locator(".title").textContent(), "Launch day & what ships");
        assert.equal(await card.locator(".description").textContent(), "<b>Everything</b> that ships on Monday, in one page.");
        assert.equal(await card.locator(".site").textContent(), "Release notes");
        assert.equal(await card.getAttribute("href"), `${pagesServer.origin}/launch`);
        assert.equal(await card.locator("b").count(), 0, "what a page says is text");
        await page.waitForFunction(() => document.querySelector("#messages .link-preview img")?.naturalWidth > 0);
      }
      await bob.screenshot({ path: join(ARTIFACTS, "link-preview.png") });
    });
  } finally {
    await browser.close();
    await pagesServer.close();
  }
});
