//! What can go wrong with an outbound request.

use std::net::IpAddr;

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the URL is not a valid absolute URL")]
    Unparsable,
    #[error("only http and https URLs can be called")]
    Scheme,
    #[error("the URL has no host")]
    NoHost,
    #[error("the host does not resolve")]
    Unresolvable,
    /// The host is, or resolves to, an address that is not on the public internet. The address
    /// is not in the message, which may reach the user who named the host: what a name resolves
    /// to inside the network is not theirs to learn.
    #[error("the host is, or resolves to, a non-public address")]
    NonPublicAddress(IpAddr),
}

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL may not be called; retrying will not help.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    #[error("no answer in time")]
    Timeout,
    /// Connecting, TLS, or the exchange failed.
    #[error("the request failed: {0}")]
    Network(String),
    /// The HTTP client could not be built (TLS set-up): a start-up error.
    #[error("cannot build the HTTP client: {0}")]
    Setup(String),
}

impl OutboundError {
    /// Whether trying again later may succeed: a timeout or a network failure may pass; a refused
    /// URL or an over-long answer will not change.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout | Self::Network(_))
    }
}

impl From<reqwest::Error> for OutboundError {
    fn from(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            return Self::Timeout;
        }
        // The resolver's refusal travels inside reqwest's connect error; find it again.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(cause) = source {
            if let Some(refusal) = cause.downcast_ref::<Refusal>() {
                return Self::Refused(refusal.clone());
            }
            source = cause.source();
        }
        // Without the URL: reqwest's Display includes it, and URLs are not logged.
        Self::Network(error.without_url().to_string())
    }
}
