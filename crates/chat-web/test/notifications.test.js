// A chat's notification setting and this browser's push control (web/model.js), run by
// `node --test`: what the header's setting shows, what choosing one sends, when a mute ends, and
// what the push control says in each state.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as model from "../web/model.js";

const { Effect } = model;
const NOW = Date.parse("2026-12-06T09:00:00Z");
const HOUR = 3_600_000;

/** Ann with a direct chat 10 and a group 20, `open` open. */
function annWith(open) {
  const state = model.createState();
  model.signedIn(state, { id: 1, display_name: "Ann" });
  model.chatsLoaded(state, [{ id: 10, kind: "direct" }, { id: 20, kind: "group" }]);
  model.chatOpened(state, open);
  return state;
}

test("until the server answers, a direct chat shows all messages and a group mentions only", () => {
  assert.deepEqual(model.notificationChoice(annWith(10), NOW), { value: "all" });
  assert.deepEqual(model.notificationChoice(annWith(20), NOW), { value: "mentions" });
});

test("the server's setting is kept; the header is drawn again only for the open chat", () => {
  const state = annWith(10);
  assert.deepEqual(model.notificationsLoaded(state, 10, { level: "mentions", muted_until: null }), [Effect.renderNotifications]);
  assert.deepEqual(model.notificationsLoaded(state, 20, { level: "none" }), []);
  assert.deepEqual(model.notificationChoice(state, NOW), { value: "mentions" });
  assert.deepEqual(state.notifications.get(20), { level: "none", muted_until: null });
});

test("a mute for a while shows until when, and the level once it is over", () => {
  const state = annWith(10);
  const until = new Date(NOW + HOUR).toISOString();
  model.notificationsLoaded(state, 10, { level: "all", muted_until: until });
  assert.deepEqual(model.notificationChoice(state, NOW), { value: "muted", until });
  assert.deepEqual(model.notificationChoice(state, NOW + HOUR), { value: "all" }, "over at its end");
  model.notificationsLoaded(state, 10, { level: "none", muted_until: until });
  assert.deepEqual(model.notificationChoice(state, NOW), { value: "none" }, "muted for good says so");
});

test("a level is sent as it is, with no mute", () => {
  const state = annWith(20);
  for (const level of ["all", "mentions", "none"]) {
    assert.deepEqual(model.notificationRequest(state, level, NOW), { level, muted_until: null });
  }
  assert.throws(() => model.notificationRequest(state, "loud", NOW), RangeError);
});

test("mute for 1 h and 8 h end that long from now, keeping the level to come back to", () => {
  const state = annWith(20);
  assert.deepEqual(model.notificationRequest(state, "mute-1h", NOW), { level: "mentions", muted_until: "2026-12-06T10:00:00.000Z" });
  model.notificationsLoaded(state, 20, { level: "all", muted_until: null });
  assert.deepEqual(model.notificationRequest(state, "mute-8h", NOW), { level: "all", muted_until: "2026-12-06T17:00:00.000Z" });
  // Muted for good, then muted for a while: it comes back to the chat's default, not to silence.
  model.notificationsLoaded(state, 20, { level: "none", muted_until: null });
  assert.deepEqual(model.notificationRequest(state, "mute-1h", NOW), { level: "mentions", muted_until: "2026-12-06T10:00:00.000Z" });
});

test("push is on only where supported, allowed, and subscribed by this user", () => {
  assert.equal(model.pushStatus({ supported: false, permission: "granted", subscribed: true }), "unsupported");
  assert.equal(model.pushStatus({ supported: true, permission: "denied", subscribed: false }), "blocked");
  assert.equal(model.pushStatus({ supported: true, permission: "default", subscribed: true }), "off");
  assert.equal(model.pushStatus({ supported: true, permission: "granted", subscribed: false }), "off");
  assert.equal(model.pushStatus({ supported: true, permission: "granted", subscribed: true }), "on");
});

test("the push control offers what can be done, and hides where nothing can", () => {
  const state = model.createState();
  assert.deepEqual(model.pushChanged(state, "off"), [Effect.renderPush]);
  assert.equal(state.push, "off");
  assert.equal(model.pushControl("off").label, "Enable notifications");
  assert.equal(model.pushControl("on").label, "Disable notifications");
  assert.equal(model.pushControl("blocked").disabled, true);
  assert.equal(model.pushControl("busy").disabled, true);
  assert.equal(model.pushControl("unsupported").hidden, true);
  assert.equal(model.pushControl("unknown").hidden, true);
});
