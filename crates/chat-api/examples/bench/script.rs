//! A pgbench script from captured statements: the same SQL and bind values, sent in the same
//! round trips (pipelined where the server pipelines), with a fresh key where the request had one.

use crate::capture::Statement;
use crate::setup::Authors;

/// A pgbench script and the `-D name=value` variables it reads; `name` names its file.
#[derive(Debug)]
pub struct Script {
    pub name: String,
    pub text: String,
    pub defines: Vec<(String, String)>,
}

/// `statements` grouped in round trips of `shape` (e.g. `[2, 2]`: two pipelines of two). The bind
/// value equal to `key` becomes a random key per transaction; with `authors`, the bind naming the
/// first author (the captured request's) becomes the client's own, as the server's clients post
/// (`Authors::token_for`). A NULL bind names a variable that is never set, which pgbench
/// (`-M prepared`) sends as NULL.
pub fn build(
    work: &str,
    statements: &[Statement],
    shape: &[usize],
    key: Option<&str>,
    authors: Option<&Authors>,
) -> Script {
    if statements.len() != shape.iter().sum::<usize>() {
        let texts: Vec<&str> = statements.iter().map(|statement| statement.sql.trim()).collect();
        panic!(
            "{work}: the server sent {} statements, the bench expects {shape:?} per round trip:\n{texts:#?}",
            texts.len()
        );
    }
    let mut text = String::new();
    let mut defines = Vec::new();
    let mut keyed = false;
    if key.is_some() {
        text.push_str("\\set key random(1, 9223372036854775806)\n");
    }
    let first_author = authors.map(|authors| authors.first_id.to_string());
    if let Some(authors) = authors {
        text.push_str(&format!("\\set author {} + :client_id % {}\n", authors.first_id, authors.tokens.len()));
    }
    let mut authored = std::collections::HashSet::new();
    let mut statements = statements.iter().enumerate();
    for &size in shape {
        if size > 1 {
            text.push_str("\\startpipeline\n");
        }
        for (index, statement) in statements.by_ref().take(size) {
            let param = |n: usize| statement.params.get(n - 1).unwrap_or_else(|| panic!("{work}: no ${n} logged"));
            let name = |n: usize| match param(n) {
                Some(value) if Some(value.as_str()) == key => {
                    keyed = true;
                    "key".to_owned()
                }
                Some(value) if Some(value) == first_author.as_ref() => {
                    authored.insert((index, n));
                    "author".to_owned()
                }
                Some(value) => {
                    let variable = format!("s{index}_{n}");
                    if !defines.iter().any(|(name, _)| name == &variable) {
                        defines.push((variable.clone(), value.clone()));
                    }
                    variable
                }
                None => format!("null{index}_{n}"),
            };
            text.push_str(&with_variables(&statement.sql, name));
            text.push_str(";\n");
        }
        if size > 1 {
            text.push_str("\\endpipeline\n");
        }
    }
    assert!(keyed == key.is_some(), "{work}: no bind value was the request's key {key:?}");
    // Exactly the author's bind (named as often as the SQL reads it): another bind equal to the id
    // by chance would be replaced too.
    assert!(authors.is_none() || authored.len() == 1, "{work}: binds {authored:?} named the first author");
    for (name, value) in &defines {
        text.push_str(&format!("-- -D {name}={}\n", value.replace('\n', " ")));
    }
    let name = work.split(|c: char| !c.is_ascii_alphanumeric()).filter(|part| !part.is_empty()).collect::<Vec<_>>();
    Script { name: name.join("-").to_lowercase(), text, defines }
}

/// `sql` with every `$n` as `:name(n)`. A `:word` already there would be read by pgbench as a
/// variable too, so it stops the bench instead.
fn with_variables(sql: &str, mut name: impl FnMut(usize) -> String) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                    digits.push(digit);
                }
                out.push(':');
                out.push_str(&name(digits.parse().unwrap()));
            }
            ':' if chars.peek() == Some(&':') => {
                out.push_str("::");
                chars.next();
            }
            ':' if chars.peek().is_some_and(|next| next.is_alphanumeric() || *next == '_') => {
                panic!("pgbench would read ':{}' as a variable in:\n{sql}", chars.collect::<String>());
            }
            _ => out.push(c),
        }
    }
    out
}
