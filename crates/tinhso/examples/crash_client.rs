//! The crash test's client (`scripts/crash-test` drives it): concurrent intake and actions
//! against a running `tinhso serve`, recording every acknowledged (2xx) write, then a check
//! that the database kept every one of them after the server was killed with SIGKILL.
//!
//! ```text
//! crash_client load   --addr 127.0.0.1:PORT --tokens FILE --log FILE [--workers 8] [--seconds 30]
//! crash_client verify --addr 127.0.0.1:PORT --tokens FILE --log FILE [--kills MS,MS]
//! ```
//!
//! `load`: each worker receives dossiers (counter intake by the one-stop officer, or online by
//! the citizen) and walks each through the default workflow (accept, sometimes a supplement
//! round, forward, approve, result ready, deliver). Every write carries an `Idempotency-Key`;
//! a request whose connection fails (the server was killed) is sent again with the same key
//! until the server is back, so a write that committed before the crash is answered from the
//! record, not done twice. Each 2xx answer is appended to the log as one JSON line at once.
//!
//! `verify`: every acknowledged dossier exists with the applicant it was acknowledged for (a
//! code is never reused), has at least the acknowledged number of events, and its timeline
//! holds each acknowledged move with the acknowledged status; no key made two dossiers; codes
//! are unique and gapless per agency and day (domain.md §5.2). Exit status 1 on any failure.
//!
//! The client is plain `std` (blocking sockets, one thread per worker, one connection per
//! request) so it has no dependency of its own; loopback only, every loop bounded by count and
//! time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};

#[derive(Debug, Parser)]
#[command(about = "tinhso crash-test client: load with acknowledged-write log, then verify")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// The server, on loopback.
    #[arg(long)]
    addr: SocketAddr,
    /// Lines `<user id> <token>` (the demo users).
    #[arg(long)]
    tokens: PathBuf,
    /// The acknowledged-write log (JSON lines).
    #[arg(long)]
    log: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Drive concurrent intake and actions, appending every 2xx answer to the log.
    Load {
        #[command(flatten)]
        common: Common,
        /// Concurrent workers.
        #[arg(long, default_value_t = 8)]
        workers: usize,
        /// Start no new dossier after this many seconds.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Give up retrying a request this many seconds after the load ends.
        #[arg(long, default_value_t = 20)]
        grace: u64,
        /// At most this many dossiers per worker.
        #[arg(long, default_value_t = 10_000)]
        max_dossiers: u64,
        /// A name for this run, in every idempotency key and applicant name.
        #[arg(long, default_value = "run")]
        run: String,
    },
    /// Check the acknowledged writes against the database (through the API).
    Verify {
        #[command(flatten)]
        common: Common,
        /// Unix times (ms) of the kills, to report acknowledgements per server life.
        #[arg(long, value_delimiter = ',')]
        kills: Vec<u64>,
    },
}

const OFFICER: &str = "mc-phukhuong";
const SPECIALIST: &str = "cv-phukhuong";
const LEADER: &str = "ld-phukhuong";
const CLERK: &str = "vt-phukhuong";
const CITIZEN: &str = "cong-dan-demo";
const AGENCY: &str = "000.01.90.H61";
const PROCEDURE: &str = "1.001193";

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Load {
            common,
            workers,
            seconds,
            grace,
            max_dossiers,
            run,
        } => load(
            &common,
            workers.clamp(1, 64),
            seconds,
            grace,
            max_dossiers,
            &run,
        ),
        Command::Verify { common, kills } => verify(&common, &kills),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash_client: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn read_tokens(path: &PathBuf) -> anyhow::Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let tokens: HashMap<String, String> = text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect();
    for user in [OFFICER, SPECIALIST, LEADER, CLERK, CITIZEN] {
        if !tokens.contains_key(user) {
            bail!("no token for {user} in {}", path.display());
        }
    }
    Ok(tokens)
}

/// An HTTP answer: status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`). Any transport failure —
/// refused, reset, a truncated answer — is an `Err`: the caller decides whether to retry.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.set_write_timeout(Some(Duration::from_secs(15)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(k) = key {
        head.push_str(&format!("Idempotency-Key: {k}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "truncated answer"))
}

fn parse_response(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let rest = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse::<usize>().ok();
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        if rest.len() < n {
            return None;
        }
        rest[..n].to_vec()
    } else {
        rest.to_vec()
    };
    Some(Answer { status, body })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
    None
}

/// Counters shared by the workers.
#[derive(Default)]
struct Stats {
    created: AtomicU64,
    moved: AtomicU64,
    transport_errors: AtomicU64,
    unavailable: AtomicU64,
    unexpected: Mutex<Vec<String>>,
}

