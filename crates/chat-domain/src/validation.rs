//! Per-field validation errors, collected rather than stopping at the first one.

use crate::field_code::FieldCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One field's problem: `field` is a JSON path such as `content` or `member_ids[2]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// A JSON path such as `content` or `member_ids[2]`, or a query parameter name.
    pub field: String,
    /// `required`, `invalid`, `too_short`, `too_long`, ...: what a client may branch on.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: FieldCode,
    /// For people, not for matching.
    pub message: String,
}

/// Every problem found in one request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Errors holding one problem: `field` broke the rule `code`, as `message` explains.
    pub fn single(field: &str, code: FieldCode, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, code, message);
        errors
    }

    /// Records one more problem.
    pub fn add(&mut self, field: &str, code: FieldCode, message: impl Into<String>) {
        self.0.push(FieldError { field: field.to_owned(), code, message: message.into() });
    }

    /// `Ok(value)` when nothing was collected, the errors otherwise.
    pub fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.field, error.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks a text's length in characters, adding `too_short` or `too_long` to `errors`.
pub(crate) fn check_length(errors: &mut ValidationErrors, field: &str, text: &str, min: usize, max: usize) {
    let length = text.chars().count();
    if text.contains('\0') {
        // PostgreSQL cannot store NUL in text; refuse it here rather than fail there.
        errors.add(field, FieldCode::Invalid, "must not contain NUL characters");
    } else if length < min || text.trim().is_empty() && min > 0 {
        errors.add(field, FieldCode::TooShort, format!("must have at least {min} non-blank character(s)"));
    } else if length > max {
        errors.add(field, FieldCode::TooLong, format!("must have at most {max} characters, has {length}"));
    }
}
