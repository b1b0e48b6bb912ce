//! Files: uploading, attaching to messages, downloading (ranges, validators, safe headers),
//! thumbnails, and erasing; the storage-facing tests run on a local folder and on S3 alike.

use crate::support::{Backend, TestApp, TestUser, expect_json, expect_problem, field_errors, fresh_storage};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_RANGE, CONTENT_TYPE, ETAG};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::time::Duration;

/// Every test here that touches the bytes runs once per backend, through the same code.
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod local {
            $(#[tokio::test] async fn $test() { super::$test(crate::support::Backend::Local).await })*
        }
        mod s3 {
            $(#[tokio::test] async fn $test() { super::$test(crate::support::Backend::S3).await })*
        }
    };
}

on_both_backends!(
    a_photo_and_a_pdf_are_shared_downloaded_and_erased_with_their_message,
    refused_uploads_leave_nothing_behind,
    a_retried_upload_is_stored_once,
);

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    image.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Uploads `bytes` as `user`, claiming `content_type`; answers the response.
pub async fn upload(
    app: &TestApp,
    user: &TestUser,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.as_user(user, Method::POST, "/api/v1/uploads")
        .query(&[("filename", name)])
        .header(CONTENT_TYPE, content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn uploaded(app: &TestApp, user: &TestUser, name: &str, content_type: &str, bytes: Vec<u8>) -> Value {
    expect_json(upload(app, user, name, content_type, bytes).await, StatusCode::CREATED).await
}

fn upload_id(upload: &Value) -> uuid::Uuid {
    upload["id"].as_str().unwrap().parse().unwrap()
}

async fn objects_of(app: &TestApp, upload: &Value) -> usize {
    app.media().objects_of(chat_domain::UploadId(upload_id(upload))).await.unwrap()
}

async fn a_photo_and_a_pdf_are_shared_downloaded_and_erased_with_their_message(backend: Backend) {
    let app = TestApp::spawn_on(backend, |_| {}).await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let photo_bytes = png(300, 200);
    let photo = uploaded(&app, &ann, "beach.png", "image/png", photo_bytes.clone()).await;
    assert_eq!(photo["name"], "beach.png");
    assert_eq!(photo["content_type"], "image/png");
    assert_eq!(photo["size"], photo_bytes.len());
    assert_eq!(photo["sha256"], hex::encode(Sha256::digest(&photo_bytes)));
    assert_eq!((photo["width"].clone(), photo["height"].clone()), (json!(300), json!(200)));
    // The client's claim is not what decides: the bytes are a PDF.
    let pdf = uploaded(&app, &ann, "minutes.pdf", "application/octet-stream", PDF.to_vec()).await;
    assert_eq!(pdf["content_type"], "application/pdf");
    assert_eq!((pdf["width"].clone(), pdf["height"].clone()), (Value::Null, Value::Null));

    let body =
        json!({ "chat_id": chat, "type": "image", "content": "the beach", "payload": { "upload_ids": [photo["id"]] } });
    let image_message = expect_json(app.post_message(&ann, &body).await, StatusCode::OK).await;
    assert_eq!(image_message["attachments"], json!([photo]));
    let body = json!({ "chat_id": chat, "type": "file", "payload": { "upload_ids": [pdf["id"]] } });
    expect_json(app.post_message(&ann, &body).await, StatusCode::OK).await;

    // Bob sees both, whole, in history, and downloads them.
    let history = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
    let attached: Vec<Value> =
        history["messages"].as_array().unwrap().iter().map(|message| message["attachments"][0].clone()).collect();
    assert_eq!(attached, vec![photo.clone(), pdf.clone()]);
    let path = |upload: &Value| format!("/api/v1/uploads/{}", upload["id"].as_str().unwrap());
    let response = app.call(&bob, Method::GET, &path(&photo)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "image/png");
    assert!(response.headers()[CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(response.bytes().await.unwrap(), photo_bytes);
    let response = app.call(&bob, Method::GET, &path(&pdf)).await;
    assert_eq!(
        response.headers()[CONTENT_DISPOSITION],
        "attachment; filename=\"minutes.pdf\"; filename*=UTF-8''minutes.pdf"
    );
    assert_eq!(response.bytes().await.unwrap(), PDF);

    // Ranges, validators, and the token as a query parameter (as an <img src> sends it).
    let ranged = app.as_user(&bob, Method::GET, &path(&photo)).header("Range", "bytes=1-3").send().await.unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()[CONTENT_RANGE], format!("bytes 1-3/{}", photo_bytes.len()));
    assert_eq!(ranged.bytes().await.unwrap(), photo_bytes[1..4]);
    let beyond = app.as_user(&bob, Method::GET, &path(&pdf)).header("Range", "bytes=100000-").send().await.unwrap();
    expect_problem(beyond, StatusCode::RANGE_NOT_SATISFIABLE, ErrorCode::RangeNotSatisfiable).await;
    let unchanged = app.as_user(&bob, Method::GET, &path(&photo)).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    let by_query =
        app.request(Method::GET, &format!("{}?access_token={}", path(&photo), bob.token)).send().await.unwrap();
    assert_eq!(by_query.status(), StatusCode::OK);

    // The thumbnail: made once, then served from storage beside the original.
    let thumbnail = format!("{}/thumbnail?size=64", path(&photo));
    let first = app.call(&bob, Method::GET, &thumbnail).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[CONTENT_TYPE], "image/png");
    let first = first.bytes().await.unwrap();
    let scaled = image::load_from_memory(&first).unwrap();
    assert_eq!((scaled.width(), scaled.height()), (64, 43));
    assert_eq!(objects_of(&app, &photo).await, 2, "the original and its 64-pixel thumbnail");
    assert_eq!(app.call(&bob, Method::GET, &thumbnail).await.bytes().await.unwrap(), first);
    assert_eq!(objects_of(&app, &photo).await, 2);

    // Outsiders learn nothing; a missing token is 401.
    for target in [path(&photo), path(&pdf), thumbnail.clone()] {
        expect_problem(app.call(&eve, Method::GET, &target).await, StatusCode::NOT_FOUND, ErrorCode::UploadNotFound)
            .await;
        let anonymous = app.request(Method::GET, &target).send().await.unwrap();
        expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }

    // Deleting the message erases the photo's bytes, thumbnails included; nobody can fetch it.
    let deleted = app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{}", image_message["id"])).await;
    let tombstone = expect_json(deleted, StatusCode::OK).await;
    assert!(tombstone.get("attachments").is_none());
    assert_eq!(objects_of(&app, &photo).await, 0);
    for user in [&ann, &bob] {
        expect_problem(
            app.call(user, Method::GET, &path(&photo)).await,
            StatusCode::NOT_FOUND,
            ErrorCode::UploadNotFound,
        )
        .await;
    }
    assert_eq!(objects_of(&app, &pdf).await, 1, "the other message's file stays");
    assert_eq!(app.count("uploads").await, 1);
}

async fn refused_uploads_leave_nothing_behind(backend: Backend) {
    let app = TestApp::spawn_on(backend, |config| config.uploads.max_bytes = 1024 * 1024).await;
    let ann = app.register("ann").await;
    let too_big = upload(&app, &ann, "big.bin", "application/octet-stream", vec![7; 1024 * 1024 + 1]).await;
    expect_problem(too_big, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;
    // Without a Content-Length the limit is enforced as the bytes arrive.
    let chunk = vec![b'x'; 256 * 1024];
    let mut request = format!(
        "POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        ann.token
    )
    .into_bytes();
    for _ in 0..6 {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = app.raw_http(&request, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let empty = upload(&app, &ann, "nothing.txt", "text/plain", Vec::new()).await;
    expect_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::EmptyUpload).await;
    let lie = upload(&app, &ann, "photo.png", "image/png", PDF.to_vec()).await;
    let problem = expect_problem(lie, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ContentTypeMismatch).await;
    assert!(problem["detail"].as_str().unwrap().contains("application/pdf"), "{problem}");
    let anonymous = app.request(Method::POST, "/api/v1/uploads").body(PDF.to_vec()).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert_eq!(app.count("uploads").await, 0);
    assert_eq!(app.media().object_count().await.unwrap(), 0);

    // An image type the bytes cannot bear out, but no type clients show as an image: not trusted.
    let svg =
        uploaded(&app, &ann, "logo.svg", "image/svg+xml", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec())
            .await;
    assert_eq!(svg["content_type"], "application/octet-stream");
    // A hostile name is only ever a display name, and comes back safely quoted.
    let hostile = uploaded(&app, &ann, "../../etc/pass\"wd\r\n", "text/plain", b"root:x:0:0".to_vec()).await;
    assert_eq!(hostile["name"], "pass\"wd");
    assert_eq!(hostile["content_type"], "text/plain");
    let response = app.call(&ann, Method::GET, &format!("/api/v1/uploads/{}", hostile["id"].as_str().unwrap())).await;
    assert_eq!(response.headers()[CONTENT_DISPOSITION], "attachment; filename=\"pass_wd\"; filename*=UTF-8''pass%22wd");
    assert_eq!(app.media().object_count().await.unwrap(), 2);
}

async fn a_retried_upload_is_stored_once(backend: Backend) {
    let app = TestApp::spawn_on(backend, |_| {}).await;
    let ann = app.register("ann").await;
    let send = || {
        app.as_user(&ann, Method::POST, "/api/v1/uploads")
            .header("Idempotency-Key", "upload-1")
            .header(CONTENT_TYPE, "application/pdf")
            .body(PDF.to_vec())
            .send()
    };
    let first = send().await.unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = expect_json(first, StatusCode::CREATED).await;
    let again = send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(expect_json(again, StatusCode::CREATED).await, first);
    assert_eq!(app.count("uploads").await, 1);
    assert_eq!(app.media().object_count().await.unwrap(), 1);
}

#[tokio::test]
async fn messages_carry_only_their_authors_free_uploads() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let bobs = uploaded(&app, &bob, "b.png", "image/png", png(4, 4)).await;
    let pdf = uploaded(&app, &ann, "a.pdf", "application/pdf", PDF.to_vec()).await;
    let photo = uploaded(&app, &ann, "a.png", "image/png", png(4, 4)).await;
    let mine_too = uploaded(&app, &ann, "d.png", "image/png", png(4, 4)).await;
    let refusals = [
        (json!({ "type": "image", "payload": { "upload_ids": [bobs["id"]] } }), FieldCode::NotFound),
        (json!({ "type": "image", "payload": { "upload_ids": [pdf["id"]] } }), FieldCode::NotAnImage),
        (json!({ "type": "text", "content": "hi", "payload": { "upload_ids": [photo["id"]] } }), FieldCode::NotAllowed),
        (json!({ "type": "file", "payload": { "upload_ids": [photo["id"], photo["id"]] } }), FieldCode::Duplicate),
        (json!({ "type": "file", "payload": { "upload_ids": ["../../etc/passwd"] } }), FieldCode::Invalid),
        (json!({ "type": "file", "payload": { "upload_ids": [] } }), FieldCode::Invalid),
        (json!({ "type": "file", "payload": { "upload_ids": "x" } }), FieldCode::Invalid),
    ];
    for (mut body, code) in refusals {
        body["chat_id"] = json!(chat);
        let problem = expect_problem(
            app.post_message(&ann, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(field_errors(&problem)[0], ("payload.upload_ids", code), "{body}");
    }
    assert_eq!(app.count("messages").await, 0);

    let body = json!({ "chat_id": chat, "type": "file", "payload": { "upload_ids": [photo["id"], pdf["id"]] } });
    let posted = expect_json(app.post_message(&ann, &body).await, StatusCode::OK).await;
    assert_eq!(posted["attachments"], json!([photo, pdf]), "in the order named");
    // A retried post (same key, same body) replays the message: its uploads are its own.
    let retried = json!({ "chat_id": chat, "type": "image", "payload": { "upload_ids": [mine_too["id"]] } });
    let send =
        || app.as_user(&ann, Method::POST, "/api/v1/messages").header("Idempotency-Key", "m-1").json(&retried).send();
    let first = expect_json(send().await.unwrap(), StatusCode::OK).await;
    let replay = send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(expect_json(replay, StatusCode::OK).await, first);
    let again = json!({ "chat_id": chat, "type": "file", "payload": { "upload_ids": [pdf["id"]] } });
    let problem = expect_problem(
        app.post_message(&ann, &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(field_errors(&problem)[0].1, FieldCode::AlreadyAttached);
    // Nor can anyone post their own upload where they are not a member.
    let elsewhere = app.group(&bob, &[]).await;
    let mine = uploaded(&app, &ann, "c.png", "image/png", png(4, 4)).await;
    let body = json!({ "chat_id": elsewhere, "type": "image", "payload": { "upload_ids": [mine["id"]] } });
    expect_problem(app.post_message(&ann, &body).await, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    assert_eq!(app.count("messages").await, 2);
    // The uploader may fetch an upload before attaching it; nobody else may.
    let path = format!("/api/v1/uploads/{}", bobs["id"].as_str().unwrap());
    assert_eq!(app.call(&bob, Method::GET, &path).await.status(), StatusCode::OK);
    expect_problem(app.call(&ann, Method::GET, &path).await, StatusCode::NOT_FOUND, ErrorCode::UploadNotFound).await;
    expect_problem(
        app.call(&ann, Method::GET, "/api/v1/uploads/not-a-uuid").await,
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidPath,
    )
    .await;
}

/// A valid PNG header claiming 100,000 x 100,000 pixels: a decompression bomb as far as any
/// decoder can tell before decoding.
fn bomb() -> Vec<u8> {
    let mut bytes = png(1, 1);
    bytes[16..20].copy_from_slice(&100_000_u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&100_000_u32.to_be_bytes());
    let mut crc = !0_u32;
    for &byte in &bytes[12..29] {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    bytes[29..33].copy_from_slice(&(!crc).to_be_bytes());
    bytes
}

#[tokio::test]
async fn thumbnails_refuse_bombs_and_files_that_are_not_images() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let bomb = uploaded(&app, &ann, "bomb.png", "image/png", bomb()).await;
    assert_eq!(bomb["width"], 100_000);
    let path = format!("/api/v1/uploads/{}/thumbnail", bomb["id"].as_str().unwrap());
    expect_problem(
        app.call(&ann, Method::GET, &path).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ImageTooLarge,
    )
    .await;
    let pdf = uploaded(&app, &ann, "a.pdf", "application/pdf", PDF.to_vec()).await;
    let path = format!("/api/v1/uploads/{}/thumbnail", pdf["id"].as_str().unwrap());
    expect_problem(app.call(&ann, Method::GET, &path).await, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::NotAnImage)
        .await;
    let photo = uploaded(&app, &ann, "a.png", "image/png", png(10, 10)).await;
    let path = format!("/api/v1/uploads/{}/thumbnail?size=0", photo["id"].as_str().unwrap());
    expect_problem(
        app.call(&ann, Method::GET, &path).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(objects_of(&app, &photo).await, 1, "a refused request makes no thumbnail");
}

#[tokio::test]
async fn uploads_never_attached_are_erased_after_their_time() {
    let storage = fresh_storage(Backend::Local).await;
    let app = TestApp::spawn_with(|config| {
        config.uploads.storage = storage;
        config.uploads.unattached_ttl = Duration::from_secs(1);
        config.uploads.prune_interval = Duration::from_millis(200);
    })
    .await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let kept = uploaded(&app, &ann, "kept.pdf", "application/pdf", PDF.to_vec()).await;
    let body = json!({ "chat_id": chat, "type": "file", "payload": { "upload_ids": [kept["id"]] } });
    expect_json(app.post_message(&ann, &body).await, StatusCode::OK).await;
    let dropped = uploaded(&app, &ann, "dropped.pdf", "application/pdf", PDF.to_vec()).await;
    for _ in 0..50 {
        if objects_of(&app, &dropped).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(objects_of(&app, &dropped).await, 0);
    let path = format!("/api/v1/uploads/{}", dropped["id"].as_str().unwrap());
    expect_problem(app.call(&ann, Method::GET, &path).await, StatusCode::NOT_FOUND, ErrorCode::UploadNotFound).await;
    assert_eq!(objects_of(&app, &kept).await, 1);
    assert_eq!(app.count("uploads").await, 1);
}

/// A retried post naming uploads is replayed before the create statement runs (the first attempt
/// attached them): an author who has left meanwhile gets 403, as for any other replay.
#[tokio::test]
async fn a_replayed_file_message_answers_403_once_its_author_has_left() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let photo = uploaded(&app, &ann, "a.png", "image/png", png(4, 4)).await;
    let body = json!({ "chat_id": chat, "type": "image", "payload": { "upload_ids": [photo["id"]] } });
    let send =
        || app.as_user(&ann, Method::POST, "/api/v1/messages").header("Idempotency-Key", "m-1").json(&body).send();
    expect_json(send().await.unwrap(), StatusCode::OK).await;
    app.set_role(&ann, chat, &bob, "owner").await;
    let left = app.call(&ann, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", ann.id)).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    let replay = send().await.unwrap();
    assert!(replay.headers().get("idempotent-replayed").is_none());
    expect_problem(replay, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    assert_eq!(app.count("messages").await, 1);
}
