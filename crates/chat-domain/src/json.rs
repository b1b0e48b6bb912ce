//! A JSON value of the domain's own, so message payloads can be validated and measured here
//! without tying this crate to a particular JSON library.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// Any JSON value. Numbers that fit an `i64` stay exact; others become `f64`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JsonValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number that fits an `i64`, kept exact.
    Integer(i64),
    /// Any other number: with a fraction or exponent, or beyond the `i64` range.
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object; its keys are kept sorted, so they come back sorted, not in the order sent.
    Object(JsonObject),
}

/// A JSON object, the only shape a message payload may take.
pub type JsonObject = BTreeMap<String, JsonValue>;

impl fmt::Display for JsonValue {
    /// Compact JSON text: what the payload size limit is measured on.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonValue::Null => f.write_str("null"),
            JsonValue::Bool(value) => write!(f, "{value}"),
            JsonValue::Integer(value) => write!(f, "{value}"),
            JsonValue::Float(value) => write!(f, "{value}"),
            JsonValue::String(value) => write_string(f, value),
            JsonValue::Array(items) => {
                f.write_char('[')?;
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            JsonValue::Object(object) => write_object(f, object),
        }
    }
}

/// Whether any key or string inside `object` holds a NUL character (which PostgreSQL's jsonb refuses).
pub(crate) fn contains_nul(object: &JsonObject) -> bool {
    fn value_has_nul(value: &JsonValue) -> bool {
        match value {
            JsonValue::String(text) => text.contains('\0'),
            JsonValue::Array(items) => items.iter().any(value_has_nul),
            JsonValue::Object(object) => contains_nul(object),
            _ => false,
        }
    }
    object.iter().any(|(key, value)| key.contains('\0') || value_has_nul(value))
}

/// The length in bytes of `object` written as compact JSON.
pub(crate) fn encoded_len(object: &JsonObject) -> usize {
    struct Counter(usize);
    impl Write for Counter {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing into a counter cannot fail.
    let _ = write_object(&mut counter, object);
    counter.0
}

fn write_object(out: &mut impl Write, object: &JsonObject) -> fmt::Result {
    out.write_char('{')?;
    for (index, (key, value)) in object.iter().enumerate() {
        if index > 0 {
            out.write_char(',')?;
        }
        write_string(out, key)?;
        write!(out, ":{value}")?;
    }
    out.write_char('}')
}

fn write_string(out: &mut impl Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_compact_encoding() {
        let mut object = JsonObject::new();
        object.insert("a".into(), JsonValue::String("x\"y".into()));
        object.insert("b".into(), JsonValue::Array(vec![JsonValue::Integer(1), JsonValue::Null]));
        let text = JsonValue::Object(object.clone()).to_string();
        assert_eq!(text, r#"{"a":"x\"y","b":[1,null]}"#);
        assert_eq!(encoded_len(&object), text.len());
    }
}