struct Load<'a> {
    addr: SocketAddr,
    tokens: &'a HashMap<String, String>,
    log: Mutex<File>,
    stats: Stats,
    load_until: Instant,
    give_up_at: Instant,
}

impl Load<'_> {
    /// Sends a write until it gets an HTTP answer other than 503, or until the grace time is
    /// over (`None`). The same idempotency key every time.
    fn send(&self, user: &str, path: &str, key: &str, body: &Value) -> Option<Answer> {
        let token = self.tokens.get(user).map(String::as_str);
        for _ in 0..100_000 {
            if Instant::now() > self.give_up_at {
                return None;
            }
            match http(self.addr, "POST", path, token, Some(key), Some(body)) {
                Ok(a) if a.status == 503 => {
                    self.stats.unavailable.fetch_add(1, Ordering::Relaxed);
                }
                Ok(a) => return Some(a),
                Err(_) => {
                    self.stats.transport_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    fn record(&self, line: Value) {
        let mut text = line.to_string();
        text.push('\n');
        let mut f = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.flush()) {
            self.unexpected(format!("cannot write the log: {e}"));
        }
    }

    fn unexpected(&self, what: String) {
        self.stats
            .unexpected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(what);
    }

    fn worker(&self, run: &str, worker: usize, max_dossiers: u64) {
        // Wrapping: debug builds (the CI run) check arithmetic overflow.
        let mut rng = Rng::new(now_ms() ^ (worker as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for n in 0..max_dossiers {
            if Instant::now() > self.load_until {
                return;
            }
            let key = format!("{run}-w{worker}-n{n}");
            let name = format!("Crash {key}");
            let online = rng.below(5) == 0;
            let (submitter, body) = if online {
                (
                    CITIZEN,
                    json!({"procedure_code": PROCEDURE, "channel": "online", "receiving_agency": AGENCY,
                           "applicant": {"name": name, "kind": 1}, "form": {"ho_ten_tre": "Bé"}}),
                )
            } else {
                (
                    OFFICER,
                    json!({"procedure_code": PROCEDURE, "channel": "counter",
                           "applicant": {"name": name, "kind": 1, "id_number": "086099000123"},
                           "comment": "Nhận tại quầy"}),
                )
            };
            let Some(a) = self.send(submitter, "/api/v1/dossiers", &key, &body) else {
                return;
            };
            if a.status != 201 {
                self.unexpected(format!(
                    "create {key}: {} {}",
                    a.status,
                    String::from_utf8_lossy(&a.body)
                ));
                continue;
            }
            let v = a.json();
            let code = v["code"].as_str().unwrap_or("").to_string();
            self.stats.created.fetch_add(1, Ordering::Relaxed);
            self.record(
                json!({"t_ms": now_ms(), "op": "create", "key": key, "name": name,
                "code": code, "events": v["events"], "status": v["status"]}),
            );

            // The journey (the default workflow): receive → appraise → approve → issue → deliver.
            let applicant = if online { CITIZEN } else { OFFICER };
            let mut journey: Vec<(&str, Value)> = vec![(OFFICER, json!({"action": "accept"}))];
            if rng.below(3) == 0 {
                journey.push((
                    SPECIALIST,
                    json!({"action": "request_supplement", "reason": "Bản chính giấy chứng sinh"}),
                ));
                journey.push((applicant, json!({"action": "supplement"})));
            }
            journey.extend([
                (
                    SPECIALIST,
                    json!({"action": "forward", "to_step": "approve"}),
                ),
                (LEADER, json!({"action": "approve"})),
                (CLERK, json!({"action": "result_ready"})),
                (OFFICER, json!({"action": "deliver"})),
            ]);
            let path = format!("/api/v1/dossiers/{code}/actions");
            for (i, (user, body)) in journey.iter().enumerate() {
                if Instant::now() > self.load_until {
                    return;
                }
                let action_key = format!("{key}-a{i}");
                let Some(a) = self.send(user, &path, &action_key, body) else {
                    return;
                };
                if a.status != 200 {
                    self.unexpected(format!(
                        "{code} {}: {} {}",
                        body["action"],
                        a.status,
                        String::from_utf8_lossy(&a.body)
                    ));
                    break;
                }
                let v = a.json();
                self.stats.moved.fetch_add(1, Ordering::Relaxed);
                self.record(json!({"t_ms": now_ms(), "op": "act", "key": action_key,
                    "code": code, "action": body["action"], "events": v["events"],
                    "status": v["status"]}));
            }
        }
    }
}

/// xorshift64*: enough to vary the journeys.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn load(
    common: &Common,
    workers: usize,
    seconds: u64,
    grace: u64,
    max_dossiers: u64,
    run: &str,
) -> anyhow::Result<()> {
    if !common.addr.ip().is_loopback() {
        bail!("loopback only: {}", common.addr);
    }
    let tokens = read_tokens(&common.tokens)?;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&common.log)
        .with_context(|| format!("{}", common.log.display()))?;
    let start = Instant::now();
    let state = Load {
        addr: common.addr,
        tokens: &tokens,
        log: Mutex::new(log),
        stats: Stats::default(),
        load_until: start + Duration::from_secs(seconds),
        give_up_at: start + Duration::from_secs(seconds + grace),
    };
    std::thread::scope(|s| {
        for w in 0..workers {
            let state = &state;
            s.spawn(move || state.worker(run, w, max_dossiers));
        }
    });
    let st = &state.stats;
    let unexpected = st.unexpected.lock().unwrap_or_else(|p| p.into_inner());
    println!(
        "load: {} dossiers and {} moves acknowledged in {:.1}s by {workers} workers; {} failed connections and {} answers 503 retried",
        st.created.load(Ordering::Relaxed),
        st.moved.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64(),
        st.transport_errors.load(Ordering::Relaxed),
        st.unavailable.load(Ordering::Relaxed),
    );
    if !unexpected.is_empty() {
        for u in unexpected.iter().take(20) {
            eprintln!("unexpected answer: {u}");
        }
        bail!("{} unexpected answers", unexpected.len());
    }
    Ok(())
}

/// An acknowledged write, read back from the log.
struct Ack {
    t_ms: u64,
    op: String,
    key: String,
    code: String,
    name: String,
    events: u64,
    status: u64,
}

fn read_log(path: &PathBuf) -> anyhow::Result<Vec<Ack>> {
    let f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", path.display(), i + 1))?;
        let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
        out.push(Ack {
            t_ms: v["t_ms"].as_u64().unwrap_or(0),
            op: text("op"),
            key: text("key"),
            code: text("code"),
            name: text("name"),
            events: v["events"].as_u64().unwrap_or(0),
            status: v["status"].as_u64().unwrap_or(0),
        });
    }
    Ok(out)
}

/// `<agency e-ID>-<yyMMdd>-<sequence>` → ((agency, day), sequence).
fn split_code(code: &str) -> Option<((String, String), u64)> {
    let mut parts = code.rsplitn(3, '-');
    let seq = parts.next()?.parse().ok()?;
    let day = parts.next()?.to_string();
    let agency = parts.next()?.to_string();
    Some(((agency, day), seq))
}

fn get(addr: SocketAddr, token: &str, path: &str) -> anyhow::Result<Answer> {
    let mut last = None;
    for _ in 0..50 {
        match http(addr, "GET", path, Some(token), None, None) {
            Ok(a) => return Ok(a),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("GET {path}: {:?}", last)
}

fn verify(common: &Common, kills: &[u64]) -> anyhow::Result<()> {
    if !common.addr.ip().is_loopback() {
        bail!("loopback only: {}", common.addr);
    }
    let tokens = read_tokens(&common.tokens)?;
    let officer = tokens.get(OFFICER).map(String::as_str).unwrap_or("");
    let acks = read_log(&common.log)?;
    let mut problems: Vec<String> = Vec::new();

    // Acknowledgements per server life.
    let mut lives = vec![0u64; kills.len() + 1];
    for a in &acks {
        lives[kills.iter().filter(|k| a.t_ms >= **k).count()] += 1;
    }
    // A kill that landed before the load started or after it ended tested nothing.
    if let Some(life) = lives.iter().position(|n| *n == 0) {
        problems.push(format!(
            "server life {life} acknowledged nothing: the kills did not land mid-load ({lives:?})"
        ));
    }

    // One key, one code; one code, one key.
    let mut code_of_key: BTreeMap<&str, &str> = BTreeMap::new();
    let mut key_of_code: BTreeMap<&str, &str> = BTreeMap::new();
    let mut name_of_code: BTreeMap<&str, &str> = BTreeMap::new();
    for a in acks.iter().filter(|a| a.op == "create") {
        if let Some(c) = code_of_key.insert(&a.key, &a.code) {
            if c != a.code {
                problems.push(format!("key {} acknowledged as {c} and {}", a.key, a.code));
            }
        }
        if let Some(k) = key_of_code.insert(&a.code, &a.key) {
            if k != a.key {
                problems.push(format!(
                    "code {} acknowledged for two dossiers: {k} and {}",
                    a.code, a.key
                ));
            }
        }
        name_of_code.insert(&a.code, &a.name);
    }
    // The most advanced acknowledgement of each dossier, and every acknowledged move.
    let mut acked: BTreeMap<&str, Vec<&Ack>> = BTreeMap::new();
    for a in &acks {
        acked.entry(&a.code).or_default().push(a);
    }

    let mut checked = 0u64;
    for (code, list) in &acked {
        let detail = get(common.addr, officer, &format!("/api/v1/dossiers/{code}"))?;
        if detail.status != 200 {
            problems.push(format!(
                "{code}: acknowledged, now {} {}",
                detail.status,
                String::from_utf8_lossy(&detail.body)
            ));
            continue;
        }
        let d = detail.json();
        if let Some(name) = name_of_code.get(code) {
            if d["applicant"]["name"].as_str() != Some(name) {
                problems.push(format!(
                    "{code}: acknowledged for {name}, now holds {} (code reused)",
                    d["applicant"]["name"]
                ));
            }
        }
        let events = d["events"].as_u64().unwrap_or(0);
        let timeline = get(
            common.addr,
            officer,
            &format!("/api/v1/dossiers/{code}/timeline"),
        )?;
        let entries = timeline.json()["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if entries.len() as u64 != events {
            problems.push(format!(
                "{code}: {events} events but a timeline of {}",
                entries.len()
            ));
        }
        for a in list {
            if events < a.events {
                problems.push(format!(
                    "{code}: {} acknowledged with {} events, now {events}",
                    a.key, a.events
                ));
                continue;
            }
            let at = entries.get((a.events as usize).saturating_sub(1));
            let status = at.and_then(|e| e["to_status"].as_u64());
            if status != Some(a.status) {
                problems.push(format!(
                    "{code}: event {} acknowledged with status {}, the timeline says {status:?}",
                    a.events, a.status
                ));
            }
        }
        checked += 1;
    }

    // Every dossier of the agency: codes unique and gapless per day, one dossier per key.
    let mut all: Vec<(String, String)> = Vec::new();
    let mut before: Option<i64> = None;
    for _ in 0..10_000 {
        let path = match before {
            Some(b) => format!("/api/v1/dossiers?limit=200&before={b}"),
            None => "/api/v1/dossiers?limit=200".to_string(),
        };
        let page = get(common.addr, officer, &path)?;
        if page.status != 200 {
            bail!("{path}: {}", page.status);
        }
        let v = page.json();
        for item in v["items"].as_array().into_iter().flatten() {
            all.push((
                item["code"].as_str().unwrap_or("").to_string(),
                item["applicant_name"].as_str().unwrap_or("").to_string(),
            ));
        }
        match v["next_before"].as_i64() {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    let mut codes = BTreeSet::new();
    let mut names: HashMap<&str, u32> = HashMap::new();
    let mut sequences: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for (code, name) in &all {
        if !codes.insert(code.as_str()) {
            problems.push(format!("code {code} appears twice"));
        }
        *names.entry(name.as_str()).or_default() += 1;
        match split_code(code) {
            Some((day, seq)) => sequences.entry(day).or_default().push(seq),
            None => problems.push(format!("unreadable code {code}")),
        }
    }
    for (name, n) in &names {
        if *n > 1 && name.starts_with("Crash ") {
            problems.push(format!("{n} dossiers for one idempotency key: {name}"));
        }
    }
    for ((agency, day), seqs) in &mut sequences {
        seqs.sort_unstable();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        if *seqs != expected {
            let missing: Vec<u64> = expected
                .iter()
                .filter(|s| !seqs.contains(s))
                .copied()
                .collect();
            problems.push(format!(
                "{agency} {day}: sequence not gapless ({} codes, max {:?}, missing {:?})",
                seqs.len(),
                seqs.last(),
                &missing[..missing.len().min(10)]
            ));
        }
    }
    for code in key_of_code.keys() {
        if !codes.contains(code) {
            problems.push(format!("{code}: acknowledged, missing from the queue"));
        }
    }

    println!(
        "verify: {} acknowledgements ({} creates) over {} server lives {lives:?}; {checked} dossiers checked; {} dossiers in the database, {} days",
        acks.len(),
        code_of_key.len(),
        kills.len() + 1,
        all.len(),
        sequences.len(),
    );
    if problems.is_empty() {
        println!("verify: every acknowledged write survived; codes unique and gapless");
        Ok(())
    } else {
        for p in problems.iter().take(30) {
            eprintln!("FAIL {p}");
        }
        bail!("{} problems", problems.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed_with_length_or_chunks() {
        let a = parse_response(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}").unwrap();
        assert_eq!((a.status, a.body.as_slice()), (201, &b"{}"[..]));
        let a = parse_response(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(a.body, b"abcde");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{}").is_none());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_none());
    }

    #[test]
    fn codes_split_into_agency_day_and_sequence() {
        assert_eq!(
            split_code("000.01.90.H61-260302-0012"),
            Some((("000.01.90.H61".into(), "260302".into()), 12))
        );
        assert_eq!(
            split_code("000.01.90.H61-260302-10000"),
            Some((("000.01.90.H61".into(), "260302".into()), 10000))
        );
        assert_eq!(split_code("garbage"), None);
    }
}
