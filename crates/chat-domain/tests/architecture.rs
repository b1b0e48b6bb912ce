//! Architecture invariants of docs/ARCHITECTURE.md that a test can hold, rather than a reviewer
//! (rust-analyzer's tidy tests): chat-domain's default build depends on nothing beyond its allowed
//! crates, every file the document names exists, the documents point to nothing outside the
//! repository, and no crate's modules import each other in a circle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
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

/// A module's path inside its crate: `[]` for `lib.rs` and `main.rs`, `["realtime", "replay"]` for
/// `realtime/replay.rs` or `realtime/replay/mod.rs`. Inline modules (`mod tests { .. }`) are part of
/// their file's module.
type Module = Vec<String>;

/// Which modules each module imports from.
type Graph = BTreeMap<Module, BTreeSet<Module>>;

/// Every module of the crate whose sources are in `src`, with its text.
fn crate_modules(src: &Path) -> BTreeMap<Module, String> {
    let mut modules = BTreeMap::new();
    collect_modules(src, &mut Vec::new(), &mut modules);
    modules
}

fn collect_modules(dir: &Path, folder: &mut Module, modules: &mut BTreeMap<Module, String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            folder.push(name);
            collect_modules(&path, folder, modules);
            folder.pop();
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let mut module = folder.clone();
        let is_root = folder.is_empty() && (name == "lib" || name == "main");
        if name != "mod" && !is_root {
            module.push(name);
        }
        modules.entry(module).or_default().push_str(&std::fs::read_to_string(&path).unwrap());
    }
}

/// Every path that `code` writes from `crate::` or `super::`, a use tree spelled out into its
/// paths: `use crate::a::{b::C, d};` gives `crate::a::b::C` and `crate::a::d`. Comments are left
/// out (prose may name a path it does not use).
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let code: String = code.lines().flat_map(|line| [line.split("//").next().unwrap_or_default(), "\n"]).collect();
    let code = code.as_str();
    let mut paths = Vec::new();
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            let before = code[..at].chars().next_back();
            // `$crate::` is a macro's own crate; `a::super::` or `my_crate::` are not a path's start.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
                continue;
            }
            use_tree(&code[at..], &[], &mut paths);
        }
    }
    paths
}

/// Reads one path or use tree from the start of `text` into `paths`, each prefixed with `prefix`;
/// returns the text after it.
fn use_tree<'a>(mut text: &'a str, prefix: &[String], paths: &mut Vec<Vec<String>>) -> &'a str {
    let mut path = prefix.to_vec();
    loop {
        text = text.trim_start();
        if let Some(inside) = text.strip_prefix('{') {
            text = inside;
            loop {
                text = use_tree(text, &path, paths).trim_start();
                match text.strip_prefix(',') {
                    Some(after) if !after.trim_start().starts_with('}') => text = after,
                    Some(after) => text = after.trim_start(),
                    None => break,
                }
                if text.starts_with('}') {
                    break;
                }
            }
            return text.strip_prefix('}').unwrap_or(text);
        }
        let length = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
        if length == 0 {
            break; // `*`, or the `<` of `::<T>`
        }
        path.push(text[..length].to_owned());
        text = &text[length..];
        match text.trim_start().strip_prefix("::") {
            Some(after) => text = after,
            None => break,
        }
    }
    paths.push(path);
    text
}

/// The module each `crate::`/`super::` path in a module lands in (the longest prefix that is a
/// module), as edges between modules.
///
/// A module and its ancestors are one relation, not imports: a parent declares `mod child` (and
/// may re-export or use its items), a child reaches its parent's items through `super::`, as in
/// rust-analyzer's tidy tests. So an edge between a module and one of its ancestors does not count;
/// an edge to a sibling, cousin or any other module does. A path through the crate root's
/// re-exports (`crate::Chat`) lands in the root, an ancestor of every module: the graph sees the
/// module structure, not where a re-exported name was defined.
fn import_graph(modules: &BTreeMap<Module, String>) -> Graph {
    let mut graph = Graph::new();
    for (module, code) in modules {
        let imports = graph.entry(module.clone()).or_default();
        for path in crate_paths(code) {
            let mut absolute = module.clone();
            let mut segments = path.iter().peekable();
            if segments.peek().is_some_and(|first| *first == "crate") {
                absolute.clear();
                segments.next();
            } else {
                while segments.next_if(|segment| *segment == "super").is_some() {
                    absolute.pop();
                }
            }
            absolute.extend(segments.cloned());
            let target = (0..=absolute.len())
                .rev()
                .map(|length| &absolute[..length])
                .find(|prefix| modules.contains_key(*prefix));
            let Some(target) = target else { continue };
            let related = target.starts_with(module) || module.starts_with(target);
            if !related {
                imports.insert(target.to_vec());
            }
        }
    }
    graph
}

