//! The server's resident memory around a burst of registrations (argon2id at its production
//! cost), which must not stay grown.

use crate::setup::register;

/// The resident set of process `pid`, in MiB, from /proc.
pub fn resident_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
}

/// 26 registrations one by one, then 64 at 16 at a time: the burst that once left 1 GB resident.
pub async fn hashing_memory(client: &reqwest::Client, base: &str, pid: &str) {
    let before = resident_mib(pid);
    let suffix = std::process::id();
    for n in 0..26 {
        register(client, base, &format!("seq{suffix}x{n}")).await;
    }
    let after_sequential = resident_mib(pid);
    let burst: Vec<_> = (0..16)
        .map(|worker| {
            let (client, base) = (client.clone(), base.to_owned());
            tokio::spawn(async move {
                for n in 0..4 {
                    register(&client, &base, &format!("par{suffix}x{worker}x{n}")).await;
                }
            })
        })
        .collect();
    for task in burst {
        task.await.unwrap();
    }
    let after_burst = resident_mib(pid);
    println!(
        "{:<34} {before:>6.0} MiB before   {after_sequential:>6.0} MiB after 26   {after_burst:>6.0} MiB after 64 more at 16",
        "server memory, 90 registrations"
    );
}
