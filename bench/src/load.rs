//! A closed-loop HTTP/1.1 load generator: C simulated clients, each on its own keep-alive
//! connection, each sending its next request only when the previous answer has been read in
//! full. Every latency is recorded (see [`crate::stats`]); the run stops at a deadline or after
//! a number of requests, whichever comes first.
//!
//! Only loopback addresses are accepted: this tool must never send traffic anywhere else.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::stats::{nanos, Summary};

/// No single request may take longer than this; a slower one counts as an I/O error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One request to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    /// Path and query, e.g. `/api/v1/procedures?q=khai%20sinh`.
    pub path: String,
    /// JSON body (empty for none).
    pub body: Bytes,
    /// Sent as `Authorization: Bearer …` when present.
    pub bearer: Option<Arc<str>>,
}

impl HttpRequest {
    pub fn get(path: impl Into<String>) -> Self {
        HttpRequest {
            method: Method::GET,
            path: path.into(),
            body: Bytes::new(),
            bearer: None,
        }
    }

    pub fn post_json(path: impl Into<String>, body: Bytes, bearer: Option<Arc<str>>) -> Self {
        HttpRequest {
            method: Method::POST,
            path: path.into(),
            body,
            bearer,
        }
    }
}

/// What one simulated client does: the next request, and what it learns from each answer.
pub trait Script: Send {
    /// The next request, or None when this client has nothing left to do.
    fn next_request(&mut self) -> Option<HttpRequest>;
    /// Called with every complete answer, in order.
    fn on_response(&mut self, _status: u16, _body: &[u8]) {}
}

/// The same request (or a cycle of requests) forever.
pub struct Cycle {
    requests: Arc<Vec<HttpRequest>>,
    next: usize,
}

impl Cycle {
    /// Client `client` starts at a different place in the cycle than its neighbours.
    pub fn new(requests: Arc<Vec<HttpRequest>>, client: usize) -> Self {
        let next = client % requests.len().max(1);
        Cycle { requests, next }
    }
}

impl Script for Cycle {
    fn next_request(&mut self) -> Option<HttpRequest> {
        let r = self.requests.get(self.next)?.clone();
        self.next = (self.next + 1) % self.requests.len();
        Some(r)
    }
}

/// How hard and how long to push.
#[derive(Debug, Clone, Copy)]
pub struct LoadSpec {
    pub addr: SocketAddr,
    pub connections: usize,
    pub duration: Duration,
    pub max_requests: u64,
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    pub latency: Summary,
    pub elapsed: Duration,
    /// Answers read in full (any status).
    pub completed: u64,
    /// Count of answers per HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Connections refused or broken, and requests that timed out.
    pub io_errors: u64,
    /// For each non-2xx status, the request and the start of the first such answer.
    pub first_errors: BTreeMap<u16, String>,
}

impl LoadResult {
    /// Complete answers per second of wall time.
    pub fn throughput(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Answers with a 2xx status.
    pub fn ok(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| (200..300).contains(*s))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Refuses any address that is not loopback.
pub fn ensure_loopback(addr: SocketAddr) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() {
        bail!("refusing to send benchmark traffic to {addr}: loopback addresses only");
    }
    Ok(())
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    ensure_loopback(addr)?;
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connect {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // The connection ends when the client drops its sender or the server closes it.
        let _ = conn.await;
    });
    Ok(sender)
}

fn build(addr: SocketAddr, r: &HttpRequest) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut b = Request::builder()
        .method(r.method.clone())
        .uri(r.path.as_str())
        .header(HOST, addr.to_string());
    if !r.body.is_empty() {
        b = b.header(CONTENT_TYPE, "application/json");
    }
    if let Some(token) = &r.bearer {
        b = b.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    Ok(b.body(Full::new(r.body.clone()))?)
}

async fn exchange(sender: &mut Sender, req: Request<Full<Bytes>>) -> anyhow::Result<(u16, Bytes)> {
    let fut = async {
        sender.ready().await?;
        let resp = sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok::<_, hyper::Error>((status, body))
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, fut).await {
        Ok(r) => Ok(r?),
        Err(_) => bail!("no answer within {REQUEST_TIMEOUT:?}"),
    }
}

/// One request on a fresh connection: for probes (readiness, is this route here?).
pub async fn once(addr: SocketAddr, r: &HttpRequest) -> anyhow::Result<(u16, Bytes)> {
    let mut sender = connect(addr).await?;
    exchange(&mut sender, build(addr, r)?).await
}

struct ClientTally {
    latencies: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    io_errors: u64,
    first_errors: BTreeMap<u16, String>,
}

/// At most this many characters of an error answer are kept.
const ERROR_SAMPLE_CHARS: usize = 300;

