//! `tinhso-bench suite`: the release `tinhso` binary on a fresh database, driven over loopback
//! HTTP, every scenario beside a baseline measured in the same run.
//!
//! Scenarios (per engine):
//! - a) `GET /healthz` at C connections: the ceiling of the HTTP stack on this machine.
//! - b) catalog search over HTTP (`/api/v1/procedures?q=…`), against a).
//! - c) catalog search in process (the in-memory index), against c0) a SQL `LIKE` scan.
//! - d) dossier intake (`POST /api/v1/dossiers`), against a) and d0) a plain SQL insert loop
//!   (one row per commit) on the same engine.
//! - e) an officer's work on the dossiers d) created (accept, then view), against a) and d0).
//!
//! - f) the operations dashboard's KPI endpoints over HTTP on a seeded history
//!   (`tinhso seed`), against a) and f0) the plain full-scan GROUP BY per agency over the
//!   per-dossier rows (`KpiStore::kpi_baseline_scan`), in process, one at a time.
//!
//! d) and e) run only when the server has the dossier API; otherwise they are reported as
//! skipped, so the suite works on every build.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::Bytes;
use clap::{Args, ValueEnum};
use tinhso_app::{App, AppSettings, SystemClock};

use crate::catalog::{self, QUERIES, SHARED_RECORDS};
use crate::engine::{Engine, Target, DEFAULT_POSTGRES_URL};
use crate::load::{self, encode_query_value, Cycle, HttpRequest, LoadSpec, Script};
use crate::report::{fill_ratios, Machine, Report, Row};
use crate::server::{self, Server};
use crate::stats::fmt_us;

/// The intake request of scenario d): a birth registration (1.001193) received at the counter.
pub const INTAKE_BODY: &str = r#"{"procedure_code":"1.001193","channel":"counter","applicant":{"name":"Nguyễn Văn A","kind":1,"id_number":"079123456789","phone":"0900000000","email":"","address":"Vĩnh Long"},"form":{}}"#;

/// What an officer does with each dossier in scenario e), in order: (method, path after
/// `/api/v1/dossiers/{code}`, JSON body).
/// A one-stop officer accepts (the due date is computed), looks at the dossier, a specialist
/// asks for a missing paper (the clock pauses), the officer records it brought (the clock
/// resumes, the due date moves): three durable writes and one read per dossier.
pub const OFFICER_STEPS: &[(&str, &str, &str)] = &[
    ("POST", "/actions", r#"{"action":"accept"}"#),
    ("GET", "", ""),
    (
        "POST",
        "/actions",
        r#"{"action":"request_supplement","reason":"Thiếu giấy chứng sinh (đo tải)"}"#,
    ),
    ("POST", "/actions", r#"{"action":"supplement"}"#),
];

/// The shell command that creates an officer and prints an API token on its last line. It runs
/// with `$TINHSO` (the binary), `TINHSO_DATABASE` and `TINHSO_DATA_DIR` set to the run's
/// database. Override with the environment variable `TINHSO_BENCH_ISSUE_TOKEN`.
pub const DEFAULT_ISSUE_TOKEN: &str = r#""$TINHSO" user add --id bench-officer --name "Cán bộ đo tải" --agency 000.01.90.H61 --role one_stop_officer --role specialist >&2 && "$TINHSO" token issue bench-officer --label bench"#;

/// The message of a build without the dossier API.
pub const NO_DOSSIER_API: &str = "skipped: dossier API not present in this build";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    Sqlite,
    Postgres,
    /// SQLite, then PostgreSQL when reachable.
    Both,
}

#[derive(Debug, Clone, Args)]
pub struct SuiteArgs {
    /// Which database engines to run on.
    #[arg(long, value_enum, default_value = "both")]
    pub engine: EngineChoice,
    /// A few seconds per scenario: checks that the suite works (CI), figures not to be quoted.
    #[arg(long)]
    pub short: bool,
    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the results as a markdown page (machine description and table) to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Concurrent connections of the HTTP scenarios (closed loop: one request in flight each).
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Seconds per scenario (default 10, or 2 with --short).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// At most this many requests (or rows, or queries) per scenario.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_requests: u64,
    /// The tinhso binary to run (default: `tinhso` beside this program, i.e. the release build).
    #[arg(long, value_name = "PATH")]
    pub tinhso: Option<PathBuf>,
    /// The shared folder; its national-portal records are imported when present.
    #[arg(long, value_name = "DIR", default_value = "../shared")]
    pub shared: PathBuf,
    /// Load the demo province only (about 50 procedures), not the national-portal records.
    #[arg(long)]
    pub demo_only: bool,
    /// PostgreSQL server (loopback only) on which a fresh database is created and dropped.
    #[arg(
        long,
        env = "TINHSO_TEST_POSTGRES_URL",
        hide_env_values = true,
        default_value = DEFAULT_POSTGRES_URL
    )]
    pub postgres_url: String,
    /// Dossiers of history seeded for the KPI scenario f) (default 20,000, or 1,000 with
    /// --short).
    #[arg(long, value_name = "N")]
    pub kpi_dossiers: Option<u64>,
    /// Folder for the fresh data folders, server logs and scratch files (default: the system
    /// temporary folder). Put it on the disk you mean to measure: not on tmpfs.
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

