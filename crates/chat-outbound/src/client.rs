//! `Outbound`: the guarded client, its policy and what an endpoint answered.

use crate::address::is_public;
use crate::error::{OutboundError, Refusal};
use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// What an operator decides about outbound requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Hosts (names or IP addresses, as they appear in URLs) exempt from the public-address rule:
    /// a push gateway on the operator's own network, the tests' endpoints on 127.0.0.1.
    pub allowed_hosts: Vec<String>,
    /// The longest a request may take, from resolving to the answer's last byte.
    pub timeout: Duration,
    /// How much of an answer's body is read; the rest is dropped (`Answer::truncated`).
    pub max_answer_bytes: usize,
}

impl Default for OutboundPolicy {
    fn default() -> Self {
        Self { allowed_hosts: Vec::new(), timeout: Duration::from_secs(5), max_answer_bytes: 64 * 1024 }
    }
}

/// The operator's allow-list: names compared without case, addresses by value (so `::1` and
/// `[0:0::1]` are one entry).
#[derive(Debug, Default)]
struct AllowList {
    names: HashSet<String>,
    addresses: HashSet<IpAddr>,
}

impl AllowList {
    fn new(hosts: &[String]) -> Self {
        let mut list = Self::default();
        for host in hosts.iter().map(|host| host.trim().trim_start_matches('[').trim_end_matches(']')) {
            match host.parse::<IpAddr>() {
                Ok(address) => {
                    list.addresses.insert(address);
                }
                Err(_) if !host.is_empty() => {
                    list.names.insert(host.to_ascii_lowercase());
                }
                Err(_) => {}
            }
        }
        list
    }

    fn allows_name(&self, name: &str) -> bool {
        self.names.contains(&name.to_ascii_lowercase())
    }

    fn allows_address(&self, address: IpAddr) -> bool {
        self.addresses.contains(&address)
    }
}

/// The one client for user-supplied URLs (see the crate's documentation). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allowed: Arc<AllowList>,
    timeout: Duration,
    max_answer_bytes: usize,
}

/// What an endpoint answered.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    /// At most `OutboundPolicy::max_answer_bytes` of the body.
    pub body: Bytes,
    /// The body was longer than that, and was cut.
    pub truncated: bool,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Where a redirect (301, 302, 303, 307, 308 with a `Location`) sends a request made to `from`.
    pub fn redirect_to(&self, from: &Url) -> Option<Url> {
        if !matches!(self.status, 301 | 302 | 303 | 307 | 308) {
            return None;
        }
        let location = self.headers.get(http::header::LOCATION)?.to_str().ok()?;
        from.join(location).ok()
    }

    /// The media type of `Content-Type`, lowercased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        let value = self.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
        Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
    }

    /// The `charset` parameter of `Content-Type`, if any.
    pub fn charset(&self) -> Option<String> {
        let value = self.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
        value.split(';').skip(1).find_map(|parameter| {
            let (name, value) = parameter.split_once('=')?;
            name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_owned())
        })
    }

    /// The wait a `Retry-After` header asks for, given in seconds (the HTTP-date form is ignored).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
        value.trim().parse::<u64>().ok().map(Duration::from_secs)
    }
}

