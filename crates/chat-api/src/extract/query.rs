//! Query-string parameters, read as text and checked here, so a bad value names its parameter.

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chat_domain::{ErrorCode, FieldCode, Since, ValidationErrors};
use std::collections::HashMap;
use std::future::{Ready, ready};

/// The request's query parameters; the first value of a repeated one wins.
#[derive(Debug, Default)]
pub struct QueryParams(HashMap<String, String>);

impl FromRequest for QueryParams {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string());
        ready(match pairs {
            Ok(pairs) => {
                let mut params = HashMap::new();
                for (name, value) in pairs.into_inner() {
                    params.entry(name).or_insert(value);
                }
                Ok(Self(params))
            }
            Err(error) => Err(ApiError::BadRequest { code: ErrorCode::MalformedQuery, detail: error.to_string() }),
        })
    }
}

impl QueryParams {
    /// An optional resume position (`since`): a resume token the server issued, or a plain seq
    /// (docs/EVENTS.md, "Resuming"); a problem is added to `errors` otherwise.
    pub fn since(&self, errors: &mut ValidationErrors, name: &str) -> Option<Since> {
        let parsed = Since::parse(self.text(name)?);
        if parsed.is_err() {
            errors.add(name, FieldCode::Invalid, "must be a resume token the server gave, or a seq");
        }
        parsed.ok()
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// An optional whole number in `min..=max`; a problem is added to `errors` otherwise.
    pub fn integer(&self, errors: &mut ValidationErrors, name: &str, min: i64, max: i64) -> Option<i64> {
        let text = self.text(name)?;
        match text.parse::<i64>() {
            Ok(value) if (min..=max).contains(&value) => Some(value),
            Ok(_) => {
                errors.add(name, FieldCode::OutOfRange, format!("must be between {min} and {max}"));
                None
            }
            Err(_) => {
                errors.add(name, FieldCode::InvalidType, "must be a whole number");
                None
            }
        }
    }
}

/// How long a page of a newest-first list may be: `limit`'s default and most.
#[derive(Clone, Copy, Debug)]
pub struct PageSize {
    pub default: i64,
    pub max: i64,
}

/// A page of a newest-first list, from `?before=&limit=`: at most `limit` entries older than
/// `before` (an id; the newest when absent).
#[derive(Clone, Copy, Debug)]
pub struct BeforePage {
    pub before: Option<i64>,
    pub limit: i64,
}

impl QueryParams {
    /// `before` (1 or more) and `limit` (1 to `size.max`, `size.default` when absent), or a 422
    /// naming each bad one.
    pub fn before_page(&self, size: PageSize) -> Result<BeforePage, ApiError> {
        let mut errors = ValidationErrors::default();
        let before = self.integer(&mut errors, "before", 1, i64::MAX);
        let limit = self.integer(&mut errors, "limit", 1, size.max).unwrap_or(size.default);
        errors.finish(())?;
        Ok(BeforePage { before, limit })
    }
}
