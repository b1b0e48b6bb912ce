//! Architecture invariants of docs/ARCHITECTURE.md that a test can hold, rather than a reviewer
//! (rust-analyzer's tidy tests): chat-domain's default build depends on nothing beyond its allowed
//! crates, every file the document names exists, and the documents point to nothing outside the
//! repository.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `cargo metadata` of the workspace, without its dependencies' own manifests.
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Other Rust services reuse chat-domain without a database driver or web server, so its default
/// build depends on serde, uuid, time and thiserror only (optional dependencies, such as utoipa for
/// the `openapi` feature, must stay out of its default features).
#[test]
fn chat_domain_default_build_depends_on_serde_uuid_time_and_thiserror_only() {
    let metadata = metadata();
    let packages = metadata["packages"].as_array().unwrap();
    let domain = packages.iter().find(|package| package["name"] == "chat-domain").unwrap();
    let default_features: Vec<&str> = domain["features"]["default"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut checked = 0;
    for dependency in domain["dependencies"].as_array().unwrap() {
        let name = dependency["name"].as_str().unwrap();
        if !dependency["kind"].is_null() {
            continue; // dev- and build-dependencies are not part of what others get
        }
        if dependency["optional"] == true {
            let enabled = default_features.iter().any(|feature| feature.contains(name));
            assert!(!enabled, "the default build of chat-domain turns on optional {name}");
            continue;
        }
        checked += 1;
        assert!(["serde", "uuid", "time", "thiserror"].contains(&name), "chat-domain must not depend on {name}");
    }
    assert!(checked > 0, "read no dependencies of chat-domain");
}

/// Whether `token` (a path as ARCHITECTURE.md writes it) names a file or folder of the project:
/// from the root, from a crate, or (a bare file name) anywhere in the project.
fn exists(root: &Path, token: &str) -> bool {
    let crates: Vec<PathBuf> =
        std::fs::read_dir(root.join("crates")).unwrap().flatten().map(|entry| entry.path()).collect();
    let bases = std::iter::once(root.to_path_buf())
        .chain(crates.iter().cloned())
        .chain(crates.iter().map(|dir| dir.join("src")));
    if bases.into_iter().any(|base| base.join(token).exists()) {
        return true;
    }
    !token.contains('/') && find_file(root, token)
}

fn find_file(dir: &Path, name: &str) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|entry| {
        let path = entry.path();
        if path.file_name().is_some_and(|file| ["target", ".data", ".git"].iter().any(|skip| file == *skip)) {
            return false;
        }
        path.file_name().is_some_and(|file| file == name) || path.is_dir() && find_file(&path, name)
    })
}

/// Every path or file name the document puts in backticks exists: a file that is renamed or
/// deleted must take the document with it.
#[test]
fn every_path_in_architecture_md_exists() {
    let root = workspace_root();
    let document = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let mut checked = 0;
    let mut missing = Vec::new();
    for (index, token) in document.split('`').enumerate() {
        let looks_like_a_path = token.ends_with(".rs")
            || token.ends_with(".sql")
            || token.ends_with(".md")
            || token.ends_with(".sh")
            || token.ends_with('/')
            || token.starts_with("crates/");
        if index % 2 == 0 || !looks_like_a_path || token.contains([' ', '{', '*', '<', '(']) || token.contains("::") {
            continue;
        }
        checked += 1;
        if !exists(&root, token.trim_end_matches('/')) {
            missing.push(token.to_owned());
        }
    }
    assert!(missing.is_empty(), "docs/ARCHITECTURE.md names what does not exist: {missing:?}");
    assert!(checked > 20, "found only {checked} paths to check");
}

/// README.md and docs/ stand on their own: someone who clones the repository has every file they
/// point to, so none climbs out of it with `../` (`.../edits`, an elided path, is not a climb).
#[test]
fn the_documents_point_to_nothing_outside_the_repository() {
    let root = workspace_root();
    let mut documents = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "md") {
            documents.push(path);
        }
    }
    let mut outside = Vec::new();
    for document in &documents {
        let text = std::fs::read_to_string(document).unwrap();
        for (number, line) in text.lines().enumerate() {
            let climbs = line.match_indices("../").any(|(at, _)| !line[..at].ends_with('.'));
            if climbs {
                outside.push(format!("{}:{}: {line}", document.display(), number + 1));
            }
        }
    }
    assert!(outside.is_empty(), "documents point outside the repository: {outside:#?}");
    assert!(documents.len() > 3, "found only {documents:?}");
}
