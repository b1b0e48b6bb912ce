//! The OpenAPI document: served, covering every route, and describing the JSON the server sends.

use crate::support::{TestApp, expect_json, expect_problem, field_errors};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn document(app: &TestApp) -> Value {
    let response = app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap();
    expect_json(response, StatusCode::OK).await
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_operation_in_it_is_routed() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = concrete(path, "1");
        for method in item.as_object().unwrap().keys() {
            operations += 1;
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.request(method.clone(), &url).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(
                !body.contains(&format!(r#""code":"{}""#, ErrorCode::NotFound)),
                "{method} {path} is documented but not routed ({status})"
            );
        }
    }
    assert!(operations >= 24, "only {operations} operations documented");
}

#[tokio::test]
async fn routes_the_server_answers_are_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let documented = |method: &str, path: &str| doc["paths"][path][method].is_object();
    let expected = [
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/api/v1/openapi.json"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/users/me"),
        ("post", "/api/v1/chats"),
        ("get", "/api/v1/chats"),
        ("get", "/api/v1/chats/{chat_id}"),
        ("patch", "/api/v1/chats/{chat_id}"),
        ("get", "/api/v1/chats/{chat_id}/members"),
        ("post", "/api/v1/chats/{chat_id}/members"),
        ("patch", "/api/v1/chats/{chat_id}/members/{user_id}"),
        ("delete", "/api/v1/chats/{chat_id}/members/{user_id}"),
        ("get", "/api/v1/chats/{chat_id}/messages"),
        ("post", "/api/v1/chats/{chat_id}/read"),
        ("post", "/api/v1/messages"),
        ("get", "/api/v1/messages/{message_id}"),
        ("patch", "/api/v1/messages/{message_id}"),
        ("delete", "/api/v1/messages/{message_id}"),
        ("get", "/api/v1/messages/{message_id}/edits"),
        ("put", "/api/v1/messages/{message_id}/reactions/{emoji}"),
        ("delete", "/api/v1/messages/{message_id}/reactions/{emoji}"),
    ];
    for (method, path) in expected {
        assert!(documented(method, path), "{method} {path} is missing from the document");
    }
}

/// Asserts that `value`'s keys are properties of the schema `name`, and that it has them all but
/// those the schema leaves optional (and the server leaves out when empty).
fn assert_matches_schema(doc: &Value, name: &str, value: &Value) {
    let schema = &doc["components"]["schemas"][name];
    let described: BTreeSet<&str> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {name}"))
        .keys()
        .map(String::as_str)
        .collect();
    let actual: BTreeSet<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    let required: BTreeSet<&str> =
        schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let optional = [
        "thread",
        "thread_root_id",
        "presence",
        "attachments",
        "link_preview",
        "deleted_by",
        "deletion_reason",
        "missing_clusters",
    ];
    let expected: BTreeSet<&str> =
        described.iter().copied().filter(|key| actual.contains(key) || !optional.contains(key)).collect();
    assert_eq!(expected, actual, "schema {name} does not describe {value}");
    for key in optional.iter().filter(|key| described.contains(*key)) {
        assert!(!required.contains(key), "{name}.{key} is left out when empty, so it must not be required");
    }
}

