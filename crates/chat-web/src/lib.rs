//! The browser client: plain JavaScript modules and CSS, no build step, compiled into the binary
//! that serves them (`include_bytes!`), so `make run` and opening `/` is the whole set-up.
//! It uses the public API only, as any other client would.

/// One file of the client.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// Where it is served, from the root (`/` is the page itself).
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// Every file of the client.
pub const ASSETS: &[Asset] = &[
    Asset { path: "/", content_type: "text/html; charset=utf-8", bytes: include_bytes!("../web/index.html") },
    Asset { path: "/app.css", content_type: "text/css; charset=utf-8", bytes: include_bytes!("../web/app.css") },
    Asset { path: "/app.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/app.js") },
    Asset { path: "/model.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/model.js") },
    Asset { path: "/view.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/view.js") },
    Asset { path: "/controller.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/controller.js") },
    Asset { path: "/elements.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/elements.js") },
    Asset { path: "/api.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/api.js") },
    Asset { path: "/live.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/live.js") },
    Asset { path: "/read_position.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/read_position.js") },
    Asset { path: "/uploads.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/uploads.js") },
    Asset { path: "/push.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/push.js") },
    Asset { path: "/unread.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/unread.js") },
    Asset { path: "/rich_text.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/rich_text.js") },
    Asset { path: "/timeline.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/timeline.js") },
    Asset { path: "/moderation.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/moderation.js") },
    Asset { path: "/snippet.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/snippet.js") },
    Asset { path: "/notifications.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/notifications.js") },
    Asset { path: "/presence.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/presence.js") },
    Asset { path: "/people.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/people.js") },
    Asset { path: "/reactions.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/reactions.js") },
    Asset { path: "/mentions.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/mentions.js") },
    Asset { path: "/threads.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/threads.js") },
    // The service worker: served from the root, so that its scope is the whole client.
    Asset { path: "/sw.js", content_type: JAVASCRIPT, bytes: include_bytes!("../web/sw.js") },
];

/// The file served at `path`, if the client has one.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

#[cfg(test)]
mod tests {
    /// A module left out of `ASSETS` is a 404 in the browser, and the client does not start.
    #[test]
    fn every_file_of_the_client_is_served() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        for entry in std::fs::read_dir(folder).expect("read web/") {
            let name = entry.expect("an entry of web/").file_name().into_string().expect("a UTF-8 name");
            let path = if name == "index.html" { "/".to_owned() } else { format!("/{name}") };
            assert!(super::asset(&path).is_some(), "web/{name} is not in ASSETS");
        }
    }
}
