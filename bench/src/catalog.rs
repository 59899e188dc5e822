//! Catalog search in process: the in-memory index (`tinhso-search`, through `App::search`)
//! against the baseline a plain database offers, a SQL `LIKE` scan over the latest procedure
//! versions (`Store::search_procedures_like`), on the same data in the same run.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tinhso_app::imports::ImportOptions;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, SystemClock};
use tinhso_domain::text::fold;
use tinhso_search::SearchQuery;

use crate::stats::{nanos, Summary};

/// Queries people type, with and without diacritics, short and long, plus code look-ups.
pub const QUERIES: &[&str] = &[
    "dang ky khai sinh",
    "Đăng ký kết hôn",
    "khai tu",
    "chung thuc ban sao",
    "ly lich tu phap",
    "giay phep xay dung",
    "ho kinh doanh",
    "dat dai",
    "cap giay chung nhan quyen su dung dat",
    "thanh lap doanh nghiep",
    "bao tro xa hoi",
    "nguoi co cong",
    "giay phep lai xe",
    "ho chieu",
    "thuong tru",
    "xac nhan tinh trang hon nhan",
    "dang ky",
    "cap lai",
    "1.001193",
    "moi truong",
    "giao duc",
    "y te",
    "phong chay chua chay",
    "an toan thuc pham",
    "dang ky kinh doanh ho",
];

/// The national-portal records, relative to the shared folder, imported when present.
pub const SHARED_RECORDS: &str = "data/procedures/procedures-dvcqg-2642.jsonl.gz";

/// Sequential, single-threaded timings of one path.
#[derive(Debug, Clone)]
pub struct Measured {
    pub count: u64,
    pub elapsed: Duration,
    pub latency: Summary,
}

impl Measured {
    /// Queries per second of wall time (one thread, one query at a time).
    pub fn throughput(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: q.to_string(),
        ..Default::default()
    }
}

fn folded_terms(q: &str) -> Vec<String> {
    fold(q).split_whitespace().map(str::to_string).collect()
}

/// Runs every query `rounds` times through the index and `like_rounds` times through the SQL
/// scan, each path stopping early when its half of `budget` is spent.
pub async fn compare(
    app: &App,
    rounds: usize,
    like_rounds: usize,
    budget: Duration,
) -> anyhow::Result<(Measured, Measured)> {
    // Warm both paths once.
    for q in QUERIES {
        std::hint::black_box(app.search(&query(q)));
        std::hint::black_box(
            app.store
                .search_procedures_like(&folded_terms(q), 20)
                .await?,
        );
    }
    let half = budget / 2;

    let started = Instant::now();
    let mut samples = Vec::with_capacity(rounds.saturating_mul(QUERIES.len()).min(1 << 20));
    'index: for _ in 0..rounds {
        for q in QUERIES {
            let sq = query(q);
            let t = Instant::now();
            let page = app.search(&sq);
            samples.push(nanos(t.elapsed()));
            std::hint::black_box(page);
        }
        if started.elapsed() >= half {
            break 'index;
        }
    }
    let index = Measured {
        count: samples.len() as u64,
        elapsed: started.elapsed(),
        latency: Summary::from_nanos(samples),
    };

    let started = Instant::now();
    let mut samples = Vec::with_capacity(like_rounds.saturating_mul(QUERIES.len()).min(1 << 20));
    'like: for _ in 0..like_rounds {
        for q in QUERIES {
            let terms = folded_terms(q);
            let t = Instant::now();
            let r = app.store.search_procedures_like(&terms, 20).await?;
            samples.push(nanos(t.elapsed()));
            std::hint::black_box(r);
        }
        if started.elapsed() >= half {
            break 'like;
        }
    }
    let like = Measured {
        count: samples.len() as u64,
        elapsed: started.elapsed(),
        latency: Summary::from_nanos(samples),
    };
    Ok((index, like))
}

/// Options of the stand-alone `catalog-search` command.
#[derive(Debug, Clone)]
pub struct CatalogSearchArgs {
    pub database: Option<String>,
    pub shared: PathBuf,
    pub rounds: usize,
    pub json: Option<PathBuf>,
}

/// `tinhso-bench catalog-search`: loads the demo catalog (plus the shared national-portal
/// records when present) into a fresh database and compares the two search paths.
pub async fn catalog_search(args: CatalogSearchArgs) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("tinhso-bench-{}", std::process::id()));
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.sqlite3", tmp.display()));
    let store = tinhso_app::open_store(&url).await.context("open store")?;
    let app = Arc::new(App::new(store, Arc::new(SystemClock), AppSettings::default()).await?);
    app.load_demo(&NoProgress).await?;
    let shared = args.shared.join(SHARED_RECORDS);
    if shared.exists() {
        app.import_procedures(&shared, ImportOptions { skip_bad: true }, &NoProgress)
            .await?;
    } else {
        println!(
            "(shared records not found at {}: demo catalog only)",
            shared.display()
        );
    }
    let n = app.catalog.snapshot().records.len();
    println!(
        "catalog-search: {n} procedures, backend {}, {} queries × {} rounds",
        app.store.backend(),
        QUERIES.len(),
        args.rounds
    );
    let like_rounds = (args.rounds / 10).max(3);
    let (a, b) = compare(&app, args.rounds, like_rounds, Duration::from_secs(600)).await?;
    let (a, b) = (a.latency, b.latency);
    println!();
    println!("| path | queries | p50 µs | p99 µs | mean µs |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| in-memory index (tinhso-search) | {} | {:.1} | {:.1} | {:.1} |",
        a.count, a.p50_us, a.p99_us, a.mean_us
    );
    println!(
        "| baseline: SQL LIKE scan ({}) | {} | {:.1} | {:.1} | {:.1} |",
        app.store.backend(),
        b.count,
        b.p50_us,
        b.p99_us,
        b.mean_us
    );
    println!();
    println!(
        "ratio baseline/index: p50 {:.1}×, p99 {:.1}×  (target: index p99 ≤ 1000 µs; measured {:.1} µs)",
        b.p50_us / a.p50_us.max(0.001),
        b.p99_us / a.p99_us.max(0.001),
        a.p99_us
    );
    if let Some(path) = args.json {
        let v = serde_json::json!({
            "benchmark": "catalog-search",
            "backend": app.store.backend(),
            "procedures": n,
            "index": {"queries": a.count, "p50_us": a.p50_us, "p99_us": a.p99_us, "mean_us": a.mean_us},
            "baseline_like": {"queries": b.count, "p50_us": b.p50_us, "p99_us": b.p99_us, "mean_us": b.mean_us},
            "ratio_p99": b.p99_us / a.p99_us.max(0.001),
        });
        std::fs::write(&path, serde_json::to_string_pretty(&v)?)?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