#[tokio::test]
async fn schemas_describe_what_the_server_sends() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({ "username": "ann", "password": "correct horse battery" }));
    let session = expect_json(login.send().await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "Session", &session);
    assert_matches_schema(&doc, "User", &session["user"]);

    let chat_id = app.group(&ann, &[&bob]).await;
    let get = |path: String| app.as_user(&ann, Method::GET, &path).send();
    let posted =
        expect_json(app.post_message(&ann, &json!({ "chat_id": chat_id, "content": "hi" })).await, StatusCode::OK)
            .await;
    let id = posted["id"].as_i64().unwrap();
    let reacted =
        app.as_user(&bob, Method::PUT, &format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D")).send().await.unwrap();
    let reacted = expect_json(reacted, StatusCode::OK).await;
    assert_matches_schema(&doc, "Message", &reacted);
    assert_matches_schema(&doc, "ReactionSummary", &reacted["reactions"][0]);

    let edit = app.as_user(&ann, Method::PATCH, &format!("/api/v1/messages/{id}")).json(&json!({ "content": "hello" }));
    expect_json(edit.send().await.unwrap(), StatusCode::OK).await;
    let edits = expect_json(get(format!("/api/v1/messages/{id}/edits")).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "EditList", &edits);
    assert_matches_schema(&doc, "MessageVersion", &edits["edits"][0]);

    let chats = expect_json(get("/api/v1/chats".into()).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "ChatList", &chats);
    assert_matches_schema(&doc, "ChatSummary", &chats["chats"][0]);
    let members = expect_json(get(format!("/api/v1/chats/{chat_id}/members")).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "MemberList", &members);
    assert_matches_schema(&doc, "ChatMember", &members["members"][0]);
    let page = expect_json(get(format!("/api/v1/chats/{chat_id}/messages")).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "HistoryPage", &page);
    let read =
        app.as_user(&bob, Method::POST, &format!("/api/v1/chats/{chat_id}/read")).json(&json!({ "message_id": id }));
    assert_matches_schema(&doc, "ReadState", &expect_json(read.send().await.unwrap(), StatusCode::OK).await);

    let invalid = app.post_message(&ann, &json!({ "chat_id": chat_id, "content": "" })).await;
    let problem = expect_json(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_matches_schema(&doc, "Problem", &problem);
    assert_matches_schema(&doc, "FieldError", &problem["errors"][0]);
}

/// The media types documented for `status` of an operation, without their parameters.
fn documented_media_types(doc: &Value, method: &str, path: &str, status: &str) -> BTreeSet<String> {
    let content = &doc["paths"][path][method]["responses"][status]["content"];
    let content = content.as_object().unwrap_or_else(|| panic!("{method} {path} documents no content for {status}"));
    content.keys().map(|media_type| essence(media_type)).collect()
}

fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

#[tokio::test]
async fn the_content_types_of_the_root_endpoints_are_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for path in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
        let response = app.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        let served = response.headers()["content-type"].to_str().unwrap().to_owned();
        let documented = documented_media_types(&doc, "get", path, "200");
        assert!(documented.contains(&essence(&served)), "GET {path} serves {served}, the document says {documented:?}");
    }
}

/// An id past `i64::MAX` cannot be parsed: every operation with a path id answers 400
/// `invalid_path`, so every one must document a 400.
#[tokio::test]
async fn an_id_out_of_range_in_any_path_is_a_documented_400() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let user = app.register("ann").await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains("_id}") {
            continue;
        }
        let url = concrete(path, "9223372036854775808");
        for (method, operation) in item.as_object().unwrap() {
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.as_user(&user, verb, &url).json(&json!({})).send().await.unwrap();
            expect_problem(response, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
            assert!(operation["responses"]["400"].is_object(), "{method} {path} does not document its 400");
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} operations with a path id");
}

/// `path` with every parameter filled in: ids with `id`, the emoji with a valid one.
fn concrete(path: &str, id: &str) -> String {
    path.replace("{emoji}", "x")
        .replace("{chat_id}", id)
        .replace("{message_id}", id)
        .replace("{user_id}", id)
        .replace("{bot_id}", id)
        .replace("{webhook_id}", id)
        .replace("{report_id}", id)
        .replace("{token}", "x")
}