/// The circles of `graph`: every set of two or more nodes each of which reaches all the others
/// (a strongly connected component), sorted.
fn circles<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    let reach: BTreeMap<&N, BTreeSet<&N>> = graph.keys().map(|node| (node, reachable(graph, node))).collect();
    let mut found: Vec<Vec<N>> = Vec::new();
    for (node, from_node) in &reach {
        let circle: Vec<N> = from_node
            .iter()
            .filter(|other| reach.get(**other).is_some_and(|back| back.contains(node)))
            .map(|other| (*other).clone())
            .collect();
        if circle.len() > 1 && !found.contains(&circle) {
            found.push(circle);
        }
    }
    found
}

/// Every node one or more edges away from `start`.
fn reachable<'g, N: Ord>(graph: &'g BTreeMap<N, BTreeSet<N>>, start: &N) -> BTreeSet<&'g N> {
    let mut seen = BTreeSet::new();
    let mut next: Vec<&N> = graph.get(start).into_iter().flatten().collect();
    while let Some(node) = next.pop() {
        if seen.insert(node) {
            next.extend(graph.get(node).into_iter().flatten());
        }
    }
    seen
}

fn module_name(module: &[String]) -> String {
    if module.is_empty() { "crate".to_owned() } else { module.join("::") }
}

/// Modules that import each other, directly or around a ring, cannot be understood, tested or
/// moved one at a time: names both need belong in a module of their own that both import.
#[test]
fn no_crate_has_a_circle_between_its_modules() {
    let root = workspace_root();
    let mut crates: Vec<PathBuf> =
        std::fs::read_dir(root.join("crates")).unwrap().flatten().map(|entry| entry.path().join("src")).collect();
    crates.retain(|src| src.is_dir());
    crates.sort();
    let mut report = Vec::new();
    let mut modules_read = 0;
    for src in &crates {
        let modules = crate_modules(src);
        modules_read += modules.len();
        let graph = import_graph(&modules);
        let name = src.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        for circle in circles(&graph) {
            let edges: Vec<String> = circle
                .iter()
                .flat_map(|from| {
                    graph[from]
                        .iter()
                        .filter(|to| circle.contains(to))
                        .map(move |to| format!("{} -> {}", module_name(from), module_name(to)))
                })
                .collect();
            report.push(format!("{name}: {}", edges.join(", ")));
        }
    }
    assert!(modules_read > 50, "read only {modules_read} modules");
    assert!(report.is_empty(), "modules import each other in a circle:\n{}", report.join("\n"));
}

#[test]
fn circles_are_rings_of_two_or_more_and_nothing_else() {
    let graph: BTreeMap<&str, BTreeSet<&str>> = [
        ("a", vec!["b"]),
        ("b", vec!["c", "d"]),
        ("c", vec!["a"]),
        ("d", vec!["e"]),
        ("e", vec![]),
        ("f", vec!["f", "g"]),
        ("g", vec!["h"]),
        ("h", vec!["g"]),
    ]
    .into_iter()
    .map(|(node, edges)| (node, edges.into_iter().collect()))
    .collect();
    assert_eq!(circles(&graph), vec![vec!["a", "b", "c"], vec!["g", "h"]]);
}

#[test]
fn the_graph_reads_use_trees_and_paths_but_not_a_parent_and_its_child() {
    let module =
        |path: &str| -> Module { path.split("::").filter(|part| !part.is_empty()).map(str::to_owned).collect() };
    let sources = [
        ("", "pub mod a;\npub mod b;\npub mod c;\npub use a::A;"),
        ("a", "mod child;\nuse crate::{b::{self, B}, c::*};\nuse child::Inner;\npub struct A(crate::b::B);"),
        ("a::child", "use super::A;\nfn f() -> super::super::c::C { $crate::b::B }"),
        ("b", "use crate::A;\npub struct B;"),
        ("c", "/// Not [`crate::b`].\npub struct C(pub(crate) crate::a::child::Inner); // nor crate::b"),
    ];
    let modules: BTreeMap<Module, String> =
        sources.into_iter().map(|(path, code)| (module(path), code.to_owned())).collect();
    let graph = import_graph(&modules);
    let edges: Vec<(String, String)> =
        graph.iter().flat_map(|(from, to)| to.iter().map(move |to| (module_name(from), module_name(to)))).collect();
    let expected = [("a", "b"), ("a", "c"), ("a::child", "c"), ("c", "a::child")];
    assert_eq!(edges, expected.map(|(from, to)| (from.to_owned(), to.to_owned())));
    assert_eq!(circles(&graph), vec![vec![module("a::child"), module("c")]]);
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
