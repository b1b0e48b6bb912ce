// A search hit's snippet (API.md, "Search"): the matched passage as HTML whose text the server
// escaped and whose matches it put in <mark>. Read here as text and marks, never as markup, so
// that the page builds it from text nodes like every message. Pure: test/snippet.test.js.

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'" };

/** `snippet` as its pieces in order: `{ text, marked }`. Tags other than <mark> stay text. */
export function snippetParts(snippet) {
  const parts = [];
  let marked = false;
  for (const piece of snippet.split(/(<mark>|<\/mark>)/)) {
    if (piece === "<mark>") marked = true;
    else if (piece === "</mark>") marked = false;
    else if (piece) parts.push({ text: piece.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]), marked });
  }
  return parts;
}
