//! Workers: the loops that run beside the HTTP server for as long as the process does (the event
//! listener, the pump, the receipt publisher, retention, the presence beat, the upload janitor, the
//! search index, push and webhooks).
//! Not to be confused with the HTTP worker threads of `CHAT_WORKERS`.
//!
//! A worker is a named future that never returns (its output is `Infallible`: each loop handles
//! its own errors and carries on), but for the pump, which ends when the event log it follows
//! was replaced (`Worker::ending`). `Running` runs each as a task of its own and reports the
//! first that stops (that one, or a panic); `Application::run_until_stopped` then stops the
//! server, because a process whose pump or listener is gone would serve on without delivering.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use tokio::task::{Id, JoinError, JoinSet};

/// A loop to run for as long as the process, and its name for the logs.
pub struct Worker {
    name: &'static str,
    /// Ends only when the process must stop, saying why.
    run: Pin<Box<dyn Future<Output = String> + Send>>,
}

impl Worker {
    pub fn new(name: &'static str, run: impl Future<Output = Infallible> + Send + 'static) -> Self {
        Self::ending(name, async move { match run.await {} })
    }

    /// A worker that ends when the process can no longer serve (the pump, once the event log it
    /// follows was replaced), with the reason.
    pub fn ending(name: &'static str, run: impl Future<Output = String> + Send + 'static) -> Self {
        Self { name, run: Box::pin(run) }
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A worker that stopped, and why (its panic's message).
#[derive(Debug, thiserror::Error)]
#[error("the {name} worker stopped: {reason}")]
pub struct WorkerStopped {
    pub name: &'static str,
    pub reason: String,
}

/// Workers running, each as a task of its own (so that one blocking or panicking does not take
/// the others with it unseen); dropping this aborts them.
#[derive(Debug)]
pub struct Running {
    tasks: JoinSet<String>,
    names: HashMap<Id, &'static str>,
}

impl Running {
    /// Spawns every worker on the current runtime.
    pub fn start(workers: Vec<Worker>) -> Self {
        let mut tasks = JoinSet::new();
        let mut names = HashMap::with_capacity(workers.len());
        for worker in workers {
            let task = tasks.spawn(worker.run);
            names.insert(task.id(), worker.name);
        }
        Self { tasks, names }
    }

    /// Waits for the first worker to stop; with none running, waits forever.
    pub async fn stopped(&mut self) -> WorkerStopped {
        match self.tasks.join_next_with_id().await {
            None => std::future::pending().await,
            Some(Ok((id, reason))) => {
                let name = self.names.get(&id).copied().unwrap_or("unnamed");
                WorkerStopped { name, reason }
            }
            Some(Err(error)) => {
                let name = self.names.get(&error.id()).copied().unwrap_or("unnamed");
                WorkerStopped { name, reason: reason(error) }
            }
        }
    }
}

fn reason(error: JoinError) -> String {
    if error.is_cancelled() {
        return "cancelled".into();
    }
    let panic = error.into_panic();
    let message = panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    format!("panicked: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn forever() -> Worker {
        Worker::new("steady", async {
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        })
    }

    fn doomed() -> Worker {
        Worker::new("doomed", async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            panic!("on purpose")
        })
    }

    #[tokio::test]
    async fn the_first_worker_to_panic_is_reported_by_name_with_its_message() {
        let mut running = Running::start(vec![forever(), doomed(), forever()]);
        let stopped = tokio::time::timeout(Duration::from_secs(5), running.stopped()).await.unwrap();
        assert_eq!(stopped.name, "doomed");
        assert_eq!(stopped.reason, "panicked: on purpose");
        assert_eq!(stopped.to_string(), "the doomed worker stopped: panicked: on purpose");
    }

    #[tokio::test]
    async fn workers_that_keep_running_are_never_reported() {
        let mut running = Running::start(vec![forever(), forever()]);
        assert!(tokio::time::timeout(Duration::from_millis(100), running.stopped()).await.is_err());
        let mut none = Running::start(Vec::new());
        assert!(tokio::time::timeout(Duration::from_millis(50), none.stopped()).await.is_err());
    }
}
