// Files in the browser: one person attaches an image and a PDF (a progress bar each, up to
// "done"), one message carries both, and the other sees the thumbnail and downloads the PDF.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { ARTIFACTS, BASE, chatting, launch, withScreenshots } from "./support.js";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real PNG of `width` x `height` (8-bit RGB): a diagonal gradient, so a thumbnail shows something. */
function png(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, RGB, deflate, no filter, no interlace
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3); // each row: filter byte 0, then its pixels
    for (let x = 0; x < width; x++) {
      rows.set([Math.round((255 * x) / width), Math.round((255 * y) / height), 160], row + 1 + x * 3);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

const CHART = png(320, 200);
const MINUTES = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("files go up with a progress bar each, as one message: a thumbnail and a download on the other side", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("files", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);

      // The message is held back until both bars were seen done.
      const posted = [];
      let release;
      const held = new Promise((resolve) => (release = resolve));
      await ann.route("**/api/v1/messages", async (route) => {
        posted.push(route.request().postDataJSON());
        await held;
        await route.continue();
      });
      await ann.getByLabel("Message", { exact: true }).fill("minutes and chart");
      await ann.locator("#attach-input").setInputFiles([
        { name: "chart.png", mimeType: "image/png", buffer: CHART },
        { name: "minutes.pdf", mimeType: "application/pdf", buffer: MINUTES },
      ]);
      await ann.locator('#uploads .upload[data-state="done"]', { hasText: "minutes.pdf" }).waitFor();
      assert.deepEqual(await ann.locator("#uploads .upload .percent").allTextContents(), ["done", "done"]);
      assert.deepEqual(await ann.locator("#uploads progress").evaluateAll((bars) => bars.map((bar) => bar.value)), [100, 100]);
      await ann.screenshot({ path: join(ARTIFACTS, "files-uploading.png") });
      release();

      const mine = ann.locator('#messages .message[data-state="sent"]', { hasText: "minutes and chart" });
      await mine.getByRole("img", { name: "chart.png" }).waitFor();
      await ann.locator("#uploads .upload").first().waitFor({ state: "detached" });
      assert.equal(await ann.getByLabel("Message", { exact: true }).inputValue(), "", "the caption went with the files");
      assert.equal(posted.length, 1, "one message for both files");
      assert.equal(posted[0].type, "file", "not every file is an image");
      assert.equal(posted[0].content, "minutes and chart");
      assert.equal(posted[0].payload.upload_ids.length, 2);

      // Bob: the image as a thumbnail, sized before it loads, opening the full image...
      const arrived = bob.locator("#messages .message", { hasText: "minutes and chart" });
      const thumbnail = arrived.getByRole("img", { name: "chart.png" });
      await thumbnail.waitFor();
      assert.deepEqual([await thumbnail.getAttribute("width"), await thumbnail.getAttribute("height")], ["256", "160"]);
      await bob.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumbnail.elementHandle());
      assert.equal(await thumbnail.evaluate((img) => img.naturalWidth), 256, "the server's thumbnail, not the original");
      const full = await bob.request.get(new URL(await arrived.locator("a.thumbnail").getAttribute("href"), BASE).href);
      assert.equal(full.status(), 200);
      assert.deepEqual(await full.body(), CHART);

      // ...and the PDF as a download link with its size.
      const download = arrived.getByRole("link", { name: `minutes.pdf · ${MINUTES.length} B` });
      assert.equal(await download.getAttribute("download"), "minutes.pdf");
      const pdf = await bob.request.get(new URL(await download.getAttribute("href"), BASE).href);
      assert.equal(pdf.status(), 200);
      assert.deepEqual(await pdf.body(), MINUTES);
      await bob.screenshot({ path: join(ARTIFACTS, "files.png") });

      // Images alone, without a caption, make an image message.
      await ann.locator("#attach-input").setInputFiles({ name: "chart again.png", mimeType: "image/png", buffer: CHART });
      await bob.locator("#messages .message").last().getByRole("img", { name: "chart again.png" }).waitFor();
      assert.equal(posted.length, 2);
      assert.equal(posted[1].type, "image");
      assert.equal(posted[1].content, undefined);

      // A refused upload shows the problem's detail, and nothing is posted.
      await ann.route((url) => url.pathname === "/api/v1/uploads", (route) => route.fulfill({
        status: 413, contentType: "application/problem+json",
        body: JSON.stringify({ type: "about:blank", title: "Payload Too Large", status: 413, code: "payload_too_large", detail: "the file is over 25 MiB" }),
      }));
      await ann.locator("#attach-input").setInputFiles({ name: "huge.pdf", mimeType: "application/pdf", buffer: MINUTES });
      const refused = ann.locator('#uploads .upload[data-state="failed"]', { hasText: "huge.pdf" });
      await refused.getByRole("alert").filter({ hasText: "the file is over 25 MiB" }).waitFor();
      await refused.getByRole("button", { name: "Dismiss" }).click();
      await refused.waitFor({ state: "detached" });
      assert.equal(posted.length, 2, "no message without a file");
    });
  } finally {
    await browser.close();
  }
});
