//! Link previews: the first web address a message's text names, and what the server found on that
//! page (its title, description, site name and picture), shown under the message.
//!
//! The server fetches the page after the message is posted, never on the request's path, and
//! attaches the preview with a `message.updated` event. What a page says is untrusted text: it is
//! cleaned here (no control or invisible characters, whitespace collapsed, lengths capped) and
//! shown by clients as text, never as markup.

use crate::upload::Upload;
use serde::{Deserialize, Serialize};

/// The longest address previewed, in bytes; a longer one is left alone.
pub const MAX_URL_BYTES: usize = 2048;
/// The longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// The longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The longest site name kept, in characters.
pub const MAX_SITE_NAME_CHARS: usize = 100;

/// What a message shows of the page its first link leads to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkPreview {
    /// The address as the message's text has it (the page may have been reached through redirects).
    pub url: String,
    /// The page's title (`og:title`, else `<title>`).
    pub title: Option<String>,
    /// Its description (`og:description`, else `<meta name="description">`).
    pub description: Option<String>,
    /// The site's name (`og:site_name`).
    pub site_name: Option<String>,
    /// The page's picture (`og:image`), fetched by the server and stored as an upload of its
    /// own: `GET /uploads/{id}` and its thumbnails serve it to the chat's members.
    pub image: Option<Upload>,
}

/// What a page says about itself, cleaned: the preview before its picture is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageSummary {
    /// See `LinkPreview::title`.
    pub title: Option<String>,
    /// See `LinkPreview::description`.
    pub description: Option<String>,
    /// See `LinkPreview::site_name`.
    pub site_name: Option<String>,
    /// The picture's address as the page gives it (possibly relative to the page).
    pub image_url: Option<String>,
}

impl PageSummary {
    /// Cleans what a page's markup says (see `clean_text`).
    pub fn new(
        title: Option<&str>,
        description: Option<&str>,
        site_name: Option<&str>,
        image_url: Option<&str>,
    ) -> Self {
        Self {
            title: title.and_then(|text| clean_text(text, MAX_TITLE_CHARS)),
            description: description.and_then(|text| clean_text(text, MAX_DESCRIPTION_CHARS)),
            site_name: site_name.and_then(|text| clean_text(text, MAX_SITE_NAME_CHARS)),
            image_url: image_url
                .map(str::trim)
                .filter(|url| !url.is_empty() && url.len() <= MAX_URL_BYTES)
                .map(Into::into),
        }
    }

    /// Whether there is anything to show: a preview needs a title or a description (a bare
    /// picture or site name says too little about where a link leads).
    pub fn is_worth_showing(&self) -> bool {
        self.title.is_some() || self.description.is_some()
    }
}

/// The first `http://` or `https://` address in `text`, as people write them in prose: one that
/// starts a word (not `xhttp://`, nor inside a `` `code` `` span's first character), runs to the
/// next space, quote (typographic ones too) or angle bracket, and does not keep the sentence's final punctuation or a
/// closing bracket it did not open. Addresses without a host or longer than `MAX_URL_BYTES`
/// are passed over.
///
/// ```
/// use chat_domain::link_preview::first_link;
/// assert_eq!(first_link("see https://example.com/a_(b)."), Some("https://example.com/a_(b)"));
/// assert_eq!(first_link("(at https://example.com/x), ok"), Some("https://example.com/x"));
/// assert_eq!(first_link("`https://internal` then <http://b.example>"), Some("http://b.example"));
/// assert_eq!(first_link("no links, ftp://x.example"), None);
/// ```
pub fn first_link(text: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(found) = find_scheme(&text[from..]) {
        let start = from + found;
        from = start + 1;
        let before = text[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '`' || c == '/' || c == '_') {
            continue;
        }
        let rest = &text[start..];
        let end = rest.find(|c: char| c.is_whitespace() || "<>\"'`«»“”‘’".contains(c)).unwrap_or(rest.len());
        let candidate = trim_link_end(&rest[..end]);
        let after_scheme = candidate.split_once("://").map_or("", |(_, after)| after);
        let host = after_scheme.split(['/', '?', '#']).next().unwrap_or_default();
        if !host.is_empty() && candidate.len() <= MAX_URL_BYTES {
            return Some(candidate);
        }
    }
    None
}

