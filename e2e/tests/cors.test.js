// A page of an allowed origin calls the API (its preflight passes); a page of another origin is
// refused by its browser.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { BASE, launch, registerOverRest, uniqueName } from "./support.js";

/** A page on `port` that calls `GET /users/me` with a bearer token (so with a preflight). */
function pageServer(port) {
  const page = `<!doctype html><script>
    fetch(${JSON.stringify(BASE)} + "/api/v1/users/me", { headers: { Authorization: "Bearer " + location.hash.slice(1) } })
      .then((response) => response.json()).then((user) => { document.title = "ok " + user.username; })
      .catch(() => { document.title = "refused"; });
  </script>`;
  const server = createServer((request, response) => response.end(page));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

test("an allowed origin's page reads the API; a foreign origin's page is refused", async () => {
  const allowedPort = Number(process.env.E2E_ALLOWED_ORIGIN_PORT);
  assert.ok(allowedPort, "E2E_ALLOWED_ORIGIN_PORT: the origin the server was told to allow");
  const allowed = await pageServer(allowedPort);
  const foreign = await pageServer(0);
  const browser = await launch();
  try {
    const name = uniqueName("cors");
    const session = await registerOverRest(name);
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${allowedPort}/#${session.token}`);
    await page.waitForFunction(() => document.title !== "");
    assert.equal(await page.title(), `ok ${name}`);
    await page.goto(`http://127.0.0.1:${foreign.address().port}/#${session.token}`);
    await page.waitForFunction(() => document.title !== "");
    assert.equal(await page.title(), "refused");
  } finally {
    await browser.close();
    allowed.close();
    foreign.close();
  }
});