async fn client(
    addr: SocketAddr,
    mut script: Box<dyn Script>,
    deadline: Instant,
    issued: Arc<AtomicU64>,
    max_requests: u64,
) -> ClientTally {
    let mut tally = ClientTally {
        latencies: Vec::with_capacity(4096),
        statuses: BTreeMap::new(),
        io_errors: 0,
        first_errors: BTreeMap::new(),
    };
    let mut sender: Option<Sender> = None;
    while Instant::now() < deadline {
        if sender.is_none() {
            match connect(addr).await {
                Ok(s) => sender = Some(s),
                Err(_) => {
                    tally.io_errors += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            }
        }
        let Some(conn) = sender.as_mut() else {
            continue;
        };
        let Some(r) = script.next_request() else {
            break;
        };
        if issued.fetch_add(1, Ordering::Relaxed) >= max_requests {
            break;
        }
        let Ok(req) = build(addr, &r) else {
            tally.io_errors += 1;
            continue;
        };
        let started = Instant::now();
        match exchange(conn, req).await {
            Ok((status, body)) => {
                tally.latencies.push(nanos(started.elapsed()));
                *tally.statuses.entry(status).or_default() += 1;
                if !(200..300).contains(&status) {
                    tally.first_errors.entry(status).or_insert_with(|| {
                        let text = String::from_utf8_lossy(&body);
                        let head: String = text.chars().take(ERROR_SAMPLE_CHARS).collect();
                        format!("{} {} → {head}", r.method, r.path)
                    });
                }
                script.on_response(status, &body);
            }
            Err(_) => {
                tally.io_errors += 1;
                sender = None;
            }
        }
    }
    tally
}

/// Runs `spec.connections` clients, client `i` following `make_script(i)`, until the deadline or
/// `spec.max_requests` requests.
pub async fn run(
    spec: LoadSpec,
    make_script: impl Fn(usize) -> Box<dyn Script>,
) -> anyhow::Result<LoadResult> {
    ensure_loopback(spec.addr)?;
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + spec.duration;
    let mut tasks = Vec::with_capacity(spec.connections);
    for i in 0..spec.connections.max(1) {
        tasks.push(tokio::spawn(client(
            spec.addr,
            make_script(i),
            deadline,
            issued.clone(),
            spec.max_requests,
        )));
    }
    let mut latencies = Vec::new();
    let mut result = LoadResult::default();
    for t in tasks {
        let tally = t.await.context("load client task")?;
        latencies.extend(tally.latencies);
        for (s, n) in tally.statuses {
            *result.statuses.entry(s).or_default() += n;
        }
        result.io_errors += tally.io_errors;
        for (s, e) in tally.first_errors {
            result.first_errors.entry(s).or_insert(e);
        }
    }
    result.elapsed = started.elapsed();
    result.completed = latencies.len() as u64;
    result.latency = Summary::from_nanos(latencies);
    Ok(result)
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters stay as they are).
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded_as_utf8() {
        assert_eq!(encode_query_value("dang ky"), "dang%20ky");
        assert_eq!(encode_query_value("1.001193"), "1.001193");
        assert_eq!(encode_query_value("Đăng"), "%C4%90%C4%83ng");
    }

    #[test]
    fn only_loopback_is_accepted() {
        assert!(ensure_loopback("127.0.0.1:8080".parse().unwrap()).is_ok());
        assert!(ensure_loopback("[::1]:8080".parse().unwrap()).is_ok());
        assert!(ensure_loopback("192.0.2.1:80".parse().unwrap()).is_err());
    }

    #[test]
    fn a_cycle_starts_at_the_client_index_and_wraps() {
        let reqs = Arc::new(vec![HttpRequest::get("/a"), HttpRequest::get("/b")]);
        let mut c = Cycle::new(reqs, 3);
        let paths: Vec<String> = (0..3)
            .filter_map(|_| c.next_request().map(|r| r.path))
            .collect();
        assert_eq!(paths, ["/b", "/a", "/b"]);
    }

    #[tokio::test]
    async fn a_run_against_a_tiny_server_counts_every_answer() {
        // A loopback server answering every request with 204 on keep-alive connections.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut pending = Vec::new();
                    loop {
                        let Ok(n) = s.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        pending.extend_from_slice(&buf[..n]);
                        while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                            pending.drain(..end + 4);
                            let answer = b"HTTP/1.1 204 No Content\r\n\r\n";
                            if s.write_all(answer).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        let spec = LoadSpec {
            addr,
            connections: 4,
            duration: Duration::from_secs(10),
            max_requests: 200,
        };
        let reqs = Arc::new(vec![HttpRequest::get("/x")]);
        let r = run(spec, |i| Box::new(Cycle::new(reqs.clone(), i)))
            .await
            .unwrap();
        assert_eq!(r.completed, 200);
        assert_eq!(r.ok(), 200);
        assert_eq!(r.statuses.get(&204), Some(&200));
        assert_eq!(r.io_errors, 0);
        assert_eq!(r.latency.count, 200);
    }
}
