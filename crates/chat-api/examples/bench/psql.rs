//! The bench's own statements to its database (settings, row counts), through `psql`.

use std::process::Command;

/// `psql` on the bench database.
#[derive(Clone, Debug)]
pub struct Psql {
    pub url: String,
}

impl Psql {
    /// Runs `sql` (one or more statements, each its own `-c`); the output of the last, unaligned.
    pub fn run(&self, sql: &[&str]) -> String {
        let mut command = Command::new("psql");
        command.args(["-XAtq", "-v", "ON_ERROR_STOP=1", &self.url]);
        for statement in sql {
            command.args(["-c", statement]);
        }
        let output = command.output().expect("psql could not run");
        assert!(output.status.success(), "psql {sql:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// A query answering one integer.
    pub fn count(&self, sql: &str) -> u64 {
        let answer = self.run(&[sql]);
        answer.parse().unwrap_or_else(|_| panic!("{sql}: answered {answer:?}"))
    }
}

/// A new chat's id as the server makes it (docs/OPERATIONS.md: ids name their logical shard), for
/// a statement that inserts one chat: `INSERT INTO chats (id, ...) VALUES (NEW_CHAT_ID, ...)`.
pub const NEW_CHAT_ID: &str = "(SELECT v * 64 + v % 64 FROM nextval('chats_id_seq') v)";

/// A new message's id in chat `chat_id` (a column or a number) as the server makes it.
pub fn new_message_id(chat_id: &str) -> String {
    format!("nextval('messages_id_seq') * 64 + {chat_id} % 64")
}
