//! Searching messages: what a person types (web-search syntax: words, `"exact phrases"`,
//! `-excluded`, the last word as a prefix while typing), made into a full-text query.

use crate::field_code::FieldCode;
use crate::validation::ValidationErrors;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words and phrases a query may hold.
const MAX_TERMS: usize = 16;

/// A parsed search query, ready for PostgreSQL's `to_tsquery`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    tsquery: String,
}

/// One word or phrase of the query.
struct Term {
    words: Vec<String>,
    excluded: bool,
    prefix: bool,
}

impl SearchQuery {
    /// Parses `text`. Letters and digits make words (everything else separates them, so nothing
    /// the person types is query syntax); `"..."` is a phrase; a leading `-` excludes a word or
    /// phrase; the last word is a prefix unless the text ends with a space or a quote.
    ///
    /// ```
    /// use chat_domain::search::SearchQuery;
    /// let query = SearchQuery::parse(r#"deploy "release notes" -draft sched"#).unwrap();
    /// assert_eq!(query.as_tsquery(), "'deploy' & ('release' <-> 'notes') & !'draft' & 'sched':*");
    /// assert!(SearchQuery::parse("  -only -excluded ").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, ValidationErrors> {
        let invalid = |code: FieldCode, message: &str| Err(ValidationErrors::single("q", code, message));
        if text.trim().is_empty() {
            return invalid(FieldCode::Required, "type something to search for");
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return invalid(FieldCode::TooLong, "at most 200 characters");
        }
        let terms = terms(text);
        if !terms.iter().any(|term| !term.excluded) {
            return invalid(FieldCode::Invalid, "search for at least one word");
        }
        if terms.len() > MAX_TERMS {
            return invalid(FieldCode::TooMany, "at most 16 words and phrases");
        }
        let rendered: Vec<String> = terms.iter().map(render).collect();
        Ok(Self { tsquery: rendered.join(" & ") })
    }

    /// The query in `to_tsquery` syntax; every word is quoted, so it cannot be malformed.
    pub fn as_tsquery(&self) -> &str {
        &self.tsquery
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase).collect()
}

fn terms(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let excluded = rest.starts_with('-');
        let body = rest.trim_start_matches('-');
        let (piece, after, quoted) = match body.strip_prefix('"') {
            Some(inside) => {
                let end = inside.find('"').unwrap_or(inside.len());
                (&inside[..end], inside.get(end + 1..).unwrap_or(""), true)
            }
            None => {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                (&body[..end], &body[end..], false)
            }
        };
        let words = words(piece);
        if !words.is_empty() {
            let last = after.is_empty() && !quoted && !text.ends_with(char::is_whitespace);
            // A prefix of one letter would match nearly every message: it is taken as a word.
            let long_enough = words.first().is_some_and(|word| word.chars().count() >= 2);
            terms.push(Term { prefix: last && !excluded && words.len() == 1 && long_enough, words, excluded });
        }
        rest = after.trim_start();
    }
    terms
}

fn render(term: &Term) -> String {
    let quoted: Vec<String> = term.words.iter().map(|word| format!("'{word}'")).collect();
    let body = match quoted.as_slice() {
        [single] if term.prefix => format!("{single}:*"),
        [single] => single.clone(),
        many => format!("({})", many.join(" <-> ")),
    };
    if term.excluded { format!("!{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tsquery(text: &str) -> String {
        SearchQuery::parse(text).unwrap().as_tsquery().to_owned()
    }

    #[test]
    fn syntax_characters_are_never_query_syntax() {
        assert_eq!(tsquery("a&b|c!d ) ' :*"), "('a' <-> 'b' <-> 'c' <-> 'd')");
        assert_eq!(tsquery("it's"), "('it' <-> 's')");
        assert_eq!(tsquery("Сообщения "), "'сообщения'");
        assert_eq!(tsquery("\"unclosed phrase"), "('unclosed' <-> 'phrase')");
    }

    #[test]
    fn empty_huge_and_only_excluded_queries_are_refused() {
        for text in ["", "   ", "!!! ???", "-a -b", &"x".repeat(201), &"w ".repeat(17)] {
            assert!(SearchQuery::parse(text).is_err(), "{text:?}");
        }
    }
}
