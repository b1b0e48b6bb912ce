//! Opening connections within the bounded wait, never held up by a host that does not answer.
//!
//! Given several hosts (`postgres://a,b,c/db?target_session_attrs=read-write`), tokio-postgres
//! tries them in turn, but its `connect_timeout` covers only the TCP connect: a hung node's kernel
//! accepts the connection and the startup handshake then waits forever, so the hosts after it are
//! never tried. Here the whole attempt (TCP, startup, the read-write check and diesel's session
//! setup, on whichever host) is bounded, and a silent host never holds it up: the attempt starts at
//! the host that last answered (after a failover, the new primary) and asks the next one as soon
//! as a host refuses, or after `NEXT_HOST_AFTER` while it is silent. While a host is silent, the
//! hosts that refused (standbys) are asked again every `ASK_AGAIN_AFTER`, so a standby promoted
//! during the attempt is found within that, not when the silent host's bound runs out: with a
//! frozen primary, writes came back up to the bound (5 s) after the promotion, which once came
//! after the thaw and failed `ha_failover::primary_frozen_mid_load`. When every host has refused,
//! the attempt fails at once (the database is down; requests learn it without waiting).

use crate::connection::deadline::{NodeLiveness, StatementClock, drive};
use crate::connection::health::DatabaseHealth;
use crate::connection::instrumentation::{ConnectionWatch, StatementWatch};
use crate::error::{StoreError, StoreResult};
use diesel::ConnectionError;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::{Instant, sleep_until};
use tokio_postgres::config::Host;
use tokio_postgres::{Config, NoTls};

/// How long an attempt waits for a host's answer before it asks the next host as well. A node
/// that is up answers a connect in milliseconds; one that is silent this long may be hung.
const NEXT_HOST_AFTER: Duration = Duration::from_millis(250);

/// How soon a host that refused is asked again while another host is still silent: a standby
/// promoted meanwhile is connected to within about this. Each ask costs that standby a backend's
/// start, and only while a host hangs (a failover under way).
const ASK_AGAIN_AFTER: Duration = Duration::from_millis(500);

/// Every connection's session settings, sent in its startup packet. Each prepared statement is
/// planned once per connection: left to choose (`auto`), PostgreSQL planned the search, the chat
/// list and a history page again on every execution, each time their generic plan's estimate came
/// out above a custom one's (a `LIMIT $n` is costed as a tenth of the rows), which cost as much of
/// the database's CPU as running them (search: 435 µs planning, 415 µs execution, in `make bench`).
/// Each statement's generic plan is the one that runs, so `query_plans` tests generic plans.
/// And no parallel workers: a generic plan costs a search's index probe at 0.5% of the messages,
/// which over 2,000,000 launched workers to read 22 rows (13.4 ms a search, 1.7 ms without); a
/// request of this server never reads enough rows for workers to repay their start. And no JIT
/// compilation, for the same reason: over 12,000,000 indexed messages a search's generic plan is
/// estimated above `jit_above_cost`, and PostgreSQL compiled it on every execution (24 ms of
/// JIT against 2.6 ms of execution; `make bench` searched 1,000,000 of them at 50 a second, and
/// at 972 without JIT).
pub const SESSION_OPTIONS: &str =
    "-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0 -c jit=off";

#[derive(Debug)]
pub(crate) struct Connector {
    /// One configuration per host, in the URL's order.
    hosts: Vec<Config>,
    /// When each host last answered a statement (the bounded wait tells hung from busy by it).
    liveness: Vec<Arc<NodeLiveness>>,
    /// The host the next attempt starts at.
    first: AtomicUsize,
    wait: Duration,
    health: DatabaseHealth,
    statements: StatementWatch,
}

impl Connector {
    pub fn new(url: &str, wait: Duration, health: DatabaseHealth, statements: StatementWatch) -> StoreResult<Self> {
        let config: Config =
            url.parse().map_err(|error: tokio_postgres::Error| StoreError::InvalidUrl(error.to_string()))?;
        let hosts: Vec<Config> = (0..config.get_hosts().len()).map(|index| single_host(&config, index)).collect();
        let liveness = hosts.iter().map(|_| Arc::default()).collect();
        Ok(Self { hosts, liveness, first: AtomicUsize::new(0), wait, health, statements })
    }