/// Where the next `http://` or `https://` (in any case) begins.
fn find_scheme(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&at| {
        let rest = &bytes[at..];
        let starts = |prefix: &[u8]| rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix);
        starts(b"http://") || starts(b"https://")
    })
}

/// Drops trailing sentence punctuation, and closing brackets that the address did not open
/// (`(see https://a.example/x)` keeps no `)`, `https://en.wikipedia.org/wiki/C_(language)` keeps it).
fn trim_link_end(mut link: &str) -> &str {
    loop {
        let Some(last) = link.chars().next_back() else { return link };
        let unbalanced =
            |open: char, close: char| last == close && link.matches(close).count() > link.matches(open).count();
        if ".,;:!?*".contains(last) || unbalanced('(', ')') || unbalanced('[', ']') || unbalanced('{', '}') {
            link = &link[..link.len() - last.len_utf8()];
        } else {
            return link;
        }
    }
}

/// `raw` as a preview shows it: without control and invisible characters, whitespace runs made one
/// space, trimmed, and cut to `max_chars` (with `…` when cut); `None` when nothing is left.
///
/// ```
/// use chat_domain::link_preview::clean_text;
/// assert_eq!(clean_text("  Launch\n\t day\u{200B} ", 100).as_deref(), Some("Launch day"));
/// assert_eq!(clean_text("abcdef", 4).as_deref(), Some("abc…"));
/// assert_eq!(clean_text(" \u{0007} ", 10), None);
/// ```
pub fn clean_text(raw: &str, max_chars: usize) -> Option<String> {
    let mut cleaned = String::with_capacity(raw.len().min(max_chars * 4));
    for word in raw.split(char::is_whitespace) {
        let word: String = word.chars().filter(|&c| !c.is_control() && !crate::upload::is_invisible(c)).collect();
        if word.is_empty() {
            continue;
        }
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.push_str(&word);
    }
    if cleaned.is_empty() {
        return None;
    }
    if cleaned.chars().count() > max_chars {
        let mut cut: String = cleaned.chars().take(max_chars.saturating_sub(1)).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        return Some(cut);
    }
    Some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_found_where_people_write_one() {
        assert_eq!(first_link("https://example.com"), Some("https://example.com"));
        assert_eq!(first_link("Look: HTTPS://Example.com/Path?q=1#top!"), Some("HTTPS://Example.com/Path?q=1#top"));
        assert_eq!(first_link("[docs](https://docs.example/a)"), Some("https://docs.example/a"));
        assert_eq!(first_link("«http://пример.рф/страница», сказал он"), Some("http://пример.рф/страница"));
        assert_eq!(first_link("two: http://a.example and https://b.example"), Some("http://a.example"));
    }

    #[test]
    fn what_is_not_a_link_is_passed_over() {
        assert_eq!(first_link("xhttp://a.example http:// and https:///path"), None);
        assert_eq!(first_link("`http://code.example` only"), None);
        assert_eq!(first_link("mailto:ann@example.com"), None);
        let long = format!("https://a.example/{}", "x".repeat(MAX_URL_BYTES));
        assert_eq!(first_link(&long), None);
        assert_eq!(first_link(&format!("{long} https://short.example")), Some("https://short.example"));
    }

    #[test]
    fn a_page_with_only_a_picture_is_not_worth_a_preview() {
        assert!(!PageSummary::new(None, Some(" "), Some("Site"), Some("/a.png")).is_worth_showing());
        assert!(PageSummary::new(Some("Title"), None, None, None).is_worth_showing());
        assert_eq!(PageSummary::new(None, None, None, Some("  ")).image_url, None);
    }
}
