//! Requests the HTTP/1 parser refuses, answered with problem+json like every other error.
//!
//! actix-http answers a request head over its limits (32 KiB, 96 headers) with 431, and one it
//! cannot parse with 400, before any route or middleware runs and with an empty body, and offers
//! no hook to change that. So every connection's writes pass through `ProblemIo`, which
//! recognises those answers (a 400 or 431 with no body: every answer of the app itself has a
//! problem body) and writes the problem+json document in their place.

use crate::problem::ApiError;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose parser refusals are rewritten; everything else passes through untouched.
#[derive(Debug)]
pub struct ProblemIo<T> {
    io: T,
    /// A replacement answer, and how much of it is written.
    replacement: Option<(Vec<u8>, usize)>,
}

impl<T> ProblemIo<T> {
    pub fn new(io: T) -> Self {
        Self { io, replacement: None }
    }

    pub fn get_ref(&self) -> &T {
        &self.io
    }
}

/// The answer to write instead of `written`, if `written` is one of the parser's empty refusals.
fn replacement_for(written: &[u8]) -> Option<Vec<u8>> {
    let error = if written.starts_with(b"HTTP/1.1 431 ") {
        ApiError::HeadTooLarge
    } else if written.starts_with(b"HTTP/1.1 400 ") {
        ApiError::MalformedRequest
    } else {
        return None;
    };
    let head = std::str::from_utf8(written).ok()?;
    let empty = head.ends_with("\r\n\r\n") && head.to_ascii_lowercase().contains("\r\ncontent-length: 0\r\n");
    if !empty {
        return None;
    }
    let (status, body) = error.problem();
    let answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    );
    Some(answer.into_bytes())
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes what is left of a replacement; ready once it is all written.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((answer, written)) = &mut self.replacement {
            if *written == answer.len() {
                self.replacement = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_replacement(cx))?;
        if let Some(answer) = replacement_for(buf) {
            self.replacement = Some((answer, 0));
            // The refusal counts as written; its replacement goes out now or on the next flush.
            let _ = self.poll_replacement(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