/// Durations and bounds of one run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    connections: usize,
    http: Duration,
    warmup: Duration,
    in_process: Duration,
    insert: Duration,
    max_requests: u64,
}

impl Plan {
    fn new(args: &SuiteArgs) -> anyhow::Result<Plan> {
        let secs = args.duration.unwrap_or(if args.short { 2.0 } else { 10.0 });
        if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
            bail!("--duration must be between 0 and 3600 seconds");
        }
        if args.connections == 0 || args.connections > 4096 {
            bail!("--connections must be between 1 and 4096");
        }
        let d = Duration::from_secs_f64(secs);
        Ok(Plan {
            connections: args.connections,
            http: d,
            warmup: if args.short {
                Duration::from_millis(300)
            } else {
                Duration::from_secs(2)
            },
            in_process: d,
            insert: d,
            max_requests: args.max_requests.max(1),
        })
    }
}

pub fn tinhso_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let bin = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe()?
            .parent()
            .context("the folder of this program")?
            .join("tinhso"),
    };
    if !bin.is_file() {
        bail!(
            "no tinhso binary at {}: build it first (`cargo build --release -p tinhso`, which \
             scripts/bench does) or pass --tinhso PATH",
            bin.display()
        );
    }
    Ok(std::fs::canonicalize(&bin)?)
}

fn say(engine: &str, what: &str) {
    println!("[{engine}] {what}");
}

/// Runs the suite and prints (and writes) the report.
pub async fn suite(args: SuiteArgs) -> anyhow::Result<()> {
    let bin = tinhso_binary(args.tinhso.as_deref())?;
    let plan = Plan::new(&args)?;
    let root = args
        .work_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("tinhso-bench"));
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    // Absolute: the server runs from its own scratch folder.
    let root = std::fs::canonicalize(&root)?;
    let engines = match args.engine {
        EngineChoice::Sqlite => vec![Engine::Sqlite],
        EngineChoice::Postgres => vec![Engine::Postgres],
        EngineChoice::Both => vec![Engine::Sqlite, Engine::Postgres],
    };
    let mut rows = Vec::new();
    for engine in engines {
        say(engine.name(), "fresh database");
        let target = match engine {
            Engine::Sqlite => Target::fresh_sqlite(&root),
            Engine::Postgres => Target::fresh_postgres(&root, &args.postgres_url).await,
        };
        let target = match target {
            Ok(t) => t,
            Err(e) if engine == Engine::Postgres && args.engine == EngineChoice::Both => {
                let why = format!("skipped: PostgreSQL not available ({e:#})");
                say(engine.name(), &why);
                rows.push(Row::new("*", "every scenario", engine.name(), "-", "-").skipped(why));
                continue;
            }
            Err(e) => return Err(e),
        };
        let result = run_engine(&bin, &target, &plan, &args).await;
        if result.is_err() {
            let log = target.work_dir.join("serve.log");
            if let Ok(text) = std::fs::read_to_string(&log) {
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                eprintln!("--- last lines of the server log ---");
                for l in tail.iter().rev() {
                    eprintln!("{l}");
                }
            }
        }
        if let Err(e) = target.remove().await {
            eprintln!(
                "warning: could not clean up after the {} run: {e:#}",
                engine.name()
            );
        }
        rows.extend(result?);
    }
    fill_ratios(&mut rows);
    let command = std::iter::once("tinhso-bench".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let report = Report {
        command,
        short: args.short,
        machine: Machine::describe(&bin, &root),
        rows,
    };
    println!();
    print!("{}", report.render_table());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, report.render_markdown())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // A 5xx answer or a scenario where nothing succeeded fails the run (what CI relies on);
    // figures are never judged.
    let failures: Vec<String> = report.rows.iter().filter_map(Row::failure).collect();
    if !failures.is_empty() {
        bail!("the server failed:\n{}", failures.join("\n"));
    }
    Ok(())
}

