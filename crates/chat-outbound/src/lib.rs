//! The one HTTP client for URLs that users supply: Web Push endpoints, push gateways, webhooks,
//! the pages and pictures of link previews.
//!
//! Such a URL is a way into the server's network (SSRF): a user could name the cloud's metadata
//! service, a database's admin port or anything else only the server can reach. So every request
//! to one goes through `Outbound`, which
//! - refuses private, loopback, link-local, unique-local, shared (CGNAT), metadata, multicast and
//!   otherwise non-public addresses (`address::is_public`), on the address a name resolves to when
//!   it connects, not just when the URL was registered (a name can be re-pointed);
//! - follows no redirect by itself (a 3xx is an answer like any other; `get` follows a few, each
//!   checked as the first), and uses no proxy from the
//!   environment (which would connect on its behalf);
//! - gives up after a timeout, and reads at most a capped number of bytes of an answer.
//!
//! An operator can exempt hosts (the tests' local endpoints on 127.0.0.1, a gateway on the same
//! network) with an allow-list. Callers never log a user-supplied URL: it often is a credential.

mod address;
mod backoff;
mod client;
mod error;

pub use address::is_public;
pub use backoff::Backoff;
pub use client::{Answer, Outbound, OutboundPolicy};
pub use error::{OutboundError, Refusal};
