//! The `Idempotency-Key` a client sends so a retried request creates nothing twice.

use crate::field_code::FieldCode;
use crate::validation::ValidationErrors;

/// 1 to 255 printable ASCII characters, scoped to the caller who sent it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Reads a header value. An empty one, one over 255 bytes or one with a byte outside 0x20 to
    /// 0x7E is refused (the API answers 400 `invalid_idempotency_key`).
    pub fn parse(text: &str) -> Result<Self, ValidationErrors> {
        let printable = text.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if text.is_empty() || text.len() > 255 || !printable {
            return Err(ValidationErrors::single(
                "Idempotency-Key",
                FieldCode::Invalid,
                "must be 1 to 255 printable ASCII characters",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The key as it was sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_printable_ascii() {
        assert!(IdempotencyKey::parse("3f2c0d3e-5b7a-4e8f-9c1d-2a6b8e4f0c11").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
        assert!(IdempotencyKey::parse("ключ").is_err());
        assert!(IdempotencyKey::parse("a\tb").is_err());
    }
}
