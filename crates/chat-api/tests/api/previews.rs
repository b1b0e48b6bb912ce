//! Link previews: the first link of a message is fetched after the post (never on its path), and
//! its preview arrives as `message.updated`; fetching refuses private addresses (on redirects too)
//! unless allow-listed, and a huge, slow or unsuitable page gives no preview and keeps nothing.

use crate::support::{Page, PageServer, TestApp, TestUser, expect_json};
use crate::uploads::png;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A server that previews links, allowing the page server's 127.0.0.1 unless `allowed` is false.
async fn app(allowed: bool) -> TestApp {
    TestApp::spawn_with(|config| {
        config.previews.enabled = true;
        if !allowed {
            config.previews.allowed_hosts.clear();
        }
    })
    .await
}

async fn pair(app: &TestApp) -> (TestUser, TestUser, i64) {
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    (ann, bob, chat)
}

/// Waits (5 s at most) until the store has recorded a fetch of `url`; answers whether the page
/// had something to show.
async fn fetched(app: &TestApp, url: &str) -> bool {
    let store = app.store().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(page) = store.cached_page(url, Duration::from_secs(3600)).await.unwrap() {
            return page.found;
        }
        assert!(Instant::now() < deadline, "{url} was never fetched");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The message as history shows it to `user`.
async fn shown(app: &TestApp, user: &TestUser, chat: i64, id: i64) -> Value {
    let page = app.get_ok(user, &format!("/api/v1/chats/{chat}/messages")).await;
    page["messages"].as_array().unwrap().iter().find(|message| message["id"] == id).unwrap().clone()
}

#[tokio::test]
async fn a_link_gets_its_pages_preview_and_picture_as_a_message_update() {
    let app = app(true).await;
    let pages = PageServer::start().await;
    pages.serve("/launch.png", Page::typed("image/png", png(64, 32)));
    let link = pages.serve("/launch", Page::with_preview("Launch &amp; day", "/launch.png"));
    let (ann, bob, chat) = pair(&app).await;
    let (mut socket, _) = app.ws(&bob, None).await;

    let posted = app.text(&ann, chat, &format!("Look: {link}, tonight")).await;
    assert!(posted.get("link_preview").is_none(), "the post does not wait for the page: {posted}");
    let created = socket.next_event().await;
    assert_eq!(created["type"], "message.created");
    let updated = socket.next_event().await;
    assert_eq!(updated["type"], "message.updated", "{updated}");
    let preview = &updated["data"]["link_preview"];
    assert_eq!(preview["url"], link);
    assert_eq!(preview["title"], "Launch & day");
    assert_eq!(preview["description"], "All about Launch & day");
    assert_eq!(preview["site_name"], "Pages");
    let image = &preview["image"];
    assert_eq!(
        (image["content_type"].as_str(), image["width"].as_u64(), image["height"].as_u64()),
        (Some("image/png"), Some(64), Some(32))
    );
    assert_eq!(updated["data"]["updated_at"], Value::Null, "a preview is not an edit");
    assert_eq!(shown(&app, &ann, chat, posted["id"].as_i64().unwrap()).await["link_preview"], *preview);

    // The picture is the chat's members' to see, like an attachment; a stranger's 404.
    let path = format!("/api/v1/uploads/{}", image["id"].as_str().unwrap());
    let picture = app.call(&bob, Method::GET, &path).await;
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(picture.bytes().await.unwrap().to_vec(), png(64, 32));
    let eve = app.register("eve").await;
    assert_eq!(app.call(&eve, Method::GET, &path).await.status(), StatusCode::NOT_FOUND);

    // A second message with the same link is served from the cache: the page is fetched once.
    let again = app.text(&bob, chat, &link).await;
    socket.next_event().await;
    let second = socket.next_event().await;
    assert_eq!(
        (second["type"].as_str(), second["data"]["id"].as_i64()),
        (Some("message.updated"), again["id"].as_i64())
    );
    assert_eq!(second["data"]["link_preview"]["title"], "Launch & day");
    assert_eq!((pages.hits("/launch"), pages.hits("/launch.png")), (1, 1));
}

#[tokio::test]
async fn two_processes_fetch_each_page_once_and_attach_each_preview_once() {
    let app = app(true).await;
    let sibling = app.spawn_sibling().await;
    let pages = PageServer::start().await;
    let (ann, bob, chat) = pair(&app).await;
    let (mut socket, _) = app.ws(&bob, None).await;

    // Both processes' workers claim jobs from the one queue, and posts reach both.
    let links: Vec<String> = (0..8)
        .map(|n| pages.serve(&format!("/page-{n}"), Page::with_preview(&format!("Page {n}"), "/none.png")))
        .collect();
    for (n, link) in links.iter().enumerate() {
        let server = if n % 2 == 0 { &app } else { &sibling };
        server.text(&ann, chat, link).await;
    }
    let mut previewed = Vec::new();
    while previewed.len() < links.len() {
        let frame = socket.next_event().await;
        if frame["type"] == "message.updated" {
            previewed.push(frame["data"]["link_preview"]["title"].as_str().unwrap().to_owned());
        }
    }
    previewed.sort();
    let expected: Vec<String> = (0..8).map(|n| format!("Page {n}")).collect();
    assert_eq!(previewed, expected, "each message's preview once");
    socket.expect_quiet(Duration::from_millis(500)).await;
    assert!((0..8).all(|n| pages.hits(&format!("/page-{n}")) == 1), "each page fetched once");
}

#[tokio::test]
async fn an_edit_that_changes_the_link_changes_the_preview_and_one_that_drops_it_drops_it() {
    let app = app(true).await;
    let pages = PageServer::start().await;
    let first = pages.serve("/first", Page::with_preview("First", "/none.png"));
    let second = pages.serve("/second", Page::with_preview("Second", "/none.png"));
    let (ann, bob, chat) = pair(&app).await;
    let (mut socket, _) = app.ws(&bob, None).await;
    let id = app.text(&ann, chat, &first).await["id"].as_i64().unwrap();
    socket.next_event().await;
    let previewed = socket.next_event().await;
    assert_eq!(previewed["data"]["link_preview"]["title"], "First");
    assert!(previewed["data"]["link_preview"]["image"].is_null(), "a picture that is not there is left out");

    let edit = |content: String| {
        let (app, ann) = (&app, &ann);
        async move {
            let path = format!("/api/v1/messages/{id}");
            expect_json(app.call_json(ann, Method::PATCH, &path, &json!({ "content": content })).await, StatusCode::OK)
                .await
        }
    };
    let edited = edit(format!("now {second}")).await;
    assert!(edited.get("link_preview").is_none(), "the old link's preview does not outlive the edit: {edited}");
    assert_eq!(socket.next_event().await["type"], "message.updated");
    let repreviewed = socket.next_event().await;
    assert_eq!(repreviewed["data"]["link_preview"]["title"], "Second", "{repreviewed}");

    let unlinked = edit("no link any more".into()).await;
    assert!(unlinked.get("link_preview").is_none());
    assert_eq!(socket.next_event().await["type"], "message.updated");
    socket.expect_quiet(Duration::from_millis(500)).await;
    assert!(shown(&app, &bob, chat, id).await.get("link_preview").is_none());
}

#[tokio::test]
async fn a_private_address_is_refused_unless_allow_listed() {
    let app = app(false).await;
    let pages = PageServer::start().await;
    let link = pages.serve("/inside", Page::with_preview("Inside", "/none.png"));
    let (ann, _bob, chat) = pair(&app).await;
    let id = app.text(&ann, chat, &link).await["id"].as_i64().unwrap();
    assert!(!fetched(&app, &link).await, "a page on a loopback address has nothing to show");
    assert_eq!(pages.hits("/inside"), 0, "nothing was sent to it");
    assert!(shown(&app, &ann, chat, id).await.get("link_preview").is_none());
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    let app = app(true).await;
    let pages = PageServer::start().await;
    pages.serve("/inside", Page::with_preview("Inside", "/none.png"));
    // 127.0.0.1 is allow-listed for the test; `localhost` is a name resolving to loopback, and
    // 169.254.169.254 is the clouds' metadata service.
    let to_name = pages.serve("/hop", Page::redirect(&format!("http://localhost:{}/inside", pages.port)));
    let to_metadata = pages.serve("/meta", Page::redirect("http://169.254.169.254/latest/meta-data/"));
    let (ann, _bob, chat) = pair(&app).await;
    app.text(&ann, chat, &to_name).await;
    app.text(&ann, chat, &to_metadata).await;
    assert!(!fetched(&app, &to_name).await);
    assert!(!fetched(&app, &to_metadata).await);
    assert_eq!((pages.hits("/hop"), pages.hits("/meta"), pages.hits("/inside")), (1, 1, 0));
}

#[tokio::test]
async fn a_huge_slow_or_unsuitable_page_gives_no_preview_and_keeps_nothing() {
    let app = TestApp::spawn_with(|config| {
        config.previews.enabled = true;
        config.previews.timeout = Duration::from_millis(300);
        config.previews.max_page_bytes = 64 * 1024;
    })
    .await;
    let objects_before = app.media().object_count().await.unwrap();
    let pages = PageServer::start().await;
    let mut huge =
        r#"<html><head><meta property="og:title" content="Huge"><meta property="og:image" content="/p.png">"#
            .to_owned();
    huge.push_str(&"<!-- padding -->".repeat(10_000));
    pages.serve("/p.png", Page::typed("image/png", png(8, 8)));
    let links = [
        pages.serve("/huge", Page::html(&huge)),
        pages.serve("/slow", Page { delay: Duration::from_secs(2), ..Page::with_preview("Slow", "/p.png") }),
        pages.serve("/text", Page::typed("text/plain", b"<title>Not a page</title>".to_vec())),
        pages.serve("/gone", Page { status: 404, ..Page::with_preview("Gone", "/p.png") }),
        pages.serve("/empty", Page::html("<html><head></head><body>nothing said</body></html>")),
    ];
    let (ann, _bob, chat) = pair(&app).await;
    let mut ids = Vec::new();
    for link in &links {
        ids.push(app.text(&ann, chat, &format!("see {link}")).await["id"].as_i64().unwrap());
    }
    for link in &links {
        assert!(!fetched(&app, link).await, "{link} gave a preview");
    }
    for id in ids {
        assert!(shown(&app, &ann, chat, id).await.get("link_preview").is_none());
    }
    assert_eq!(pages.hits("/p.png"), 0, "no picture of a page without a preview is fetched");
    assert_eq!(app.media().object_count().await.unwrap(), objects_before, "nothing was stored");
}

#[tokio::test]
async fn with_previews_off_no_page_is_fetched() {
    let app = TestApp::spawn().await;
    let pages = PageServer::start().await;
    let link = pages.serve("/page", Page::with_preview("Page", "/none.png"));
    let (ann, bob, chat) = pair(&app).await;
    let (mut socket, _) = app.ws(&bob, None).await;
    app.text(&ann, chat, &link).await;
    assert_eq!(socket.next_event().await["type"], "message.created");
    socket.expect_quiet(Duration::from_millis(500)).await;
    assert_eq!(pages.hits("/page"), 0);
}
