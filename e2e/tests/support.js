// What every scenario needs: Debian's Chromium, the server's address, users made over REST, and a
// screenshot of every page when a scenario fails (and whenever asked), kept as artifacts.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const BASE = process.env.CHAT_URL ?? "http://127.0.0.1:8000";
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? ".data/e2e-artifacts";
mkdirSync(ARTIFACTS, { recursive: true });

const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, args: FLAGS });
}

let counter = 0;
/** A username no other run has used. */
export function uniqueName(prefix) {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
}

export async function rest(method, path, token, body, headers = {}) {
  const response = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function registerOverRest(name) {
  return rest("POST", "/auth/register", null, { username: name, password: "correct horse battery" });
}

/** A page of a fresh browser context, signed up as `name` through the client's own form. */
export async function signUp(browser, name) {
  return signedIn(browser, name, "Register");
}

/** A page of a fresh browser context, signed in as `name` (signed up before) through the form. */
export async function signIn(browser, name) {
  return signedIn(browser, name, "Log in");
}

async function signedIn(browser, name, button) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 750 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${name}] page error:`, error));
  page.on("console", (message) => message.type() === "error" && console.error(`[${name}] console:`, message.text()));
  page.on("response", (response) => response.status() >= 400 && console.error(`[${name}] ${response.status()} ${response.request().method()} ${response.url()}`));
  await page.goto(BASE);
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: button }).click();
  await page.locator("#app").waitFor({ state: "visible" });
  await page.locator("#connection", { hasText: "live" }).waitFor();
  return page;
}

/** Runs `scenario`; on failure, saves a screenshot of each page first. */
export async function withScreenshots(name, pages, scenario) {
  try {
    await scenario();
  } catch (error) {
    for (const [index, page] of pages().entries()) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}-failed-${index}.png`), fullPage: true }).catch(() => {});
    }
    throw error;
  }
}

/** The texts of the open chat's messages, in order. */
export async function messageTexts(page) {
  return page.locator("#messages .message .body").allTextContents();
}

/** Starts a chat from `page` through the new-chat form: direct with one username, or a group. */
export async function startChat(page, usernames, title = "") {
  await page.getByLabel("New chat with").fill(usernames.join(", "));
  await page.getByLabel("Group title").fill(title);
  await page.getByRole("button", { name: "Start" }).click();
  await page.locator("#chat").waitFor({ state: "visible" });
}

/** Sends `text` from the open chat's composer and waits for the server's answer to replace it. */
export async function send(page, text) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.keyboard.press("Enter");
  await page.locator('#messages .message[data-state="sent"]', { hasText: text }).waitFor();
}

/** Ann and Bob in a direct chat, each on a page with it open; and their usernames. */
export async function chatting(browser, pages) {
  const [annName, bobName] = [uniqueName("ann"), uniqueName("bob")];
  const ann = await signUp(browser, annName);
  const bob = await signUp(browser, bobName);
  pages.push(ann, bob);
  await startChat(ann, [bobName]);
  await bob.locator("#chat-list button").first().click();
  await bob.locator("#chat").waitFor({ state: "visible" });
  return { ann, bob, annName, bobName };
}
