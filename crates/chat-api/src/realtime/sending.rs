//! Sending to a WebSocket without outliving a close request: every frame the server writes goes
//! through here, so a client that stops reading cannot hold its connection open.

use super::frames::CloseCode;
use super::hub::Closer;
use actix_ws::Session;
use bytestring::ByteString;
use std::time::Duration;

/// Why sending stopped.
pub(super) enum Stop {
    Closed(CloseCode),
    Gone,
}

/// A control frame (ping, pong) that must neither outlive a close request nor wait on a client
/// that stopped reading for longer than the idle timeout.
pub(super) async fn guarded(
    closer: &Closer,
    patience: Duration,
    sending: impl std::future::Future<Output = Result<(), actix_ws::Closed>>,
) -> Result<(), Stop> {
    tokio::select! {
        sent = tokio::time::timeout(patience, sending) => match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Stop::Gone),
            Err(_) => Err(Stop::Closed(CloseCode::IdleTimeout)),
        },
        code = closer.closed() => Err(Stop::Closed(code)),
    }
}

/// Sends one frame unless the connection is told to close first (a blocked send to a client that
/// does not read must not keep it open).
pub(super) async fn send(session: &mut Session, closer: &Closer, frame: impl Into<ByteString>) -> Result<(), Stop> {
    tokio::select! {
        sent = session.text(frame) => sent.map_err(|_| Stop::Gone),
        code = closer.closed() => Err(Stop::Closed(code)),
    }
}
