//! Uploads: files whose bytes live in object storage. Their metadata, and the rules that decide
//! a file's name and type from what a client sent and what the bytes are.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An upload's id: random, so that ids cannot be guessed or enumerated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UploadId(pub uuid::Uuid);

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for UploadId {
    type Err = uuid::Error;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::try_parse(text).map(Self)
    }
}

/// A stored file, as `POST /uploads` answers it and as a message's `attachments` carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upload {
    /// The upload's id (a UUID); messages name it in `payload.upload_ids`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "67e55044-10b1-426f-9247-bb680e5fe0c8"))]
    pub id: UploadId,
    /// The file's name, for display only: the last part of what the client sent, without
    /// control characters.
    pub name: String,
    /// Its size in bytes (at least 1).
    pub size: u64,
    /// Its type as the server read it from the bytes (`application/octet-stream` when unknown).
    pub content_type: String,
    /// The SHA-256 of its bytes, in lowercase hex; also its `ETag`.
    pub sha256: String,
    /// An image's width in pixels; null for other files.
    pub width: Option<u32>,
    /// An image's height in pixels; null for other files.
    pub height: Option<u32>,
}

/// The image types served inline and thumbnailed; every other type is served as an attachment.
pub const INLINE_IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Whether browsers may show a file of this type inline (a raster image they cannot run).
pub fn is_inline_image(content_type: &str) -> bool {
    INLINE_IMAGE_TYPES.contains(&content_type)
}

/// The longest display name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// The display name for a client's `filename`: its last path segment, with control characters
/// and the invisible ones that reorder or hide text dropped (so `invoice\u{202E}gpj.exe` cannot
/// pass for a JPEG), cut to 255 characters; `file` when nothing is left. It is never used as a path.
pub fn display_name(raw: Option<&str>) -> String {
    let last = raw.unwrap_or_default().rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|&c| !c.is_control() && !is_invisible(c)).take(MAX_NAME_CHARS).collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." { "file".to_owned() } else { trimmed.to_owned() }
}

/// Bidirectional controls, zero-width characters and the byte-order mark.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Why the bytes and the client's `Content-Type` cannot both be right.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the body is {found}, not {claimed} as its Content-Type says")]
pub struct TypeMismatch {
    /// What the client said.
    pub claimed: String,
    /// What the bytes are (`unrecognised data` when the server cannot tell).
    pub found: String,
}

/// The type an upload is stored with. The bytes decide (`sniffed`). A claim of one of the
/// image types clients show (`INLINE_IMAGE_TYPES`) that the bytes do not bear out is refused,
/// since clients would show the file as that image. The claim is kept only when the bytes say
/// nothing and it is no image type (an SVG, say, is stored as `application/octet-stream`).
pub fn stored_content_type(sniffed: Option<&str>, claimed: Option<&str>) -> Result<String, TypeMismatch> {
    let claimed = claimed.map(essence).filter(|claim| !claim.is_empty() && claim != "application/octet-stream");
    let claimed = claimed.map(|claim| if claim == "image/jpg" { "image/jpeg".to_owned() } else { claim });
    match (sniffed, claimed) {
        (found, Some(claim)) if is_inline_image(&claim) && found != Some(claim.as_str()) => {
            Err(TypeMismatch { claimed: claim, found: found.unwrap_or("unrecognised data").to_owned() })
        }
        (Some(found), _) => Ok(found.to_owned()),
        (None, Some(claim)) if !claim.starts_with("image/") && is_token_pair(&claim) => Ok(claim),
        (None, _) => Ok("application/octet-stream".to_owned()),
    }
}

/// `Text/Plain; charset=utf-8` -> `text/plain`.
fn essence(value: &str) -> String {
    value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// `type/subtype` made of RFC 9110 token characters, at most 100 of them.
fn is_token_pair(value: &str) -> bool {
    let token =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    value.len() <= 100 && value.split_once('/').is_some_and(|(kind, sub)| token(kind) && token(sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_their_last_segment() {
        assert_eq!(display_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(display_name(Some("C:\\Users\\ann\\photo.png")), "photo.png");
        assert_eq!(display_name(Some("a\r\nSet-Cookie: x.txt")), "aSet-Cookie: x.txt");
        assert_eq!(display_name(Some("invoice\u{202E}gpj.exe")), "invoicegpj.exe");
        assert_eq!(display_name(Some("..")), "file");
        assert_eq!(display_name(Some("dir/")), "file");
        assert_eq!(display_name(None), "file");
        assert_eq!(display_name(Some(&"x".repeat(300))).len(), MAX_NAME_CHARS);
    }

    #[test]
    fn the_bytes_decide_the_type() {
        assert_eq!(stored_content_type(Some("image/png"), Some("image/png")).unwrap(), "image/png");
        assert_eq!(stored_content_type(Some("application/pdf"), Some("text/plain")).unwrap(), "application/pdf");
        assert_eq!(stored_content_type(Some("image/jpeg"), Some("IMAGE/JPG; q=1")).unwrap(), "image/jpeg");
        assert_eq!(stored_content_type(None, Some("text/plain; charset=utf-8")).unwrap(), "text/plain");
        assert_eq!(stored_content_type(None, Some("not a type")).unwrap(), "application/octet-stream");
        assert_eq!(stored_content_type(None, None).unwrap(), "application/octet-stream");
    }

    #[test]
    fn a_claimed_image_must_be_that_image() {
        let lie = stored_content_type(Some("application/pdf"), Some("image/png")).unwrap_err();
        assert_eq!((lie.claimed.as_str(), lie.found.as_str()), ("image/png", "application/pdf"));
        assert!(stored_content_type(None, Some("image/png")).is_err());
        assert!(stored_content_type(Some("image/gif"), Some("image/png")).is_err());
    }

    #[test]
    fn other_image_claims_are_not_trusted_but_not_refused() {
        assert_eq!(stored_content_type(None, Some("image/svg+xml")).unwrap(), "application/octet-stream");
        assert_eq!(stored_content_type(Some("image/heif"), Some("image/heic")).unwrap(), "image/heif");
        assert_eq!(
            stored_content_type(Some("image/vnd.microsoft.icon"), Some("image/x-icon")).unwrap(),
            "image/vnd.microsoft.icon"
        );
    }

    #[test]
    fn ids_read_as_uuids() {
        let id: UploadId = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert!("../x".parse::<UploadId>().is_err());
    }
}