    /// A pooled connection: its statements are watched and bounded (`deadline.rs`).
    pub async fn pooled(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let connected = self.each_host(Purpose::Pool).await;
        match &connected {
            Ok(_) => self.health.mark_up(),
            Err(_) => self.health.mark_down(),
        }
        connected
    }

    /// A connection outside the pool, made within the bound like the others but whose statements
    /// are not bounded (diesel-async drives it, forwarding notifications): for LISTEN, whose user
    /// bounds its statements itself, and for migrations, whose statements (an index build, a table
    /// rewrite) may rightly take minutes.
    pub async fn unbounded(&self) -> Result<AsyncPgConnection, ConnectionError> {
        self.each_host(Purpose::Unbounded).await
    }

    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// A connection to the first host that takes one, within the bound (see the module's comment).
    async fn each_host(&self, purpose: Purpose) -> Result<AsyncPgConnection, ConnectionError> {
        let count = self.hosts.len();
        let first = self.first.load(Ordering::Relaxed) % count.max(1);
        let deadline = Instant::now() + self.wait;
        let mut unasked: VecDeque<usize> = (first..count).chain(0..first).collect();
        let mut asking: FuturesUnordered<Asking<'_>> = FuturesUnordered::new();
        // When each refused host is to be asked again, earliest first.
        let mut refused: VecDeque<(Instant, usize)> = VecDeque::new();
        let mut failures: Vec<Option<String>> = vec![None; count];
        let mut next_host_at = Instant::now();
        loop {
            if asking.is_empty() && unasked.is_empty() {
                // Every host refused, none is silent: the database is down (or only standbys are up).
                break;
            }
            let ask_again_at = refused.front().map(|(at, _)| *at);
            tokio::select! {
                Some((index, outcome)) = asking.next() => match outcome {
                    Ok(conn) => {
                        self.first.store(index, Ordering::Relaxed);
                        return Ok(conn);
                    }
                    Err(error) => {
                        if let Some(failure) = failures.get_mut(index) {
                            *failure = Some(error.to_string());
                        }
                        refused.push_back((Instant::now() + ASK_AGAIN_AFTER, index));
                        next_host_at = Instant::now();
                    }
                },
                () = sleep_until(next_host_at), if !unasked.is_empty() => {
                    if let Some(index) = unasked.pop_front() {
                        asking.push(self.ask(index, purpose));
                    }
                    next_host_at = Instant::now() + NEXT_HOST_AFTER;
                }
                () = sleep_until(ask_again_at.unwrap_or(deadline)), if ask_again_at.is_some() && !asking.is_empty() => {
                    if let Some((_, index)) = refused.pop_front() {
                        asking.push(self.ask(index, purpose));
                    }
                }
                () = sleep_until(deadline) => {
                    if first < count && failures.get(first).is_some_and(Option::is_none) {
                        // The first host never answered: later attempts ask it last.
                        let _ = self.first.compare_exchange(first, (first + 1) % count, Ordering::Relaxed, Ordering::Relaxed);
                    }
                    break;
                }
            }
        }
        let failures = failures.into_iter().enumerate().map(|(index, failure)| match failure {
            Some(error) => format!("host {}: {error}", index + 1),
            None => format!("host {}: no answer within {:?}", index + 1, self.wait),
        });
        Err(ConnectionError::BadConnection(failures.collect::<Vec<_>>().join("; ")))
    }

    /// One connect to the `index`th host, tagged with it.
    fn ask(&self, index: usize, purpose: Purpose) -> Asking<'_> {
        Box::pin(async move {
            let outcome = match self.hosts.get(index) {
                Some(config) => self.connect(index, config, purpose).await,
                None => Err(ConnectionError::BadConnection("no such host".into())),
            };
            (index, outcome)
        })
    }

    async fn connect(
        &self,
        index: usize,
        config: &Config,
        purpose: Purpose,
    ) -> Result<AsyncPgConnection, ConnectionError> {
        match purpose {
            Purpose::Pool => {
                let clock = StatementClock::new(self.health.outages());
                let node = self.liveness.get(index).cloned().unwrap_or_default();
                let (client, connection) = config.connect(NoTls).await.map_err(bad)?;
                let watchdog = drive(connection, Arc::downgrade(&clock), node.clone(), self.wait, self.health.clone());
                tokio::spawn(watchdog);
                let mut conn = AsyncPgConnection::try_from(client).await?;
                conn.set_instrumentation(ConnectionWatch::new(self.statements.clone(), clock, node));
                self.statements.connection_opened();
                Ok(conn)
            }
            Purpose::Unbounded => {
                let (client, connection) = config.connect(NoTls).await.map_err(bad)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await
            }
        }
    }
}

