//! A crowd for the socket works, made in SQL (registering 10,000 users through argon2 would take
//! longer than the whole bench): users with known tokens, the first few thousand in one group.

use crate::psql::{NEW_CHAT_ID, Psql};

/// `tokens[n]` is the bearer token of the crowd's user `n`; users `0..members` are in `chat`.
#[derive(Debug)]
pub struct Crowd {
    pub tokens: Vec<String>,
    pub chat: i64,
    pub members: usize,
}

/// Makes `size` users, named after `tag` so that runs never collide, and a group of the first
/// `members`, created by user 0.
pub fn make(psql: &Psql, tag: &str, size: usize, members: usize) -> Crowd {
    let token = |n: usize| format!("crowd-{tag}-{n}");
    let users = format!(
        "WITH made AS (
           INSERT INTO users (username, display_name, password_hash)
           SELECT 'crowd{tag}u' || n, 'crowd user ' || n, 'no password: bench crowd' FROM generate_series(0, {last}) n
           RETURNING id, substr(username, length('crowd{tag}u') + 1) AS n)
         INSERT INTO auth_tokens (token_hash, user_id, expires_at)
         SELECT sha256(convert_to('crowd-{tag}-' || n, 'UTF8')), id, now() + interval '1 day' FROM made",
        last = size - 1
    );
    let members_of = |chat: &str| {
        format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT {chat}, id, CASE WHEN username = 'crowd{tag}u0' THEN 'owner' ELSE 'member' END FROM users
             WHERE username LIKE 'crowd{tag}u%' AND substr(username, length('crowd{tag}u') + 1)::int < {members}"
        )
    };
    psql.run(&[&users]);
    let chat = psql.count(&format!(
        "INSERT INTO chats (id, kind, title, created_by)
         SELECT {NEW_CHAT_ID}, 'group', 'crowd {tag}', id FROM users WHERE username = 'crowd{tag}u0' RETURNING id"
    )) as i64;
    psql.run(&[&members_of(&chat.to_string())]);
    Crowd { tokens: (0..size).map(token).collect(), chat, members }
}
