//! The migrations are embedded at compile time (`embed_migrations!`); a new or changed one must
//! rebuild this crate, which cargo does not know without being told (diesel's documented advice).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
