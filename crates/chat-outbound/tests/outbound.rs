//! The guarded client against a local endpoint: what it refuses, and what it does with answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chat_outbound::{Outbound, OutboundError, OutboundPolicy, Refusal};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// An endpoint on 127.0.0.1 that answers every request with `answer` (raw HTTP), or never
/// answers when it is `None`. Returns its base URL.
async fn endpoint(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let _ = socket.read(&mut request).await;
                match answer {
                    Some(answer) => {
                        let _ = socket.write_all(answer.as_bytes()).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/hook")
}

fn client(allowed: &[&str]) -> Outbound {
    Outbound::new(OutboundPolicy {
        allowed_hosts: allowed.iter().map(|host| (*host).to_owned()).collect(),
        timeout: Duration::from_millis(500),
        max_answer_bytes: 8,
    })
    .unwrap()
}

fn refusal(result: Result<impl std::fmt::Debug, OutboundError>) -> Refusal {
    match result {
        Err(OutboundError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const OK: &str = "HTTP/1.1 201 Created\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

#[tokio::test]
async fn loopback_is_refused_at_registration_and_at_sending_unless_allow_listed() {
    let url = endpoint(Some(OK)).await;
    let guarded = client(&[]);
    assert!(matches!(refusal(guarded.check(&url).await), Refusal::NonPublicAddress(_)));
    let parsed = url.parse().unwrap();
    assert!(matches!(
        refusal(guarded.post(&parsed, Default::default(), b"{}".to_vec()).await),
        Refusal::NonPublicAddress(_)
    ));

    let allowed = client(&["127.0.0.1"]);
    assert_eq!(allowed.check(&url).await.unwrap(), parsed);
    let answer = allowed.post(&parsed, Default::default(), b"{}".to_vec()).await.unwrap();
    assert_eq!((answer.status, &answer.body[..], answer.truncated), (201, &b"ok"[..], false));
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_when_connecting_too() {
    let url = endpoint(Some(OK)).await.replace("127.0.0.1", "localhost");
    let guarded = client(&["127.0.0.1"]);
    assert!(matches!(refusal(guarded.check(&url).await), Refusal::NonPublicAddress(_)));
    // Sending skips `check` (a name re-pointed after registration): the resolver refuses.
    let parsed = url.parse().unwrap();
    assert!(matches!(
        refusal(guarded.post(&parsed, Default::default(), Vec::new()).await),
        Refusal::NonPublicAddress(_)
    ));
    let by_name = client(&["LocalHost"]);
    assert_eq!(by_name.post(&parsed, Default::default(), Vec::new()).await.unwrap().status, 201);
}

#[tokio::test]
async fn addresses_in_every_spelling_and_other_schemes_are_refused() {
    let guarded = client(&[]);
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fd00:ec2::254]/",
    ] {
        assert!(matches!(refusal(guarded.check(url).await), Refusal::NonPublicAddress(_)), "{url}");
    }
    assert_eq!(refusal(guarded.check("file:///etc/passwd").await), Refusal::Scheme);
    assert_eq!(refusal(guarded.check("gopher://example.com/").await), Refusal::Scheme);
    assert_eq!(refusal(guarded.check("not a url").await), Refusal::Unparsable);
    assert_eq!(refusal(guarded.check("http://name.invalid/").await), Refusal::Unresolvable);
}

#[tokio::test]
async fn a_redirect_is_an_answer_not_a_second_request() {
    let url = endpoint(Some(
        "HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ))
    .await;
    let answer = client(&["127.0.0.1"]).post(&url.parse().unwrap(), Default::default(), Vec::new()).await.unwrap();
    assert_eq!(answer.status, 302);
}

#[tokio::test]
async fn a_long_answer_is_cut_and_a_silent_endpoint_times_out() {
    let long = endpoint(Some(
        "HTTP/1.1 500 Oops\r\nretry-after: 7\r\ncontent-length: 20\r\nconnection: close\r\n\r\n01234567890123456789",
    ))
    .await;
    let answer = client(&["127.0.0.1"]).post(&long.parse().unwrap(), Default::default(), Vec::new()).await.unwrap();
    assert_eq!((answer.status, &answer.body[..], answer.truncated), (500, &b"01234567"[..], true));
    assert_eq!(answer.retry_after(), Some(Duration::from_secs(7)));

    let silent = endpoint(None).await;
    let error =
        client(&["127.0.0.1"]).post(&silent.parse().unwrap(), Default::default(), Vec::new()).await.unwrap_err();
    assert!(matches!(error, OutboundError::Timeout), "{error:?}");
    assert!(error.is_transient());
}

/// An endpoint that redirects every request to `location`.
async fn redirecting_to(location: String) -> String {
    let answer =
        format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    endpoint(Some(Box::leak(answer.into_boxed_str()))).await
}

#[tokio::test]
async fn a_get_follows_a_few_redirects_each_checked_as_the_first() {
    let page = endpoint(Some(OK)).await;
    let allowed = client(&["127.0.0.1"]);
    let once = redirecting_to(page.clone()).await;
    let (reached, answer) = allowed.get(&once.parse().unwrap(), "text/html", 1024, 3).await.unwrap();
    assert_eq!((reached.as_str(), answer.status, &answer.body[..]), (page.as_str(), 201, &b"ok"[..]));

    // The cap is the call's, not the policy's 8 bytes; and past the redirects allowed, the
    // redirect itself is the answer.
    let twice = redirecting_to(once.clone()).await;
    let (stopped, answer) = allowed.get(&twice.parse().unwrap(), "text/html", 1024, 1).await.unwrap();
    assert_eq!((stopped.as_str(), answer.status), (once.as_str(), 302));

    // A redirect to a private address is refused, as a name (resolved when connecting) or an
    // address (judged before sending).
    let to_name = redirecting_to(page.replace("127.0.0.1", "localhost")).await;
    assert!(matches!(
        refusal(allowed.get(&to_name.parse().unwrap(), "text/html", 1024, 3).await),
        Refusal::NonPublicAddress(_)
    ));
    let to_metadata = redirecting_to("http://169.254.169.254/latest/meta-data/".into()).await;
    assert!(matches!(
        refusal(allowed.get(&to_metadata.parse().unwrap(), "text/html", 1024, 3).await),
        Refusal::NonPublicAddress(_)
    ));
    let to_file = redirecting_to("file:///etc/passwd".into()).await;
    assert_eq!(refusal(allowed.get(&to_file.parse().unwrap(), "text/html", 1024, 3).await), Refusal::Scheme);
}

#[tokio::test]
async fn a_get_that_never_ends_times_out_as_a_whole() {
    let silent = endpoint(None).await;
    let result = client(&["127.0.0.1"]).get(&silent.parse().unwrap(), "text/html", 1024, 3).await;
    assert!(matches!(result, Err(OutboundError::Timeout)), "{result:?}");
}