/// Every body refuses unknown fields (422 `unknown_field`), and its schema says so.
#[tokio::test]
async fn request_bodies_refuse_unknown_fields_as_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let user = app.register("ann").await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"]["$ref"];
            let Some(name) = schema.as_str().and_then(|reference| reference.rsplit('/').next()) else { continue };
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.call_json(&user, verb, &concrete(path, "1"), &json!({ "unexpected": 1 })).await;
            let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
            assert_eq!(field_errors(&problem)[0].1, FieldCode::UnknownField, "{method} {path}: {problem}");
            let additional = &doc["components"]["schemas"][name]["additionalProperties"];
            assert_eq!(additional, &json!(false), "{name} ({method} {path}) is documented to take unknown fields");
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} operations with a body");
}

/// True when a property's schema lets `null` through.
fn allows_null(property: &Value) -> bool {
    property.to_string().contains(r#""null""#)
}

fn required(doc: &Value, schema: &str) -> Vec<String> {
    let required = doc["components"]["schemas"][schema]["required"].as_array().cloned().unwrap_or_default();
    required.iter().map(|name| name.as_str().unwrap().to_owned()).collect()
}

/// Optional fields are documented as the server reads them: `type` and `role` may be left out
/// but are refused as `null`, and `member_ids` may be left out.
#[tokio::test]
async fn optional_body_fields_are_documented_as_the_server_reads_them() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[]).await;

    let null_type = json!({ "chat_id": chat_id, "content": "hi", "type": null });
    let response = app.call_json(&ann, Method::POST, "/api/v1/messages", &null_type).await;
    assert!(response.status().is_client_error(), "a null type got {}", response.status());
    let null_role = json!({ "user_id": bob.id, "role": null });
    let response = app.call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat_id}/members"), &null_role).await;
    assert!(response.status().is_client_error(), "a null role got {}", response.status());
    for (schema, field) in [("NewMessage", "type"), ("NewMember", "role")] {
        let property = &doc["components"]["schemas"][schema]["properties"][field];
        assert!(!allows_null(property), "{schema}.{field} is documented as nullable: {property}");
        assert!(!required(&doc, schema).contains(&field.to_owned()), "{schema}.{field} is documented as required");
    }

    let without_members = json!({ "kind": "group", "title": "Just me" });
    expect_json(app.call_json(&ann, Method::POST, "/api/v1/chats", &without_members).await, StatusCode::CREATED).await;
    assert!(!required(&doc, "NewChat").contains(&"member_ids".to_owned()), "member_ids is documented as required");
}

/// Each numeric query parameter documents the range the server takes; one past an end is a 422.
#[tokio::test]
async fn query_parameter_ranges_are_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let user = app.register("ann").await;
    let chat_id = app.group(&user, &[]).await;
    let (history, thread) = ("/api/v1/chats/{chat_id}/messages", "/api/v1/messages/{message_id}/thread");
    let ranges = [
        ("/api/v1/chats", "limit", 1, 100),
        (history, "limit", 1, 200),
        (history, "before", 1, i64::MAX),
        (history, "after", 0, i64::MAX),
        (history, "around", 1, i64::MAX),
        (thread, "limit", 1, 200),
        (thread, "before", 1, i64::MAX),
        (thread, "after", 0, i64::MAX),
        (thread, "around", 1, i64::MAX),
        ("/api/v1/events", "limit", 1, 1000),
    ];
    for (path, name, min, max) in ranges {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let parameter = parameters.iter().find(|parameter| parameter["name"] == name).unwrap();
        let schema = &parameter["schema"];
        assert_eq!(schema["minimum"], min, "{path} {name}: {schema}");
        if max < i64::MAX {
            assert_eq!(schema["maximum"], max, "{path} {name}: {schema}");
        }
        let outside = if max < i64::MAX { vec![min - 1, max + 1] } else { vec![min - 1] };
        for value in outside {
            let since = if path == "/api/v1/events" && name != "since" { "&since=0" } else { "" };
            let url = format!("{}?{name}={value}{since}", concrete(path, &chat_id.to_string()));
            let problem = expect_problem(
                app.call(&user, Method::GET, &url).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
            )
            .await;
            assert_eq!(field_errors(&problem)[0], (name, FieldCode::OutOfRange), "{url}: {problem}");
        }
    }
    // `since` is a resume token (or a seq): text, checked by the server (tests/api/resume_tokens.rs).
    for path in ["/api/v1/events", "/api/v1/ws"] {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let since = parameters.iter().find(|parameter| parameter["name"] == "since").unwrap();
        assert_eq!(since["schema"]["type"], "string", "{path}");
    }
}

