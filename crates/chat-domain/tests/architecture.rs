//! Architecture invariants of docs/ARCHITECTURE.md that a test can hold, rather than a reviewer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Other Rust services reuse chat-domain without a database driver or web server, so it depends
/// on serde, uuid, time and thiserror only (its `[dependencies]`, not its dev-dependencies).
#[test]
fn chat_domain_depends_on_serde_uuid_time_and_thiserror_only() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let section = manifest.split("[dependencies]").nth(1).expect("a [dependencies] section");
    let section = section.split("\n[").next().unwrap_or_default();
    let names: Vec<&str> = section
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split(['.', '=', ' ']).next())
        .collect();
    for name in &names {
        assert!(["serde", "uuid", "time", "thiserror"].contains(name), "chat-domain must not depend on {name}");
    }
    assert!(!names.is_empty(), "parsed no dependencies from: {section}");
}
