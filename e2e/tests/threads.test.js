// Threads: a message with replies shows its thread's summary (how many, who replied, when the
// last reply came); opening it shows the thread beside the conversation (over it on a phone, with
// a way back), with its own composer, the main composer's optimistic send, and replies from the
// other side arriving live. Replies stay out of the conversation.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { ARTIFACTS, BASE, chatting, launch, messageTexts, rest, send, withScreenshots } from "./support.js";

const NOTES = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("a thread reply from one user appears in the other's open thread live", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("threads", () => pages, async () => {
      const { ann, bob } = await chatting(browser, pages);
      await send(ann, "Morning! Standup moved to 10:30 today.");
      await send(bob, "Thanks, see you there");
      await send(ann, "Launch plan: we ship the beta on Friday. Objections?");
      await send(bob, "Also: the staging deploy is green again");
      const root = (page) => page.locator("#messages .message", { hasText: "Launch plan" });
      const annThread = ann.locator("#thread");
      const bobThread = bob.locator("#thread");
      await root(bob).waitFor();
      assert.equal(await root(ann).locator(".thread-summary").count(), 0, "no summary without replies");

      // Bob starts the thread from the message's actions: its root on top, the cursor in its composer.
      await root(bob).hover();
      await root(bob).getByRole("button", { name: "Reply in thread" }).click();
      await bobThread.locator("#thread-messages .message", { hasText: "Launch plan" }).waitFor();
      await bob.locator("#thread-text:focus").waitFor();
      await bob.keyboard.type("Works for me: **QA signed off** yesterday.");
      await bob.keyboard.press("Enter");
      await bobThread.locator('.message[data-state="sent"]', { hasText: "QA signed off" }).waitFor();

      // Both see the root's summary; the reply is not in either conversation.
      await root(ann).locator(".thread-summary", { hasText: "1 reply" }).waitFor();
      await root(bob).locator(".thread-summary", { hasText: "1 reply" }).waitFor();
      const conversation = ["Morning! Standup moved to 10:30 today.", "Thanks, see you there",
        "Launch plan: we ship the beta on Friday. Objections?", "Also: the staging deploy is green again"];
      assert.deepEqual(await messageTexts(ann), conversation);
      assert.deepEqual(await messageTexts(bob), conversation);

      // Ann opens it from the summary: Bob's reply, its rich text drawn.
      await root(ann).locator(".thread-summary").click();
      await annThread.locator(".message strong", { hasText: "QA signed off" }).waitFor();
      await ann.locator("#thread-text:focus").waitFor();

      // Live: Bob's next reply appears in Ann's open thread, and her summary follows.
      await bob.getByRole("combobox", { name: "Reply in thread" }).fill("I'll draft the release notes tonight.");
      await bob.keyboard.press("Enter");
      await annThread.locator(".message", { hasText: "release notes" }).waitFor();
      await annThread.locator(".thread-divider", { hasText: "2 replies" }).waitFor();
      await root(ann).locator(".thread-summary", { hasText: "2 replies" }).waitFor();

      // Ann's reply: shown at once, stored once, live in Bob's thread.
      await ann.getByRole("combobox", { name: "Reply in thread" }).fill("Great, thanks both 🎉");
      await ann.keyboard.press("Enter");
      await annThread.locator(".message.mine", { hasText: "thanks both" }).waitFor();
      await annThread.locator('.message[data-state="sent"]', { hasText: "thanks both" }).waitFor();
      await bobThread.locator(".message", { hasText: "thanks both" }).waitFor();
      assert.equal(await annThread.locator(".message", { hasText: "thanks both" }).count(), 1);

      // Reactions work in a thread as in the conversation.
      const annReplyOnBob = bobThread.locator(".message", { hasText: "thanks both" });
      await annReplyOnBob.hover();
      await annReplyOnBob.getByRole("button", { name: "React", exact: true }).click();
      await bob.getByRole("button", { name: "rocket", exact: true }).click();
      await annThread.locator(".message", { hasText: "thanks both" }).getByRole("button", { name: /^🚀 1, reacted by / }).waitFor();

      // Files too: Bob's caption and file, from the thread's composer, as a download in Ann's thread.
      await bob.getByRole("combobox", { name: "Reply in thread" }).fill("Draft attached");
      await bob.locator("#thread-attach-input").setInputFiles({ name: "release-notes.pdf", mimeType: "application/pdf", buffer: NOTES });
      const attached = annThread.locator(".message", { hasText: "Draft attached" });
      await attached.getByRole("link", { name: `release-notes.pdf · ${NOTES.length} B` }).waitFor();
      await bob.locator("#thread-uploads .upload").first().waitFor({ state: "detached" });
      assert.equal(await bob.getByRole("combobox", { name: "Reply in thread" }).inputValue(), "", "the caption went with the file");

      // The summary: four replies from two people, the latest first.
      const summary = root(ann).locator(".thread-summary", { hasText: "4 replies" });
      await summary.waitFor();
      assert.equal(await summary.locator(".avatar").count(), 2);
      assert.match(await summary.getAttribute("aria-label"), /^4 replies, from bob\w+, ann\w+, last reply just now\. Open the thread$/);
      assert.deepEqual(await messageTexts(ann), conversation, "still no reply in the conversation");

      // Read as it came, replies included: no unread count stays on the open chat.
      await ann.waitForFunction(() => document.querySelector("#chat-list .unread") === null);
      await ann.waitForFunction(() => document.getElementById("typing").textContent === ""); // Bob's typing in the conversation, long over
      await ann.mouse.move(0, 0);
      await ann.evaluate(() => document.activeElement?.blur());
      await ann.screenshot({ path: join(ARTIFACTS, "thread.png") });

      // On a phone the thread covers the conversation; its way back closes it.
      await ann.setViewportSize({ width: 390, height: 800 });
      const box = await annThread.boundingBox();
      assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 800], "the thread fills the screen");
      await ann.screenshot({ path: join(ARTIFACTS, "thread-phone.png") });
      await ann.getByRole("button", { name: "Back to the conversation" }).click();
      await annThread.waitFor({ state: "hidden" });
      await root(ann).locator(".thread-summary:focus").waitFor(); // the focus back where the thread came from
      await ann.setViewportSize({ width: 1100, height: 750 });

      // On a wide screen, Escape closes it too.
      await root(bob).locator(".thread-summary").click(); // his open thread, read afresh
      await bob.locator("#thread-text:focus").waitFor();
      await bob.keyboard.press("Escape");
      await bobThread.waitFor({ state: "hidden" });
    });
  } finally {
    await browser.close();
  }
});