impl Outbound {
    pub fn new(policy: OutboundPolicy) -> Result<Self, OutboundError> {
        let allowed = Arc::new(AllowList::new(&policy.allowed_hosts));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnlyResolver { allowed: allowed.clone() }))
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .user_agent(concat!("chat-backend/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| OutboundError::Setup(error.to_string()))?;
        Ok(Self { client, allowed, timeout: policy.timeout, max_answer_bytes: policy.max_answer_bytes })
    }

    /// Checks a URL a user registers: absolute, http or https, and naming a host whose every
    /// address is public (or an allow-listed host). Sending checks again, on the address it
    /// connects to: what a name resolves to can change after this.
    pub async fn check(&self, url: &str) -> Result<Url, OutboundError> {
        let url = Url::parse(url).map_err(|_| Refusal::Unparsable)?;
        self.check_host_form(&url)?;
        if let Some(Host::Domain(name)) = url.host()
            && !self.allowed.allows_name(name)
        {
            let port = url.port_or_known_default().unwrap_or(443);
            let addresses =
                tokio::time::timeout(self.timeout, resolve(name, port)).await.map_err(|_| OutboundError::Timeout)??;
            if let Some(private) = addresses.iter().map(SocketAddr::ip).find(|address| !is_public(*address)) {
                return Err(Refusal::NonPublicAddress(private).into());
            }
        }
        Ok(url)
    }

    /// POSTs `body` to `url` with `headers`.
    pub async fn post(&self, url: &Url, headers: http::HeaderMap, body: Vec<u8>) -> Result<Answer, OutboundError> {
        let request = self.client.post(url.clone()).headers(headers).body(body).build()?;
        self.execute(request).await
    }

    /// Sends a request built elsewhere (a Web Push request from `web-push-native`).
    pub async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Answer, OutboundError> {
        let request = reqwest::Request::try_from(request)?;
        self.execute(request).await
    }

    /// GETs `url` asking for `accept`, reading at most `max_bytes` of the answer, and follows up
    /// to `redirects` redirects, each to an address checked like the first (the resolver refuses
    /// a private one on every hop); all within the policy's timeout. Answers the last URL reached
    /// and its answer (a redirect past the limit is answered as it is).
    pub async fn get(
        &self,
        url: &Url,
        accept: &str,
        max_bytes: usize,
        redirects: usize,
    ) -> Result<(Url, Answer), OutboundError> {
        let fetch = async {
            let mut url = url.clone();
            for hop in 0..=redirects {
                // Before building: reqwest refuses to build a request to another scheme, with an
                // error that would pass for a network failure (worth retrying).
                self.check_host_form(&url)?;
                let request = self.client.get(url.clone()).header(http::header::ACCEPT, accept).build()?;
                let answer = self.execute_capped(request, max_bytes).await?;
                let next = answer.redirect_to(&url);
                match next {
                    Some(next) if hop < redirects => url = next,
                    _ => return Ok((url, answer)),
                }
            }
            Err(OutboundError::Network("too many redirects".into()))
        };
        tokio::time::timeout(self.timeout, fetch).await.map_err(|_| OutboundError::Timeout)?
    }

    async fn execute(&self, request: reqwest::Request) -> Result<Answer, OutboundError> {
        self.execute_capped(request, self.max_answer_bytes).await
    }

    async fn execute_capped(&self, request: reqwest::Request, max_bytes: usize) -> Result<Answer, OutboundError> {
        self.check_host_form(request.url())?;
        let mut response = self.client.execute(request).await?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let mut body = BytesMut::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await? {
            let room = max_bytes - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, headers, body: body.freeze(), truncated })
    }

    /// What can be judged without resolving: the scheme, that there is a host, and a host given
    /// as an address (which the resolver never sees: nothing resolves an address).
    fn check_host_form(&self, url: &Url) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::Scheme);
        }
        let address = match url.host() {
            None => return Err(Refusal::NoHost),
            Some(Host::Domain(_)) => return Ok(()),
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        };
        if is_public(address) || self.allowed.allows_address(address) {
            Ok(())
        } else {
            Err(Refusal::NonPublicAddress(address))
        }
    }
}

async fn resolve(name: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
    let addresses: Vec<SocketAddr> =
        tokio::net::lookup_host((name, port)).await.map_err(|_| Refusal::Unresolvable)?.collect();
    if addresses.is_empty() { Err(Refusal::Unresolvable) } else { Ok(addresses) }
}

/// Resolves names for the client, keeping only public addresses (all of them for an allow-listed
/// name). Connections are made to what this returns, so a name re-pointed at a private address
/// after it was checked is still refused.
struct PublicOnlyResolver {
    allowed: Arc<AllowList>,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let exempt = allowed.allows_name(&name);
            let addresses = resolve(&name, 0).await?;
            let (usable, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                addresses.into_iter().partition(|address| exempt || is_public(address.ip()));
            match (usable.is_empty(), refused.first()) {
                (true, Some(refused)) => Err(Refusal::NonPublicAddress(refused.ip()).into()),
                (true, None) => Err(Refusal::Unresolvable.into()),
                (false, _) => Ok(Box::new(usable.into_iter()) as Addrs),
            }
        })
    }
}
