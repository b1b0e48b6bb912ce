//! Two chats that differ only in their number of members, 10 and 5,000 (written in SQL, as the
//! socket crowd is), into which `ann` posts messages mentioning three members by name: what a
//! create costs as its chat grows. The members have no pushers, so no push is sent, but the push
//! planner still weighs every member of the chat against each message.

use crate::psql::{NEW_CHAT_ID, Psql};

/// The two chats, and the message each create posts into either (mentioning members of both).
#[derive(Debug)]
pub struct MemberCounts {
    pub of_10: i64,
    pub of_5000: i64,
    pub content: String,
}

/// Makes 5,000 users named after `tag` (so that runs never collide) and the two chats, `ann`
/// (`author`) in both. Prints how long it took.
pub fn write(psql: &Psql, author: i64, tag: &str) -> MemberCounts {
    let started = std::time::Instant::now();
    psql.run(&[&format!(
        "INSERT INTO users (username, display_name, password_hash)
         SELECT 'many{tag}u' || n, 'member ' || n, 'no password: bench member' FROM generate_series(0, 4999) n"
    )]);
    let chat = |members: usize| -> i64 {
        let chat = psql.count(&format!(
            "INSERT INTO chats (id, kind, title, created_by) VALUES ({NEW_CHAT_ID}, 'group', '{members} members', {author}) RETURNING id"
        )) as i64;
        psql.run(&[&format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT {chat}, {author}, 'owner'
             UNION ALL
             SELECT {chat}, id, 'member' FROM users
              WHERE username LIKE 'many{tag}u%' AND substr(username, length('many{tag}u') + 1)::int < {members} - 1"
        )]);
        chat
    };
    let (of_10, of_5000) = (chat(10), chat(5000));
    println!("chats of 10 and 5,000 members written in {:.0?}", started.elapsed());
    let content = format!("@many{tag}u1 @many{tag}u2 @many{tag}u3 have a look");
    MemberCounts { of_10, of_5000, content }
}