test("replies count unread until the chat is opened; a mention in a thread opens the thread at it", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("thread-mention", () => pages, async () => {
      const { ann, bob, annName } = await chatting(browser, pages);
      await send(ann, "Schema change: who reviews the migration?");
      const rootId = Number(await ann.locator("#messages .message", { hasText: "Schema change" }).getAttribute("data-id"));
      const token = await bob.evaluate(() => sessionStorage.getItem("chat.token"));
      const chatId = (await rest("GET", "/chats", token)).chats[0].id;

      // Ann back at the chat list; Bob replies in the thread.
      await ann.goto(BASE);
      await ann.locator("#connection", { hasText: "live" }).waitFor();
      for (const content of ["Looking now", `@${annName} I can review it after lunch`, "The down migration needs a default"]) {
        await rest("POST", "/messages", token, { chat_id: chatId, thread_root_id: rootId, content }, { "Idempotency-Key": randomUUID() });
      }
      await ann.locator("#chat-list .unread:not(.mentions)", { hasText: "3" }).waitFor();

      // Opened, the chat is read, replies included, though its conversation shows them only as a summary.
      await ann.locator("#chat-list button").first().click();
      await ann.locator("#messages .message .thread-summary", { hasText: "3 replies" }).waitFor();
      await ann.waitForFunction(() => document.querySelector("#chat-list .unread") === null);
      assert.deepEqual(await messageTexts(ann), ["Schema change: who reviews the migration?"]);

      // The mention, in the Mentions view, opens the chat at the root and the thread at the reply.
      await ann.getByRole("button", { name: /^Mentions/ }).click();
      await ann.locator("#mention-list .mention-hit", { hasText: "after lunch" }).click();
      const highlighted = ann.locator("#thread-messages .message.highlight");
      await highlighted.waitFor();
      assert.equal(await highlighted.locator(".body").textContent(), `@${annName} I can review it after lunch`);
      await ann.locator("#messages .message.highlight", { hasText: "Schema change" }).waitFor();
      assert.equal(await ann.locator("#thread-messages .message").count(), 4, "the root and its three replies");
    });
  } finally {
    await browser.close();
  }
});
