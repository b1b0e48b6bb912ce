// What a push does (web/push.js, shared by the service worker and the page), run by `node --test`:
// the notification a payload shows or closes, when it shows nothing, which window a click brings
// forward, the VAPID key as bytes, and the subscription's body for the server.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as push from "../web/push.js";

const message = (fields = {}) => ({ type: "message", chat_id: 7, message_id: 42, sender_name: "Bob", preview: "lunch?", unread: 3, ...fields });

// ---- the VAPID key ----

test("a base64url key decodes to its bytes, padded or not", () => {
  // RFC 4648's test vectors, in the URL-safe alphabet.
  assert.deepEqual(push.base64UrlToBytes("Zm9vYmE"), new TextEncoder().encode("fooba"));
  assert.deepEqual(push.base64UrlToBytes("Zm9vYmE="), new TextEncoder().encode("fooba"));
  assert.deepEqual(push.base64UrlToBytes(""), new Uint8Array());
  assert.deepEqual(push.base64UrlToBytes("-_8"), Uint8Array.of(0xfb, 0xff));
});

test("an uncompressed P-256 point decodes to 65 bytes starting with 4", () => {
  // RFC 8292's example public key.
  const key = push.base64UrlToBytes("BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs");
  assert.equal(key.length, 65);
  assert.equal(key[0], 4);
});

test("text that is not base64url is refused, not half-decoded", () => {
  for (const bad of ["a+b/", "abc!", "abcde", "a", null, undefined, 42]) {
    assert.throws(() => push.base64UrlToBytes(bad), TypeError, String(bad));
  }
});

test("keys compare by their bytes, whatever holds them", () => {
  const bytes = Uint8Array.of(4, 1, 2);
  assert.ok(push.sameKey(bytes.buffer, Uint8Array.of(4, 1, 2)));
  assert.ok(push.sameKey(new Uint8Array([9, 4, 1, 2]).subarray(1), bytes), "a view into a larger buffer");
  assert.ok(!push.sameKey(bytes, Uint8Array.of(4, 1, 3)));
  assert.ok(!push.sameKey(bytes, Uint8Array.of(4, 1)));
  assert.ok(!push.sameKey(null, bytes));
});

test("the server gets a subscription's endpoint and keys, nothing else", () => {
  const json = { endpoint: "https://push.example/abc", expirationTime: null, keys: { p256dh: "BPk", auth: "au", extra: 1 } };
  assert.deepEqual(push.subscriptionBody(json), { endpoint: "https://push.example/abc", keys: { p256dh: "BPk", auth: "au" } });
});

// ---- what a push shows ----

test("a message shows the sender as title and the preview as body, under the chat's tag, buzzing again", () => {
  assert.deepEqual(push.pushAction(message({ unread: 1 })), {
    do: "show", title: "Bob",
    options: { body: "lunch?", tag: "chat-7", renotify: true, data: { chatId: 7, messageId: 42 } },
  });
  assert.equal(push.pushAction(message({ unread: 3 })).title, "Bob (3 unread)", "the chat's one notification counts what waits");
  assert.equal(push.pushAction(message({ unread: 100 })).title, "Bob (99+ unread)", "the server counts up to 100");
});

test("without content (CHAT_PUSH_CONTENT=none) it says only that a message came", () => {
  const action = push.pushAction({ type: "message", chat_id: 7, message_id: 42 });
  assert.equal(action.title, "New message");
  assert.equal(action.options.body, "");
  assert.equal(action.options.tag, "chat-7");
});

test("a long preview is cut to what a banner shows", () => {
  const action = push.pushAction(message({ preview: "x".repeat(500) }));
  assert.equal(action.options.body.length, 200);
  assert.ok(action.options.body.endsWith("…"));
});

test("a clear closes the chat's notifications", () => {
  assert.deepEqual(push.pushAction({ type: "clear", chat_id: 7, message_id: 42, unread: 0 }), { do: "close", tag: "chat-7" });
});

test("a message no newer than the one the chat shows does not buzz again", () => {
  assert.equal(push.pushAction(message(), { shown: [{ chatId: 7, messageId: 42 }] }).do, "nothing", "the same message twice");
  assert.equal(push.pushAction(message(), { shown: [{ chatId: 7, messageId: 50 }] }).do, "nothing", "a late one");
  assert.equal(push.pushAction(message(), { shown: [{ chatId: 7, messageId: 41 }] }).do, "show");
  assert.equal(push.pushAction(message(), { shown: [null] }).do, "show", "a notification without data");
});

test("a message of the chat the reader has in front shows nothing; in a window behind, it shows", () => {
  const front = { url: "https://chat.example/#chat=7", focused: true, visible: true };
  assert.equal(push.pushAction(message(), { windows: [front] }).do, "nothing");
  assert.equal(push.pushAction(message(), { windows: [{ ...front, focused: false }] }).do, "show");
  assert.equal(push.pushAction(message(), { windows: [{ ...front, visible: false }] }).do, "show");
  assert.equal(push.pushAction(message(), { windows: [{ ...front, url: "https://chat.example/#chat=70" }] }).do, "show");
});

test("a payload naming no chat still shows a notification (a push must show one)", () => {
  for (const payload of [null, {}, { type: "message", chat_id: "7" }, { type: "clear" }]) {
    const action = push.pushAction(payload);
    assert.equal(action.do, "show", JSON.stringify(payload));
    assert.equal(action.title, "New message");
  }
});

// ---- opening the chat ----

test("a chat's address names it, and is read back", () => {
  assert.equal(push.chatUrl("https://chat.example", 7), "https://chat.example/#chat=7");
  assert.equal(push.chatUrl("", 7), "/#chat=7");
  assert.equal(push.chatInUrl("https://chat.example/#chat=7"), 7);
  for (const url of ["https://chat.example/", "https://chat.example/#chat=", "https://chat.example/#chat=7x", null]) {
    assert.equal(push.chatInUrl(url), null, String(url));
  }
});

test("a click brings forward the window with the chat, else the focused one, else any, else none", () => {
  const at = (chat, focused = false) => ({ url: `https://chat.example/${chat ? `#chat=${chat}` : ""}`, focused, visible: true });
  const [other, focused, showing] = [at(8), at(null, true), at(7)];
  assert.equal(push.windowFor(7, [other, focused, showing]), showing);
  assert.equal(push.windowFor(7, [other, focused]), focused);
  assert.equal(push.windowFor(7, [other]), other);
  assert.equal(push.windowFor(7, []), null);
});

test("a subscription the push service rotated is registered again, for the user who had it only", () => {
  const record = { user_id: 7, endpoint: "https://push.example/old", id: 3 };
  assert.equal(push.renewed(record, "https://push.example/new", 7), true);
  assert.equal(push.renewed(record, "https://push.example/old", 7), false, "the same subscription");
  assert.equal(push.renewed(record, "https://push.example/new", 8), false, "another user's record");
  assert.equal(push.renewed(record, null, 7), false, "no subscription left to register");
  assert.equal(push.renewed(null, "https://push.example/new", 7), false, "notifications never turned on");
});