type Asking<'a> = Pin<Box<dyn Future<Output = (usize, Result<AsyncPgConnection, ConnectionError>)> + Send + 'a>>;

#[derive(Clone, Copy, Debug)]
enum Purpose {
    Pool,
    Unbounded,
}

/// The error, with the server's SQLSTATE and message when it sent one (tokio-postgres's own text
/// says only `db error`); `startup` tells a wrong password from an outage by the SQLSTATE.
fn bad(error: tokio_postgres::Error) -> ConnectionError {
    match error.as_db_error() {
        Some(db) => ConnectionError::BadConnection(format!("{} (SQLSTATE {})", db.message(), db.code().code())),
        None => ConnectionError::BadConnection(error.to_string()),
    }
}

/// `config` with only its `index`th host (and that host's port and address).
fn single_host(config: &Config, index: usize) -> Config {
    let mut one = Config::new();
    if let Some(user) = config.get_user() {
        one.user(user);
    }
    if let Some(password) = config.get_password() {
        one.password(password);
    }
    if let Some(dbname) = config.get_dbname() {
        one.dbname(dbname);
    }
    // Ours first: an operator's own `options=-c plan_cache_mode=...` in the URL comes later and wins.
    let options = [Some(SESSION_OPTIONS), config.get_options()].into_iter().flatten().collect::<Vec<_>>();
    one.options(options.join(" "));
    if let Some(name) = config.get_application_name() {
        one.application_name(name);
    }
    one.ssl_mode(config.get_ssl_mode()).ssl_negotiation(config.get_ssl_negotiation());
    match config.get_hosts().get(index) {
        Some(Host::Tcp(host)) => one.host(host),
        Some(Host::Unix(path)) => one.host_path(path),
        None => &mut one,
    };
    if let Some(address) = config.get_hostaddrs().get(index) {
        one.hostaddr(*address);
    }
    // One port for every host, or one per host.
    let ports = config.get_ports();
    if let Some(port) = ports.get(index).or(ports.first().filter(|_| ports.len() == 1)) {
        one.port(*port);
    }
    if let Some(timeout) = config.get_connect_timeout() {
        one.connect_timeout(*timeout);
    }
    if let Some(timeout) = config.get_tcp_user_timeout() {
        one.tcp_user_timeout(*timeout);
    }
    one.keepalives(config.get_keepalives()).keepalives_idle(config.get_keepalives_idle());
    if let Some(interval) = config.get_keepalives_interval() {
        one.keepalives_interval(interval);
    }
    if let Some(retries) = config.get_keepalives_retries() {
        one.keepalives_retries(retries);
    }
    one.target_session_attrs(config.get_target_session_attrs()).channel_binding(config.get_channel_binding());
    one
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;

    #[derive(QueryableByName)]
    struct Settings {
        #[diesel(sql_type = Text)]
        plan_cache_mode: String,
        #[diesel(sql_type = Text)]
        workers: String,
        #[diesel(sql_type = Text)]
        jit: String,
    }

    async fn settings(url: &str) -> (String, String, String) {
        let connector =
            Connector::new(url, Duration::from_secs(5), DatabaseHealth::default(), StatementWatch::default());
        let mut conn = connector.unwrap().pooled().await.unwrap();
        let query = "SELECT current_setting('plan_cache_mode') AS plan_cache_mode,
                            current_setting('max_parallel_workers_per_gather') AS workers,
                            current_setting('jit') AS jit";
        let settings: Settings = diesel::sql_query(query).get_result(&mut conn).await.unwrap();
        (settings.plan_cache_mode, settings.workers, settings.jit)
    }

    #[tokio::test]
    async fn each_statement_is_planned_once_per_connection_unless_the_url_says_otherwise() {
        let db = chat_test_db::TestDatabase::new().await;
        let expected = ("force_generic_plan".to_owned(), "0".to_owned(), "off".to_owned());
        assert_eq!(settings(db.url()).await, expected);
        let separator = if db.url().contains('?') { '&' } else { '?' };
        let own = format!("{}{separator}options=-c%20plan_cache_mode%3Dauto", db.url());
        assert_eq!(settings(&own).await.0, "auto");
    }
}
