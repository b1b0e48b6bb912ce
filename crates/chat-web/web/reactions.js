// Reactions as the page shows them: the ones a message has, with who reacted, and the picker's
// choices (a dozen common emoji found by name, or whatever emoji is typed). Pure:
// test/reactions.test.js runs it under `node --test`.

/** The picker's emoji, with the names (and other words) they are found by. */
export const COMMON_EMOJI = Object.freeze([
  { emoji: "👍", name: "thumbs up", words: "yes agree like ok +1" },
  { emoji: "❤️", name: "red heart", words: "love like" },
  { emoji: "😂", name: "tears of joy", words: "laugh lol funny face" },
  { emoji: "🎉", name: "party popper", words: "celebrate tada congratulations hooray" },
  { emoji: "😮", name: "surprised", words: "wow open mouth face" },
  { emoji: "😢", name: "crying", words: "sad tear face" },
  { emoji: "🙏", name: "folded hands", words: "thanks please pray" },
  { emoji: "🔥", name: "fire", words: "hot lit flame" },
  { emoji: "👀", name: "eyes", words: "look see watching" },
  { emoji: "✅", name: "check mark", words: "done yes ok tick" },
  { emoji: "🚀", name: "rocket", words: "launch ship fast" },
  { emoji: "👎", name: "thumbs down", words: "no dislike -1" },
].map(Object.freeze));

/** What the server takes as a reaction (API.md, "Reactions"): 1 to 64 bytes, no spaces or controls. */
const REACTION_BYTES = 64;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/** `text` if it is an emoji the server would take as a reaction, else null. */
export function typedEmoji(text) {
  const candidate = text.trim();
  if (!candidate || /[\s\p{Cc}]/u.test(candidate) || !PICTOGRAPH.test(candidate)) return null;
  if (/\p{L}/u.test(candidate)) return null; // words with an emoji in them
  return new TextEncoder().encode(candidate).length <= REACTION_BYTES ? candidate : null;
}

/**
 * The picker's choices for what is typed in its box: every common emoji when nothing is, those
 * whose words begin with each typed word otherwise, and an emoji typed itself first.
 */
export function pickerChoices(query) {
  const typed = typedEmoji(query);
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const found = typed ? [] : COMMON_EMOJI.filter((choice) => {
    const own = `${choice.name} ${choice.words}`.split(" ");
    return words.every((word) => own.some((candidate) => candidate.startsWith(word)));
  });
  if (!typed) return found;
  const known = COMMON_EMOJI.find((choice) => choice.emoji === typed);
  return [known ?? { emoji: typed, name: typed }];
}

/** "you", "Bob", "you and Bob", "you, Bob and Carol", "you, Bob, Carol and 2 others". */
export function reactedBy(userIds, me, names) {
  const shown = 3;
  const people = [...userIds].sort((a, b) => (b === me) - (a === me)).map((id) => (id === me ? "you" : names.get(id) || "someone"));
  if (people.length > shown + 1) return `${people.slice(0, shown).join(", ")} and ${people.length - shown} others`;
  return people.length > 1 ? `${people.slice(0, -1).join(", ")} and ${people.at(-1)}` : people[0] ?? "";
}

/**
 * A message's reactions as drawn, in the order the server keeps them (first use): each with its
 * count, whether it is ours (clicking it takes ours back), and who reacted.
 */
export function reactionChips(message, me, names) {
  return message.reactions.filter((summary) => summary.count > 0).map((summary) => ({
    emoji: summary.emoji,
    count: summary.count,
    mine: summary.user_ids.includes(me),
    who: reactedBy(summary.user_ids, me, names),
  }));
}
