//! The page parameters of chat history and threads: `before`, `after` or `around` a message id
//! (at most one) and `limit`. Read and documented from the same table, so the bounds the server
//! checks are the bounds the document gives.

use super::QueryParams;
use chat_domain::{FieldCode, MessageId, ValidationErrors};
use chat_store::Cursor;
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: i64 = 200;

/// A cursor parameter: its name, the smallest id it takes, the cursor it gives, its description.
struct CursorParameter {
    name: &'static str,
    minimum: i64,
    cursor: fn(MessageId) -> Cursor,
    description: &'static str,
}

const CURSORS: [CursorParameter; 3] = [
    CursorParameter { name: "before", minimum: 1, cursor: Cursor::Before, description: "Messages older than this id" },
    CursorParameter { name: "after", minimum: 0, cursor: Cursor::After, description: "Messages newer than this id" },
    CursorParameter {
        name: "around",
        minimum: 1,
        cursor: Cursor::Around,
        description: "Messages around this id, itself included",
    },
];

/// Where a page of messages sits, and how many it holds at most.
#[derive(Debug)]
pub struct MessagePage {
    pub cursor: Cursor,
    pub limit: u32,
}

impl MessagePage {
    /// The page `query` asks for; each bad parameter adds its problem to `errors`, so that a
    /// handler reports them together with its own parameters' problems.
    pub fn read(query: &QueryParams, errors: &mut ValidationErrors) -> Self {
        let limit = query.integer(errors, "limit", 1, MAX_LIMIT).and_then(|limit| u32::try_from(limit).ok());
        // Every cursor parameter is read (and checked) before at most one is taken.
        let given: Vec<(&str, Cursor)> = CURSORS
            .iter()
            .filter_map(|parameter| {
                let id = query.integer(errors, parameter.name, parameter.minimum, i64::MAX)?;
                Some((parameter.name, (parameter.cursor)(MessageId(id))))
            })
            .collect();
        if let Some((name, _)) = given.get(1) {
            errors.add(name, FieldCode::Conflicting, "give at most one of before, after and around");
        }
        let cursor = given.first().map_or(Cursor::Latest, |(_, cursor)| *cursor);
        Self { cursor, limit: limit.unwrap_or(DEFAULT_LIMIT) }
    }
}

impl IntoParams for MessagePage {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let cursors = CURSORS
            .iter()
            .map(|parameter| query_integer(parameter.name, parameter.minimum, None, parameter.description));
        let limit = query_integer("limit", 1, Some(MAX_LIMIT), &format!("1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}"));
        cursors.chain([limit]).collect()
    }
}

/// An optional whole-number query parameter in `minimum..=maximum`.
fn query_integer(name: &str, minimum: i64, maximum: Option<i64>, description: &str) -> Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(minimum))
        .maximum(maximum);
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(Schema::Object(schema.build())))
        .build()
}

#[cfg(test)]
mod tests {
    use super::{MessagePage, QueryParams};
    use actix_web::FromRequest as _;
    use actix_web::dev::Payload;
    use actix_web::test::TestRequest;
    use chat_domain::{FieldCode, MessageId, ValidationErrors};
    use chat_store::Cursor;

    fn read(query: &str) -> (MessagePage, Vec<(String, FieldCode)>) {
        let request = TestRequest::with_uri(&format!("/?{query}")).to_http_request();
        let params = QueryParams::from_request(&request, &mut Payload::None).into_inner().unwrap();
        let mut errors = ValidationErrors::default();
        let page = MessagePage::read(&params, &mut errors);
        (page, errors.0.into_iter().map(|error| (error.field, error.code)).collect())
    }

    #[test]
    fn reads_one_cursor_and_a_limit() {
        let (page, errors) = read("");
        assert_eq!((page.cursor, page.limit, errors.len()), (Cursor::Latest, 50, 0));
        let (page, errors) = read("before=7&limit=200");
        assert_eq!((page.cursor, page.limit, errors.len()), (Cursor::Before(MessageId(7)), 200, 0));
        let (page, _) = read("after=0");
        assert_eq!(page.cursor, Cursor::After(MessageId(0)));
        let (page, _) = read("around=3");
        assert_eq!(page.cursor, Cursor::Around(MessageId(3)));
    }

    #[test]
    fn names_each_bad_parameter() {
        let (_, errors) = read("limit=0&before=x&after=-1&around=5");
        let expected =
            [("limit", FieldCode::OutOfRange), ("before", FieldCode::InvalidType), ("after", FieldCode::OutOfRange)];
        assert_eq!(errors, expected.map(|(field, code)| (field.to_owned(), code)));
        let (_, errors) = read("before=1&after=2&around=3");
        assert_eq!(errors, [("after".to_owned(), FieldCode::Conflicting)]);
    }
}
