//! The TCP socket under each connection, kept so that a WebSocket the server gave up on can be cut
//! at the socket.
//!
//! actix-web owns the socket. When a client stops reading, the frames already handed over wait in
//! actix's write buffer and the kernel's (megabytes a socket), and the connection lives on after
//! the server's side of the WebSocket has ended: nothing ever times out a write that cannot
//! proceed. So every accepted connection keeps a duplicate of its descriptor here, and the
//! WebSocket holds a weak handle on it: weak, so the socket still closes when actix drops it.

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use socket2::SockRef;
use std::net::Shutdown;
use std::os::fd::{AsFd as _, OwnedFd};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Stored with each accepted connection (see `attach`).
#[derive(Debug)]
pub struct SocketHandle(Arc<OwnedFd>);

/// A WebSocket's handle on its connection's socket.
#[derive(Clone, Debug, Default)]
pub struct SocketWatch(Weak<OwnedFd>);

impl SocketHandle {
    /// Called on every accepted TCP connection: keeps a duplicate of its descriptor.
    pub fn attach(stream: &TcpStream, data: &mut Extensions) {
        if let Ok(duplicate) = stream.as_fd().try_clone_to_owned() {
            data.insert(SocketHandle(Arc::new(duplicate)));
        }
    }

    pub fn watch(&self) -> SocketWatch {
        SocketWatch(Arc::downgrade(&self.0))
    }
}

impl SocketWatch {
    /// Resets the connection if actix still holds it: what was not sent is discarded and its
    /// memory freed at once (linger 0), and actix's pending write fails, so it lets go too.
    pub fn reset(&self) {
        let Some(descriptor) = self.0.upgrade() else { return };
        let socket = SockRef::from(&*descriptor);
        let _ = socket.set_linger(Some(Duration::ZERO));
        let _ = socket.shutdown(Shutdown::Both);
    }
}