/// `Idempotency-Key` is documented as the server checks it: 1 to 255 printable ASCII characters.
#[tokio::test]
async fn the_idempotency_key_is_documented_as_checked() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let user = app.register("ann").await;
    let chat_id = app.group(&user, &[]).await;
    let posts = [
        ("/api/v1/messages", json!({ "chat_id": chat_id, "content": "hi" })),
        ("/api/v1/chats", json!({ "kind": "group", "title": "Team" })),
    ];
    for (path, body) in posts {
        let parameters = doc["paths"][path]["post"]["parameters"].as_array().unwrap();
        let key = &parameters.iter().find(|parameter| parameter["name"] == "Idempotency-Key").unwrap()["schema"];
        assert_eq!(
            (&key["minLength"], &key["maxLength"], &key["pattern"]),
            (&json!(1), &json!(255), &json!("^[ -~]+$"))
        );
        for refused in [String::new(), "k".repeat(256), "tab\tkey".to_owned()] {
            let request = app.as_user(&user, Method::POST, path).header("Idempotency-Key", refused).json(&body);
            expect_problem(request.send().await.unwrap(), StatusCode::BAD_REQUEST, ErrorCode::InvalidIdempotencyKey)
                .await;
        }
    }
}

/// Every operation that requires a token answers 401 without one, and documents it; no other
/// operation answers a 401 it does not document.
#[tokio::test]
async fn a_missing_token_is_a_documented_401() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.request(verb, &concrete(path, "1")).json(&json!({})).send().await.unwrap();
            let requires_token = operation["security"] == json!([{ "bearer": [] }]);
            if requires_token {
                expect_problem(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
                checked += 1;
            } else if response.status() != StatusCode::UNAUTHORIZED {
                continue;
            }
            assert!(operation["responses"]["401"].is_object(), "{method} {path} does not document its 401");
        }
    }
    assert!(checked >= 30, "only {checked} operations require a token");
}

/// While the database is unreachable, what each operation answers is documented: 503 for every
/// operation but the three served without the database, which go on answering.
#[tokio::test]
async fn an_unreachable_database_is_a_documented_503() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let user = app.register("ann").await;
    let database = app.database_name();
    app.sql_as_admin(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false")).await;
    app.sql_as_admin(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"))
        .await;

    let without_database = ["/healthz", "/metrics", "/api/v1/openapi.json"];
    let mut unavailable = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        // A well-formed upload id, so that the path is not refused before the token is looked up.
        let url = concrete(path, "1").replace("{upload_id}", "67e55044-10b1-426f-9247-bb680e5fe0c8");
        for (method, operation) in item.as_object().unwrap() {
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = app.as_user(&user, verb, &url).json(&json!({})).send().await.unwrap().status();
            let documents_503 = operation["responses"]["503"].is_object();
            if without_database.contains(&path.as_str()) {
                assert_eq!(status, StatusCode::OK, "{method} {path}");
                assert!(!documents_503, "{method} {path} never touches the database, yet documents a 503");
                continue;
            }
            assert!(documents_503, "{method} {path} reads the database but does not document a 503");
            // A body refused before the token is looked up answers its 4xx (documented too).
            let documented = &operation["responses"][status.as_str()];
            assert!(documented.is_object(), "{method} {path} answered an undocumented {status}");
            unavailable += usize::from(status == StatusCode::SERVICE_UNAVAILABLE);
        }
    }
    assert!(unavailable >= 20, "only {unavailable} operations answered 503");
    app.sql_as_admin(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true")).await;
}
