//! A web server on 127.0.0.1 for the link preview tests: serves the pages it is given (status,
//! type, body, headers, a delay before answering) and counts the requests for each path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One path's answer.
#[derive(Clone, Debug)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
}

impl Page {
    pub fn html(body: &str) -> Self {
        Self::typed("text/html; charset=utf-8", body.as_bytes().to_vec())
    }

    pub fn typed(content_type: &str, body: Vec<u8>) -> Self {
        Self { status: 200, content_type: content_type.into(), body, headers: Vec::new(), delay: Duration::ZERO }
    }

    /// A redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        Self { status: 302, headers: vec![("location".into(), location.into())], ..Self::html("") }
    }

    /// A page with the Open Graph tags of a preview, its picture at `image`.
    pub fn with_preview(title: &str, image: &str) -> Self {
        Self::html(&format!(
            r#"<!doctype html><html><head><title>ignored</title>
            <meta property="og:title" content="{title}">
            <meta property="og:description" content="All about {title}">
            <meta property="og:site_name" content="Pages">
            <meta property="og:image" content="{image}">
            </head><body><p>text</p></body></html>"#
        ))
    }
}

#[derive(Default)]
struct State {
    pages: HashMap<String, Page>,
    hits: HashMap<String, usize>,
}

pub struct PageServer {
    /// `http://127.0.0.1:{port}`.
    pub origin: String,
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl PageServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { origin: format!("http://127.0.0.1:{port}"), port, state }
    }

    /// Serves `page` at `path`; answers its full URL.
    pub fn serve(&self, path: &str, page: Page) -> String {
        self.state.lock().unwrap().pages.insert(path.into(), page);
        format!("{}{path}", self.origin)
    }

    /// Requests received for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.state.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut head = Vec::new();
    let mut chunk = [0_u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(&chunk[..read]),
        }
    }
    let request = String::from_utf8_lossy(&head).to_string();
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let page = {
        let mut state = state.lock().unwrap();
        *state.hits.entry(path.clone()).or_default() += 1;
        state.pages.get(&path).cloned()
    };
    let page = page.unwrap_or(Page { status: 404, ..Page::html("not here") });
    tokio::time::sleep(page.delay).await;
    let mut answer = format!(
        "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n",
        page.status,
        page.content_type,
        page.body.len()
    );
    for (name, value) in &page.headers {
        answer.push_str(&format!("{name}: {value}\r\n"));
    }
    answer.push_str("\r\n");
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.write_all(&page.body).await;
    let _ = stream.shutdown().await;
}