/// The order rows are shown in: each scenario followed by its own baseline.
const ORDER: &[&str] = &["a", "b", "c", "c0", "d", "d0", "e", "f", "f0"];

async fn run_engine(
    bin: &Path,
    target: &Target,
    plan: &Plan,
    args: &SuiteArgs,
) -> anyhow::Result<Vec<Row>> {
    let engine = target.engine.name();
    let mut rows: Vec<Row> = Vec::new();

    // The national-portal records first, then the demo: the demo's curated versions (with
    // parsed time limits, which intake and accept need) become the latest ones.
    let shared = args.shared.join(SHARED_RECORDS);
    if !args.demo_only && shared.is_file() {
        let shared = std::fs::canonicalize(&shared)?;
        say(engine, &format!("importing {}", shared.display()));
        let file = shared.to_string_lossy();
        server::run_to_end(bin, target, &["import", "procedures", &file, "--skip-bad"])?;
    }
    say(engine, "loading the demo province (tinhso demo --no-serve)");
    server::run_to_end(bin, target, &["demo", "--no-serve"])?;
    // f) needs a history.
    let kpi_dossiers = args
        .kpi_dossiers
        .unwrap_or(if args.short { 1_000 } else { 20_000 });
    say(
        engine,
        &format!("seeding {kpi_dossiers} dossiers of history (tinhso seed)"),
    );
    let seeded = std::time::Instant::now();
    server::run_to_end(
        bin,
        target,
        &["seed", "--dossiers", &kpi_dossiers.to_string()],
    )?;
    say(
        engine,
        &format!(
            "seeded in {:.1} s ({:.0} dossiers/s)",
            seeded.elapsed().as_secs_f64(),
            kpi_dossiers as f64 / seeded.elapsed().as_secs_f64().max(1e-9)
        ),
    );

    // c) In process, before the server starts, on the same database.
    {
        let store = tinhso_app::open_store(&target.database_url)
            .await
            .context("open the store in process")?;
        let app = App::new(store, Arc::new(SystemClock), AppSettings::default()).await?;
        let procedures = app.catalog.snapshot().records.len();
        say(
            engine,
            &format!("c) in-process search over {procedures} procedures"),
        );
        let rounds = usize::try_from(plan.max_requests / QUERIES.len() as u64)
            .unwrap_or(usize::MAX)
            .max(1);
        let (index, like) = catalog::compare(&app, rounds, rounds, plan.in_process).await?;
        let mut c = Row::new(
            "c",
            "catalog search, in-process index",
            engine,
            "in-process",
            "queries/s",
        )
        .against(&["c0"]);
        c.count = index.count;
        c.elapsed_s = index.elapsed.as_secs_f64();
        c.throughput = index.throughput();
        c.latency = index.latency;
        let mut c0 = Row::new(
            "c0",
            "catalog search, SQL LIKE scan",
            engine,
            "sql",
            "queries/s",
        );
        c0.count = like.count;
        c0.elapsed_s = like.elapsed.as_secs_f64();
        c0.throughput = like.throughput();
        c0.latency = like.latency;
        rows.push(c);
        rows.push(c0);

        // f0) The KPI baseline: a plain full-scan GROUP BY over the per-dossier rows.
        let year = tinhso_domain::kpi::Period::Year(app.today().year());
        say(engine, "f0) KPI full-scan GROUP BY per agency, in process");
        let scan = crate::kpi::measure(plan.in_process, 3, || {
            let app = &app;
            async move {
                std::hint::black_box(app.store.kpi_baseline_scan(&year).await?);
                Ok(())
            }
        })
        .await?;
        let mut f0 = Row::new(
            "f0",
            "KPI full-scan GROUP BY per agency (this year), in process",
            engine,
            "sql",
            "queries/s",
        );
        f0.count = scan.count;
        f0.elapsed_s = scan.count as f64 * scan.mean_us / 1e6;
        f0.throughput = if f0.elapsed_s > 0.0 {
            scan.count as f64 / f0.elapsed_s
        } else {
            0.0
        };
        f0.latency = scan;
        rows.push(f0);
    }

    let mut server = Server::start(bin, target)?;
    server.wait_ready(Duration::from_secs(120)).await?;
    say(
        engine,
        &format!("server ready on {} (pid {})", server.addr, server.pid()),
    );

    // a) The ceiling.
    let health = Arc::new(vec![HttpRequest::get("/healthz")]);
    let a = Row::new("a", "GET /healthz (ceiling)", engine, "http", "req/s");
    rows.push(
        http_scenario(&server, plan, a, true, |i| {
            Box::new(Cycle::new(health.clone(), i)) as Box<dyn Script>
        })
        .await?,
    );

    // b) Catalog search over HTTP.
    let searches: Arc<Vec<HttpRequest>> = Arc::new(
        QUERIES
            .iter()
            .map(|q| HttpRequest::get(format!("/api/v1/procedures?q={}", encode_query_value(q))))
            .collect(),
    );
    let b = Row::new("b", "catalog search, HTTP", engine, "http", "req/s").against(&["a"]);
    rows.push(
        http_scenario(&server, plan, b, true, |i| {
            Box::new(Cycle::new(searches.clone(), i)) as Box<dyn Script>
        })
        .await?,
    );

    // f) The dashboard's KPI endpoints as a province admin.
    let f = Row::new(
        "f",
        &format!(
            "KPI dashboard JSON (report, trend, ranking, heat), HTTP, {kpi_dossiers} dossiers"
        ),
        engine,
        "http",
        "req/s",
    )
    .against(&["a", "f0"]);
    match issue_token_with(bin, target, KPI_ISSUE_TOKEN) {
        Err(e) => {
            let why = format!("skipped: no province admin token could be issued ({e:#})");
            say(engine, &format!("f) {why}"));
            rows.push(f.skipped(why));
        }
        Ok(token) => {
            let requests = Arc::new(kpi_requests(token.into()));
            rows.push(
                http_scenario(&server, plan, f, true, |i| {
                    Box::new(Cycle::new(requests.clone(), i)) as Box<dyn Script>
                })
                .await?,
            );
        }
    }

    // d) and e) Dossiers, when this build has them.
    let d =
        Row::new("d", "dossier intake, HTTP POST", engine, "http", "req/s").against(&["a", "d0"]);
    let e = Row::new(
        "e",
        "officer actions, HTTP (accept, view, supplement)",
        engine,
        "http",
        "req/s",
    )
    .against(&["a", "d0"]);
    match dossier_api(bin, target, &server).await? {
        DossierApi::Absent(why) => {
            say(engine, &format!("d), e) {why}"));
            rows.push(d.skipped(why.clone()));
            rows.push(e.skipped(why));
        }
        DossierApi::Ready(token) => {
            let codes = Arc::new(Mutex::new(Vec::new()));
            let intake = HttpRequest::post_json(
                "/api/v1/dossiers",
                Bytes::from_static(INTAKE_BODY.as_bytes()),
                Some(token.clone()),
            );
            rows.push(
                http_scenario(&server, plan, d, true, |_| {
                    Box::new(Intake {
                        request: intake.clone(),
                        codes: codes.clone(),
                    }) as Box<dyn Script>
                })
                .await?,
            );
            let available = codes.lock().unwrap_or_else(|p| p.into_inner()).len();
            if available == 0 {
                rows.push(e.skipped("skipped: intake created no dossier to act on"));
            } else {
                say(engine, &format!("e) {available} dossiers to work on"));
                // No warm-up: each dossier can be accepted once.
                rows.push(
                    http_scenario(&server, plan, e, false, |_| {
                        Box::new(Officer {
                            codes: codes.clone(),
                            token: token.clone(),
                            pending: VecDeque::new(),
                        }) as Box<dyn Script>
                    })
                    .await?,
                );
            }
        }
    }
    server.stop()?;

    // d0) The plain SQL insert loop, on the same engine, server stopped.
    say(engine, "d0) plain SQL insert loop (one row per commit)");
    let ins = target
        .insert_loop(plan.insert, plan.max_requests, INTAKE_BODY)
        .await
        .context("the SQL insert loop")?;
    let mut d0 = Row::new(
        "d0",
        "SQL insert loop, 1 row per commit",
        engine,
        "sql",
        "commits/s",
    );
    d0.count = ins.rows;
    d0.elapsed_s = ins.elapsed.as_secs_f64();
    d0.throughput = ins.throughput();
    d0.latency = ins.latency;
    rows.push(d0);

    rows.sort_by_key(|r| {
        ORDER
            .iter()
            .position(|id| *id == r.id)
            .unwrap_or(ORDER.len())
    });
    Ok(rows)
}

