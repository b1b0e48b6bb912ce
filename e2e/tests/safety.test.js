// Blocking from a direct chat's member list: the blocked person's sends there are refused (marked
// failed, with a retry), and go through again once unblocked. Reporting a message from its actions
// reaches the group's owner, who deletes it from the Reports view. An owner deletes a member's
// message with a reason that its tombstone shows; a member blocks an author from their message.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, chatting, launch, registerOverRest, rest, send, signUp, startChat, uniqueName, withScreenshots } from "./support.js";

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

test("a message is reported from its actions and the group's owner deletes it from the Reports view", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("report", () => pages, async () => {
      const [annName, bobName] = [uniqueName("ann"), uniqueName("bob")];
      const ann = await signUp(browser, annName);
      const bob = await signUp(browser, bobName);
      pages.push(ann, bob);
      await startChat(ann, [bobName], "Market");
      await bob.locator("#chat-list button").first().click();
      await send(bob, "buy cheap pills now");
      const message = ann.locator("#messages .message", { hasText: "buy cheap pills now" });
      await message.click();
      ann.on("dialog", (dialog) => (dialog.type() === "prompt" ? dialog.accept("spam") : dialog.accept()));
      const told = ann.waitForEvent("dialog", (dialog) => dialog.type() === "alert");
      await message.getByRole("button", { name: "Report" }).click();
      assert.equal((await told).message(), "Reported. Thank you.");
      // Bob's own message has no Report for him.
      await bob.locator("#messages .message", { hasText: "buy cheap pills now" }).click();
      assert.equal(await bob.locator("#messages .message [data-control=report]").count(), 0);

      const token = await ann.evaluate(() => sessionStorage.getItem("chat.token"));
      const { reports } = await rest("GET", "/reports", token);
      assert.equal(reports.length, 1);
      assert.equal(reports[0].reason, "spam");
      assert.equal(reports[0].evidence, "buy cheap pills now");

      // Ann, the group's owner, handles it from her Reports view (read when the page opens):
      // deleting the message from there deletes it, her note its reason, and records it.
      await ann.reload();
      await ann.locator("#connection", { hasText: "live" }).waitFor();
      const toggle = ann.getByRole("button", { name: "Reports, 1 open" });
      await toggle.click();
      const item = ann.locator("#report-list .report");
      await item.locator(".evidence", { hasText: "buy cheap pills now" }).waitFor();
      assert.match(await item.locator(".reason").textContent(), /spam/);
      await ann.screenshot({ path: join(ARTIFACTS, "reports.png") });
      await item.getByRole("button", { name: "Delete message" }).click();
      await item.locator(".resolved", { hasText: "Resolved: message deleted (spam)" }).waitFor();
      await ann.getByRole("button", { name: "Reports", exact: true }).waitFor();
      await bob.locator("#messages .message", { hasText: `message deleted by ${annName}: spam` }).waitFor();
      const [resolved] = (await rest("GET", "/reports", token)).reports;
      assert.equal(resolved.resolution.action, "message_deleted");
      assert.equal(resolved.evidence, "buy cheap pills now", "the evidence outlives the message");
    });
  } finally {
    await browser.close();
  }
});

test("an owner deletes a member's message saying why, everyone sees who and why, and its author is blocked from a message", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("moderated", () => pages, async () => {
      const [annName, bobName] = [uniqueName("ann"), uniqueName("bob")];
      const ann = await signUp(browser, annName);
      const bob = await signUp(browser, bobName);
      pages.push(ann, bob);
      await startChat(ann, [bobName], "Market");
      await bob.locator("#chat-list button").first().click();
      await send(bob, "cheap pills here");
      const spam = ann.locator("#messages .message", { hasText: "cheap pills here" });
      await spam.click();
      ann.on("dialog", (dialog) => (dialog.type() === "prompt" ? dialog.accept("spam") : dialog.accept()));
      await spam.getByRole("button", { name: "Delete" }).click();
      const tombstone = `message deleted by ${annName}: spam`;
      await ann.locator("#messages .message.deleted", { hasText: tombstone }).waitFor();
      await bob.locator("#messages .message.deleted", { hasText: tombstone }).waitFor();

      // Bob blocks Ann from one of her messages, and takes it back.
      await send(ann, "mind your language");
      const hers = bob.locator("#messages .message", { hasText: "mind your language" });
      await hers.click();
      await hers.locator("[data-control=block]", { hasText: "Block" }).click();
      await hers.locator("[data-control=block][aria-pressed=true]", { hasText: "Unblock" }).waitFor();
      const token = await bob.evaluate(() => sessionStorage.getItem("chat.token"));
      const { blocks } = await rest("GET", "/users/me/blocks", token);
      assert.deepEqual(blocks.map((block) => block.user.username), [annName]);
      await bob.screenshot({ path: join(ARTIFACTS, "moderated.png") });
      await hers.locator("[data-control=block]", { hasText: "Unblock" }).click();
      await hers.locator("[data-control=block][aria-pressed=false]", { hasText: "Block" }).waitFor();
    });
  } finally {
    await browser.close();
  }
});

test("who may start a direct chat is chosen beside one's name, kept, and honoured", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("privacy", () => pages, async () => {
      const [annName, bobName] = [uniqueName("ann"), uniqueName("bob")];
      const bob = await signUp(browser, bobName);
      pages.push(bob);
      const ann = await registerOverRest(annName);
      const token = await bob.evaluate(() => sessionStorage.getItem("chat.token"));
      assert.equal((await rest("GET", "/users/me/privacy", token)).direct_chats, "everyone");
      await bob.locator("#direct-chats").selectOption("nobody");
      for (let tries = 0; (await rest("GET", "/users/me/privacy", token)).direct_chats !== "nobody"; tries += 1) {
        assert.ok(tries < 50, "the setting never reached the server");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await bob.reload();
      await bob.locator("#connection", { hasText: "live" }).waitFor();
      assert.equal(await bob.locator("#direct-chats").inputValue(), "nobody", "read back on a fresh page");
      const bobId = (await rest("GET", "/users/me", token)).id;
      await assert.rejects(rest("POST", "/chats", ann.token, { kind: "direct", member_ids: [bobId] }), /403 .*direct_chat_refused/);
    });
  } finally {
    await browser.close();
  }
});
