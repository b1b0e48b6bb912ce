// People as the page shows them: an avatar's initials and colour. Pure: test/people.test.js runs
// it under `node --test`.

/** How many avatar colours app.css has (classes hue-0 to hue-7). */
export const HUES = 8;

/** Up to two initials of `name` ("Ann Lee" -> "AL", "bob" -> "B"), whole letters even beyond the BMP. */
export function initials(name) {
  const words = String(name ?? "").trim().split(/[\s._-]+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => [...word][0]);
  return letters.join("").toLocaleUpperCase() || "?";
}

/** An avatar's colour class for `key` (a user or chat id): the same one on every screen. */
export function hue(key) {
  const number = Math.abs(Math.trunc(Number(key) || 0));
  return `hue-${number % HUES}`;
}