/// `tinhso-bench kpi --http`: starts `tinhso serve` on an existing database holding a history
/// and runs a) (the ceiling) and f) (the KPI endpoints) against it, each row with the server's
/// peak RSS during that scenario.
pub async fn kpi_over_http(
    bin: &Path,
    target: &Target,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Vec<Row>> {
    let engine = target.engine.name();
    let plan = Plan {
        connections,
        http: duration,
        warmup: Duration::from_secs(1),
        in_process: duration,
        insert: duration,
        max_requests: 2_000_000,
    };
    let token: Arc<str> = issue_token_with(bin, target, KPI_ISSUE_TOKEN)?.into();
    let mut server = Server::start(bin, target)?;
    server.wait_ready(Duration::from_secs(300)).await?;
    say(
        engine,
        &format!("server ready on {} (pid {})", server.addr, server.pid()),
    );
    let mut rows = Vec::new();
    let health = Arc::new(vec![HttpRequest::get("/healthz")]);
    let a = Row::new("a", "GET /healthz (ceiling)", engine, "http", "req/s");
    rows.push(
        http_scenario(&server, &plan, a, true, |i| {
            Box::new(Cycle::new(health.clone(), i)) as Box<dyn Script>
        })
        .await?,
    );
    let requests = Arc::new(kpi_requests(token));
    let f = Row::new(
        "f",
        "KPI dashboard JSON (report, trend, ranking, heat), HTTP",
        engine,
        "http",
        "req/s",
    )
    .against(&["a"]);
    rows.push(
        http_scenario(&server, &plan, f, true, |i| {
            Box::new(Cycle::new(requests.clone(), i)) as Box<dyn Script>
        })
        .await?,
    );
    server.stop()?;
    fill_ratios(&mut rows);
    Ok(rows)
}

/// Warms up (when asked), resets the server's peak-RSS mark, runs the load and fills the row.
async fn http_scenario(
    server: &Server,
    plan: &Plan,
    mut row: Row,
    warm_up: bool,
    make_script: impl Fn(usize) -> Box<dyn Script>,
) -> anyhow::Result<Row> {
    let spec = LoadSpec {
        addr: server.addr,
        connections: plan.connections,
        duration: plan.warmup,
        max_requests: plan.max_requests,
    };
    if warm_up && !plan.warmup.is_zero() {
        load::run(spec, &make_script).await?;
    }
    let reset = server.reset_peak_rss();
    let r = load::run(
        LoadSpec {
            duration: plan.http,
            ..spec
        },
        &make_script,
    )
    .await?;
    row.concurrency = plan.connections;
    row.count = r.completed;
    row.elapsed_s = r.elapsed.as_secs_f64();
    row.throughput = r.throughput();
    row.latency = r.latency;
    row.server_peak_rss_kib = server.peak_rss_kib();
    row.statuses = r
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    row.io_errors = r.io_errors;
    row.first_errors = r
        .first_errors
        .iter()
        .map(|(s, e)| (s.to_string(), e.clone()))
        .collect();
    say(
        &row.engine,
        &format!(
            "{}) {}: {:.0} req/s, p50 {}, p99 {}, {} ok of {}{}",
            row.id,
            row.scenario,
            row.throughput,
            fmt_us(row.latency.p50_us),
            fmt_us(row.latency.p99_us),
            r.ok(),
            r.completed,
            if reset {
                ""
            } else {
                " (peak RSS since start: the kernel refused a reset)"
            }
        ),
    );
    for (status, sample) in &r.first_errors {
        say(&row.engine, &format!("   first {status}: {sample}"));
    }
    Ok(row)
}

enum DossierApi {
    Ready(Arc<str>),
    Absent(String),
}

/// Is there a dossier API, and can we act on it as an officer?
async fn dossier_api(bin: &Path, target: &Target, server: &Server) -> anyhow::Result<DossierApi> {
    let body = Bytes::from_static(INTAKE_BODY.as_bytes());
    let anonymous = HttpRequest::post_json("/api/v1/dossiers", body.clone(), None);
    let (status, _) = load::once(server.addr, &anonymous).await?;
    if status == 404 || status == 405 {
        return Ok(DossierApi::Absent(NO_DOSSIER_API.into()));
    }
    let token: Arc<str> = match issue_token(bin, target) {
        Ok(t) => t.into(),
        Err(e) => {
            return Ok(DossierApi::Absent(format!(
                "skipped: the dossier API answered {status} but no officer token could be issued ({e:#})"
            )))
        }
    };
    let probe = HttpRequest::post_json("/api/v1/dossiers", body, Some(token.clone()));
    let (status, answer) = load::once(server.addr, &probe).await?;
    if status != 201 {
        let text = String::from_utf8_lossy(&answer);
        let snippet: String = text.chars().take(200).collect();
        return Ok(DossierApi::Absent(format!(
            "skipped: POST /api/v1/dossiers as an officer answered {status}, not 201: {snippet}"
        )));
    }
    Ok(DossierApi::Ready(token))
}

/// Creates an officer and issues a token with `TINHSO_BENCH_ISSUE_TOKEN` (or
/// [`DEFAULT_ISSUE_TOKEN`]); the token is the last word the command prints.
fn issue_token(bin: &Path, target: &Target) -> anyhow::Result<String> {
    let script =
        std::env::var("TINHSO_BENCH_ISSUE_TOKEN").unwrap_or_else(|_| DEFAULT_ISSUE_TOKEN.into());
    issue_token_with(bin, target, &script)
}

/// The shell command that creates a province admin (who reads every KPI) and prints a token.
pub const KPI_ISSUE_TOKEN: &str = r#""$TINHSO" user add --id bench-kpi --name "Lãnh đạo đo tải" --agency 000.01.90.H61 --role province_admin >&2 && "$TINHSO" token issue bench-kpi --label bench-kpi"#;

/// The requests of scenario f), cycled: what the dashboard pages ask for, this year and the
/// last 12 months, province-wide.
pub fn kpi_requests(token: Arc<str>) -> Vec<HttpRequest> {
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7)))
        .date();
    let year = today.year();
    let month = format!("{year}-{:02}", today.month());
    let from = today
        .first_of_month()
        .checked_sub(jiff::ToSpan::months(11))
        .unwrap_or(today);
    let last_12 = format!("{from}..{today}");
    [
        format!("/api/v1/kpi/report?period={month}"),
        format!("/api/v1/kpi/report?period={year}"),
        format!("/api/v1/kpi/trend?period={year}"),
        format!("/api/v1/kpi/ranking?by=agency&period={year}"),
        format!("/api/v1/kpi/ranking?by=commune&period={year}"),
        format!(
            "/api/v1/kpi/heat?by=agency&period={}",
            encode_query_value(&last_12)
        ),
    ]
    .into_iter()
    .map(|path| {
        let mut r = HttpRequest::get(path);
        r.bearer = Some(token.clone());
        r
    })
    .collect()
}

