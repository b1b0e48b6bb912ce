//! What a page says about itself: its Open Graph tags (`og:title`, `og:description`,
//! `og:site_name`, `og:image`), else Twitter's, else `<title>` and `<meta name="description">`,
//! read from the document's head as a browser's tokenizer reads it (character references decoded,
//! `<title>` read as text), in the page's own character encoding.

use chat_domain::link_preview::PageSummary;
use encoding_rs::{Encoding, UTF_8};
use html5gum::{DefaultEmitter, Token, Tokenizer};
use std::collections::HashMap;

/// How far into a page its `<meta charset>` is looked for (the HTML standard's prescan reads 1024 bytes).
const CHARSET_PRESCAN: usize = 1024;

/// Reads `body`, sent with `charset` (from `Content-Type`), if any.
pub fn summarize(body: &[u8], charset: Option<&str>) -> PageSummary {
    let encoding = charset
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| declared_charset(&body[..body.len().min(CHARSET_PRESCAN)]))
        .unwrap_or(UTF_8);
    let (text, _, _) = encoding.decode(body);
    summarize_text(&text)
}

fn summarize_text(html: &str) -> PageSummary {
    let mut emitter = DefaultEmitter::default();
    // Switch to the text states a tree builder would (`<title>`'s content is text, `<script>`'s
    // is not markup), which a bare tokenizer cannot know.
    emitter.naively_switch_states(true);
    let mut meta: HashMap<String, String> = HashMap::new();
    let mut title: Option<String> = None;
    let mut in_title = false;
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) if tag.name.as_slice() == b"body" => break,
            Token::EndTag(tag) if tag.name.as_slice() == b"head" => break,
            Token::StartTag(tag) if tag.name.as_slice() == b"title" => in_title = title.is_none(),
            Token::EndTag(tag) if tag.name.as_slice() == b"title" => in_title = false,
            Token::String(text) if in_title => {
                title.get_or_insert_with(String::new).push_str(&String::from_utf8_lossy(&text));
            }
            Token::StartTag(tag) if tag.name.as_slice() == b"meta" => {
                let attribute = |name: &str| {
                    tag.attributes.get(name.as_bytes()).map(|value| String::from_utf8_lossy(value).into_owned())
                };
                let key = attribute("property").or_else(|| attribute("name"));
                if let (Some(key), Some(content)) = (key, attribute("content")) {
                    meta.entry(key.to_ascii_lowercase()).or_insert(content);
                }
            }
            _ => {}
        }
    }
    let first = |keys: &[&str]| keys.iter().find_map(|key| meta.get(*key)).map(String::as_str);
    PageSummary::new(
        first(&["og:title", "twitter:title"]).or(title.as_deref()),
        first(&["og:description", "twitter:description", "description"]),
        first(&["og:site_name"]),
        first(&["og:image", "og:image:url", "og:image:secure_url", "twitter:image"]),
    )
}

/// The encoding a page's first bytes declare: `<meta charset="...">`, or the `charset=` of a
/// `<meta http-equiv="Content-Type" content="...">` (what the standard's prescan finds, read loosely).
fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_:.".contains(*c))
        .collect();
    Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_graph_tags_come_first_then_the_title_and_description() {
        let page = br#"<!doctype html><html><head>
            <title>Plain &amp; simple</title>
            <meta name="description" content="The plain one">
            <meta property="og:title" content="Launch &quot;day&quot;">
            <meta property="og:site_name" content="Example">
            <meta property="og:image" content="/launch.png">
            </head><body><meta property="og:description" content="in the body: not read"></body></html>"#;
        let summary = summarize(page, None);
        assert_eq!(summary.title.as_deref(), Some("Launch \"day\""));
        assert_eq!(summary.description.as_deref(), Some("The plain one"));
        assert_eq!(summary.site_name.as_deref(), Some("Example"));
        assert_eq!(summary.image_url.as_deref(), Some("/launch.png"));
    }

    #[test]
    fn a_title_is_text_even_where_it_looks_like_markup() {
        let summary = summarize(b"<title>a <b>bold</b> &lt;claim&gt;</title>", None);
        assert_eq!(summary.title.as_deref(), Some("a <b>bold</b> <claim>"));
    }

    #[test]
    fn a_page_in_windows_1251_is_read_in_it() {
        let (page, _, _) = encoding_rs::WINDOWS_1251.encode("<meta charset=\"windows-1251\"><title>Запуск</title>");
        assert_eq!(summarize(&page, None).title.as_deref(), Some("Запуск"));
        let (bare, _, _) = encoding_rs::WINDOWS_1251.encode("<title>Запуск</title>");
        assert_eq!(summarize(&bare, Some("windows-1251")).title.as_deref(), Some("Запуск"));
    }

    #[test]
    fn a_page_without_a_head_worth_reading_says_nothing() {
        assert!(!summarize(b"<p>just text</p>", None).is_worth_showing());
        assert!(!summarize(b"", None).is_worth_showing());
        assert!(!summarize(b"\xff\xfe\x00garbage<<<", None).is_worth_showing());
    }
}
