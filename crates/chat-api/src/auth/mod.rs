//! Credentials: argon2id password hashes and opaque bearer tokens stored only as hashes.

pub mod password;
mod phc;
pub mod token;