/// Runs a shell command that creates a user and prints a token as its last word.
pub fn issue_token_with(bin: &Path, target: &Target, script: &str) -> anyhow::Result<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&target.work_dir)
        .env("TINHSO", bin)
        .env("TINHSO_DATABASE", &target.database_url)
        .env("TINHSO_DATA_DIR", &target.data_dir)
        .env("TINHSO_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .context("cannot run sh")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first: String = err.lines().last().unwrap_or("").chars().take(200).collect();
        bail!("the token command failed ({}): {first}", out.status);
    }
    last_word(&String::from_utf8_lossy(&out.stdout))
        .map(str::to_string)
        .context("the token command printed nothing")
}

/// The token in a command's output: the word starting `tso_`, else the last word.
fn last_word(text: &str) -> Option<&str> {
    text.split_whitespace()
        .rev()
        .find(|w| w.starts_with("tso_"))
        .or_else(|| text.split_whitespace().next_back())
}

/// The dossier code in an intake answer: `{"code": …}` or `{"dossier": {"code": …}}`.
fn dossier_code(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("code")
        .or_else(|| v.pointer("/dossier/code"))
        .and_then(|c| c.as_str())
        .map(str::to_string)
}

/// Scenario d): the same intake, again and again; remembers the codes of created dossiers.
struct Intake {
    request: HttpRequest,
    codes: Arc<Mutex<Vec<String>>>,
}

