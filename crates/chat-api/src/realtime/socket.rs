//! The TCP stream under each connection, made cuttable, so that a WebSocket the server gave up on
//! can be ended at the socket.
//!
//! actix-web owns the stream. When a client stops reading, the frames already handed over wait in
//! actix's write buffer and the kernel's (megabytes a socket), and the connection lives on after
//! the server's side of the WebSocket has ended: nothing ever times out a write that cannot
//! proceed. So every accepted stream is a `CuttableStream`, whose switch the WebSocket holds
//! weakly: once cut, the stream answers every read and write with an error, so actix drops the
//! connection, and the socket closes with a reset (linger 0), discarding what was not sent.

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use socket2::SockRef;
use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Whether a stream is cut, and how to wake the connection that polls it.
#[derive(Default)]
struct Switch {
    cut: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl std::fmt::Debug for Switch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switch").field("cut", &self.cut.get()).finish_non_exhaustive()
    }
}

/// An accepted TCP stream that `SocketWatch::reset` can cut.
#[derive(Debug)]
pub struct CuttableStream {
    stream: TcpStream,
    switch: Rc<Switch>,
}

/// Stored with each accepted connection (see `attach`).
#[derive(Debug)]
pub struct SocketHandle(Rc<Switch>);

/// A WebSocket's handle on its connection's stream: weak, so it keeps nothing alive.
#[derive(Clone, Debug, Default)]
pub struct SocketWatch(Weak<Switch>);

impl SocketHandle {
    /// Called on every accepted connection, to make its stream reachable from its requests.
    pub fn attach(stream: &CuttableStream, data: &mut Extensions) {
        data.insert(SocketHandle(stream.switch.clone()));
    }

    pub fn watch(&self) -> SocketWatch {
        SocketWatch(Rc::downgrade(&self.0))
    }
}

impl SocketWatch {
    /// Cuts the connection's stream if actix still holds it, and wakes the connection to notice.
    pub fn reset(&self) {
        let Some(switch) = self.0.upgrade() else { return };
        switch.cut.set(true);
        if let Some(waker) = switch.waker.take() {
            waker.wake();
        }
    }
}

impl CuttableStream {
    pub fn new(stream: TcpStream) -> Self {
        Self { stream, switch: Rc::default() }
    }

    /// Remembers who polls (for `reset` to wake), and fails once cut.
    fn check(&self, cx: &Context<'_>) -> io::Result<()> {
        if self.switch.cut.get() {
            // Dropping the stream now resets the connection instead of flushing what is stuck.
            let _ = SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        let known = self.switch.waker.take().filter(|waker| waker.will_wake(cx.waker()));
        self.switch.waker.set(Some(known.unwrap_or_else(|| cx.waker().clone())));
        Ok(())
    }
}

impl AsyncRead for CuttableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CuttableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
