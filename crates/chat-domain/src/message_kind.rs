//! What a message is: `text`, `image`, `file` or `system`. A leaf: the message, the request that
//! posts one and its attachments all speak of it.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What a message is, as its `type` says: `text`, `image`, `file` or `system`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MessageType))]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// Text in `content` (required); `payload` is optional.
    Text,
    /// An image described by `payload` (required, e.g. `{"url": "..."}`); `content` is an
    /// optional caption.
    Image,
    /// A file described by `payload` (required); `content` is an optional caption.
    File,
    /// Written by the server itself (for example "Ann joined"); clients cannot post it.
    System,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 4] = [Self::Text, Self::Image, Self::File, Self::System];

    /// Whether a message of this kind may carry uploads (`image` and `file`).
    pub fn carries_uploads(self) -> bool {
        matches!(self, Self::Image | Self::File)
    }

    /// The name as a message's `type` carries it (`"text"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::File => "file",
            Self::System => "system",
        }
    }
}

impl FromStr for MessageKind {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text).ok_or(())
    }
}