impl Script for Intake {
    fn next_request(&mut self) -> Option<HttpRequest> {
        Some(self.request.clone())
    }

    fn on_response(&mut self, status: u16, body: &[u8]) {
        if status == 201 {
            if let Some(code) = dossier_code(body) {
                self.codes
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(code);
            }
        }
    }
}

/// Scenario e): takes the next dossier nobody has touched and runs [`OFFICER_STEPS`] on it.
struct Officer {
    codes: Arc<Mutex<Vec<String>>>,
    token: Arc<str>,
    pending: VecDeque<HttpRequest>,
}

impl Script for Officer {
    fn next_request(&mut self) -> Option<HttpRequest> {
        if self.pending.is_empty() {
            let code = self.codes.lock().unwrap_or_else(|p| p.into_inner()).pop()?;
            for (method, suffix, body) in OFFICER_STEPS {
                let path = format!("/api/v1/dossiers/{code}{suffix}");
                let mut r = if *method == "POST" {
                    HttpRequest::post_json(path, Bytes::from_static(body.as_bytes()), None)
                } else {
                    HttpRequest::get(path)
                };
                r.bearer = Some(self.token.clone());
                self.pending.push_back(r);
            }
        }
        self.pending.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intake_body_is_the_json_the_api_expects() {
        let v: serde_json::Value = serde_json::from_str(INTAKE_BODY).unwrap();
        assert_eq!(v["procedure_code"], "1.001193");
        assert_eq!(v["channel"], "counter");
        assert_eq!(v["applicant"]["name"], "Nguyễn Văn A");
        assert_eq!(v["applicant"]["kind"], 1);
    }

    #[test]
    fn dossier_codes_are_found_at_the_top_or_under_dossier() {
        assert_eq!(
            dossier_code(br#"{"code":"000.01.90.H61-260105-0001"}"#).as_deref(),
            Some("000.01.90.H61-260105-0001")
        );
        assert_eq!(
            dossier_code(br#"{"dossier":{"code":"X-1"}}"#).as_deref(),
            Some("X-1")
        );
        assert_eq!(dossier_code(b"not json"), None);
    }

    #[test]
    fn the_token_is_the_last_word_printed() {
        assert_eq!(
            last_word("Mã truy cập / token:\n  abc123\n"),
            Some("abc123")
        );
        assert_eq!(last_word("tso_abc\n(shown once)\n"), Some("tso_abc"));
        assert_eq!(last_word("  \n"), None);
    }

    #[test]
    fn an_officer_works_each_dossier_through_every_step_once() {
        let codes = Arc::new(Mutex::new(vec!["B".to_string(), "A".to_string()]));
        let mut o = Officer {
            codes,
            token: "t".into(),
            pending: VecDeque::new(),
        };
        let mut seen = Vec::new();
        while let Some(r) = o.next_request() {
            assert_eq!(r.bearer.as_deref(), Some("t"));
            seen.push(format!("{} {}", r.method, r.path));
            assert!(
                seen.len() <= 8,
                "the officer must stop when no dossier is left"
            );
        }
        assert_eq!(
            seen,
            [
                "POST /api/v1/dossiers/A/actions",
                "GET /api/v1/dossiers/A",
                "POST /api/v1/dossiers/A/actions",
                "POST /api/v1/dossiers/A/actions",
                "POST /api/v1/dossiers/B/actions",
                "GET /api/v1/dossiers/B",
                "POST /api/v1/dossiers/B/actions",
                "POST /api/v1/dossiers/B/actions",
            ]
        );
    }

    #[test]
    fn short_runs_last_a_few_seconds_and_bad_bounds_are_refused() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            s: SuiteArgs,
        }
        let args = T::parse_from(["t", "--short"]).s;
        let plan = Plan::new(&args).unwrap();
        assert_eq!(plan.http, Duration::from_secs(2));
        assert_eq!(plan.connections, 64);
        assert_eq!(args.engine, EngineChoice::Both);
        let bad = T::parse_from(["t", "--duration", "0"]).s;
        assert!(Plan::new(&bad).is_err());
    }
}
