// Who is online: a dot on a direct chat and on its members, and "online" or "last seen …" in the
// direct chat's header, turning as the other person's page opens and closes (presence.updated).

import { test } from "node:test";
import assert from "node:assert/strict";
import { chatting, launch, rest, signIn, withScreenshots } from "./support.js";

/** Presence turns within the server's grace (3 s) and pacing (3 s): well inside this. */
const TURNS_WITHIN_MS = 20_000;

test("the online dot turns on and off as the other person's page opens and closes", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("presence", () => pages.filter((page) => !page.isClosed()), async () => {
      const { ann, bob, bobName } = await chatting(browser, pages);
      const dot = (status) => ann.locator(`#chat-list button .presence[data-status="${status}"]`);
      const head = (text) => ann.locator("#chat-status", { hasText: text });
      await ann.getByRole("button", { name: "Members" }).click();
      const memberDot = (status) => ann.locator("#member-list li", { hasText: `@${bobName}` }).locator(`.presence[data-status="${status}"]`);

      // Bob's page is open: online everywhere Ann sees him.
      await dot("online").waitFor();
      await head(/^online$/).waitFor();
      await memberDot("online").waitFor();
      assert.equal(await ann.locator("#chat-list button .presence").isVisible(), true, "the dot shows");

      // Bob closes his page: offline once the grace is over, last seen just now.
      await bob.context().close();
      await dot("offline").waitFor({ state: "attached", timeout: TURNS_WITHIN_MS });
      await head(/^last seen just now$/).waitFor({ timeout: TURNS_WITHIN_MS });
      await memberDot("offline").waitFor({ state: "attached", timeout: TURNS_WITHIN_MS });
      assert.equal(await ann.locator("#chat-list button .presence").isVisible(), false, "no dot while offline");

      // He comes back: online again, without Ann reloading.
      pages.push(await signIn(browser, bobName));
      await dot("online").waitFor({ timeout: TURNS_WITHIN_MS });
      await head(/^online$/).waitFor({ timeout: TURNS_WITHIN_MS });
      await memberDot("online").waitFor({ timeout: TURNS_WITHIN_MS });
    });
  } finally {
    await browser.close();
  }
});

test("presence missed while the socket was away is read again when it is back", async () => {
  const browser = await launch();
  const pages = [];
  try {
    await withScreenshots("presence-reconnect", () => pages.filter((page) => !page.isClosed()), async () => {
      const { ann, bob } = await chatting(browser, pages);
      await ann.locator('#chat-list button .presence[data-status="online"]').waitFor();
      // Ann's socket is cut, and kept from coming back, while Bob leaves: the frame saying so
      // never reaches her.
      let away = false;
      await ann.routeWebSocket(/\/api\/v1\/ws/, (socket) => (away ? socket.close() : socket.connectToServer()));
      await ann.reload(); // the route holds for sockets of pages loaded after it
      await ann.locator("#connection", { hasText: "live" }).waitFor();
      await ann.locator('#chat-list button .presence[data-status="online"]').waitFor();
      away = true;
      await ann.evaluate(() => window.chatTest.dropSocket());
      await ann.locator("#connection", { hasText: /offline|connecting/ }).waitFor();
      await bob.context().close();
      const token = await ann.evaluate(() => sessionStorage.getItem("chat.token"));
      const me = await rest("GET", "/users/me", token);
      const chatId = (await rest("GET", "/chats", token)).chats[0].id;
      const bobId = (await rest("GET", `/chats/${chatId}/members`, token)).members.find((member) => member.user_id !== me.id).user_id;
      for (const deadline = Date.now() + TURNS_WITHIN_MS; (await rest("GET", `/users/${bobId}`, token)).presence.status !== "offline";) {
        assert.ok(Date.now() < deadline, "Bob never went offline");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await ann.locator('#chat-list button .presence[data-status="online"]').count(), 1, "nothing told Ann yet");

      away = false;
      await ann.locator("#connection", { hasText: "live" }).waitFor({ timeout: TURNS_WITHIN_MS });
      await ann.locator('#chat-list button .presence[data-status="offline"]').waitFor({ state: "attached", timeout: TURNS_WITHIN_MS });
      await ann.locator("#chat-status", { hasText: /^last seen/ }).waitFor();
    });
  } finally {
    await browser.close();
  }
});
