//! Files: the server's memory while a 100 MiB upload streams in and back out (it must stay
//! streamed: growth under 20 MiB), and what a thumbnail costs made against served from storage.

use crate::memory::resident_mib;
use crate::setup::register;
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const FILE_MIB: usize = 100;
const CHUNK: usize = 64 * 1024;
const TARGET_GROWTH_MIB: f64 = 20.0;

/// Runs the file works; answers a failure line when the memory target is missed.
pub async fn run(base: &str, pid: Option<&str>, suffix: &str) -> Option<String> {
    let client = reqwest::Client::new();
    let (_, token) = register(&client, base, &format!("files{suffix}")).await;
    let mut failure = None;
    if let Some(pid) = pid {
        let (id, upload_growth) = peak_growth(pid, upload_big(&client, base, &token)).await;
        let (received, download_growth) = peak_growth(pid, download(&client, base, &token, &id)).await;
        assert_eq!(received, FILE_MIB * 1024 * 1024, "the download's length");
        println!(
            "{:<34} {upload_growth:>6.1} MiB peak growth uploading   {download_growth:>6.1} MiB downloading   (target < {TARGET_GROWTH_MIB})",
            format!("server memory, a {FILE_MIB} MiB file")
        );
        if upload_growth.max(download_growth) >= TARGET_GROWTH_MIB {
            failure =
                Some(format!("a {FILE_MIB} MiB file grew the server by {upload_growth:.1}/{download_growth:.1} MiB"));
        }
    }
    thumbnails(&client, base, &token).await;
    failure
}

/// Runs `work` while sampling the server's resident memory every 5 ms; answers its result and
/// the highest resident size above the one before it began.
async fn peak_growth<T>(pid: &str, work: impl Future<Output = T>) -> (T, f64) {
    let before = resident_mib(pid);
    let (done, pid) = (Arc::new(AtomicBool::new(false)), pid.to_owned());
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0.0_f64;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(resident_mib(&pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let result = work.await;
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    (result, (peak - before).max(0.0))
}

/// Uploads `FILE_MIB` MiB of pseudo-random bytes, made as they are sent; answers the upload's id.
async fn upload_big(client: &reqwest::Client, base: &str, token: &str) -> String {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let chunks = futures_util::stream::iter(0..FILE_MIB * 1024 * 1024 / CHUNK).map(move |_| {
        let mut chunk = Vec::with_capacity(CHUNK);
        for _ in 0..CHUNK / 8 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.extend_from_slice(&state.to_le_bytes());
        }
        Ok::<_, std::io::Error>(chunk)
    });
    let started = Instant::now();
    let response = client
        .post(format!("{base}/uploads?filename=big.bin"))
        .bearer_auth(token)
        .header("Content-Type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let body: serde_json::Value = response.json().await.unwrap();
    println!("{:<34} {:>6.0} ms", format!("upload of {FILE_MIB} MiB"), started.elapsed().as_millis());
    body["id"].as_str().unwrap().to_owned()
}

/// Downloads upload `id`, counting its bytes without keeping them.
async fn download(client: &reqwest::Client, base: &str, token: &str, id: &str) -> usize {
    let started = Instant::now();
    let response = client.get(format!("{base}/uploads/{id}")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut received = 0;
    while let Some(chunk) = stream.next().await {
        received += chunk.unwrap().len();
    }
    println!("{:<34} {:>6.0} ms", format!("download of {FILE_MIB} MiB"), started.elapsed().as_millis());
    received
}

/// A 2,400 x 1,600 photo-sized PNG: the first thumbnail request makes it, later ones read it.
async fn thumbnails(client: &reqwest::Client, base: &str, token: &str) {
    let image = image::RgbImage::from_fn(2400, 1600, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x ^ y) % 239) as u8])
    });
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let response =
        client.post(format!("{base}/uploads?filename=photo.png")).bearer_auth(token).body(png).send().await.unwrap();
    let id = response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let url = format!("{base}/uploads/{id}/thumbnail?size=256");
    let fetch = || async {
        let started = Instant::now();
        let response = client.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        started.elapsed().as_secs_f64() * 1000.0
    };
    let first = fetch().await;
    let mut later = Vec::new();
    for _ in 0..50 {
        later.push(fetch().await);
    }
    later.sort_by(f64::total_cmp);
    let median = later[later.len() / 2];
    println!(
        "{:<34} {first:>6.1} ms the first (made)   {median:>6.2} ms the median of 50 later (stored), {:.0}x faster",
        "thumbnail of a 2400x1600 PNG",
        first / median
    );
}
