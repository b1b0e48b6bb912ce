//! CPU time from /proc: of a process, of this one and its reaped children, of a whole PostgreSQL
//! cluster (the postmaster, every live child, and the children it already reaped).

use std::fs;
use std::path::Path;

/// CPU seconds of one process: its own (`utime + stime`) and its reaped children's.
#[derive(Clone, Copy, Debug, Default)]
pub struct Times {
    pub own: f64,
    pub children: f64,
    pub parent: u32,
}

/// The clock ticks /proc counts in (`getconf CLK_TCK`; 100 on Linux nearly everywhere).
fn ticks_per_second() -> f64 {
    static HZ: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        let output = std::process::Command::new("getconf").arg("CLK_TCK").output().ok();
        output.and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok()).unwrap_or(100.0)
    })
}

/// `/proc/<pid>/stat` (pid may be `self`), or `None` when the process is gone.
pub fn times(pid: &str) -> Option<Times> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: the fields after it start past its ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|value| value.parse::<f64>().ok());
    let hz = ticks_per_second();
    Some(Times {
        own: (field(14)? + field(15)?) / hz,
        children: (field(16)? + field(17)?) / hz,
        parent: field(4)? as u32,
    })
}

/// The postmaster of the cluster in `data_dir` (the first line of its postmaster.pid).
pub fn postmaster(data_dir: &Path) -> u32 {
    let pid_file = data_dir.join("postmaster.pid");
    let text = fs::read_to_string(&pid_file).unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()));
    text.lines().next().and_then(|line| line.trim().parse().ok()).expect("no pid in postmaster.pid")
}

/// CPU seconds the whole cluster has used so far: a backend that exited meanwhile is counted in
/// the postmaster's reaped children, one still running in its own /proc entry.
pub fn cluster(postmaster: u32) -> f64 {
    let root = times(&postmaster.to_string()).expect("the bench cluster's postmaster is gone");
    let mut total = root.own + root.children;
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().filter(|name| name.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        if let Some(child) = times(pid).filter(|child| child.parent == postmaster) {
            total += child.own;
        }
    }
    total
}
