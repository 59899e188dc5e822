//! tinhso benchmarks. Every figure is printed beside a baseline measured in the same run on the
//! same data, with the ratio between them; nothing here asserts a time.
//!
//! `cargo run --release -p tinhso-bench -- catalog-search [--database URL] [--shared DIR] [--rounds N]`

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tinhso_app::imports::ImportOptions;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, SystemClock};
use tinhso_domain::text::fold;
use tinhso_search::SearchQuery;

/// Queries people type, with and without diacritics, short and long, plus code look-ups.
const QUERIES: &[&str] = &[
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

struct Args {
    database: Option<String>,
    shared: PathBuf,
    rounds: usize,
    json: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<(String, Args)> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().unwrap_or_else(|| "--help".into());
    let mut args = Args {
        database: None,
        shared: PathBuf::from("../shared"),
        rounds: 200,
        json: None,
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--database" => args.database = it.next(),
            "--shared" => args.shared = it.next().map(PathBuf::from).context("--shared DIR")?,
            "--rounds" => args.rounds = it.next().context("--rounds N")?.parse()?,
            "--json" => args.json = it.next().map(PathBuf::from),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    Ok((cmd, args))
}

const HELP: &str = "tinhso-bench: benchmarks printed as ratios against a baseline run beside them

USAGE:
  tinhso-bench catalog-search [--database URL] [--shared DIR] [--rounds N] [--json FILE]

catalog-search  loads the demo catalog plus DIR/data/procedures/procedures-dvcqg-2642.jsonl.gz
                (when present) into a fresh database (default: a temporary SQLite file), then
                runs the same queries through the in-memory index and as a plain SQL LIKE scan,
                printing p50/p99 per query and the ratio.
";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (cmd, args) = parse_args()?;
    match cmd.as_str() {
        "catalog-search" => catalog_search(args).await,
        _ => {
            print!("{HELP}");
            Ok(())
        }
    }
}

struct Stats {
    p50: Duration,
    p99: Duration,
    mean: Duration,
    n: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let n = v.len().max(1);
    let at = |q: f64| v[((n as f64 - 1.0) * q).round() as usize];
    let sum: Duration = v.iter().sum();
    Stats {
        p50: at(0.5),
        p99: at(0.99),
        mean: sum / n as u32,
        n: v.len(),
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

async fn catalog_search(args: Args) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("tinhso-bench-{}", std::process::id()));
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.sqlite3", tmp.display()));
    let store = tinhso_app::open_store(&url).await.context("open store")?;
    let app = Arc::new(App::new(store, Arc::new(SystemClock), AppSettings::default()).await?);
    app.load_demo(&NoProgress).await?;
    let shared = args
        .shared
        .join("data/procedures/procedures-dvcqg-2642.jsonl.gz");
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

    // Warm up both paths once.
    for q in QUERIES {
        let _ = app.search(&SearchQuery {
            q: q.to_string(),
            ..Default::default()
        });
        let terms: Vec<String> = fold(q).split_whitespace().map(str::to_string).collect();
        let _ = app.store.search_procedures_like(&terms, 20).await?;
    }
    let mut index_times = Vec::new();
    let mut like_times = Vec::new();
    let mut hits = 0usize;
    for _ in 0..args.rounds {
        for q in QUERIES {
            let query = SearchQuery {
                q: q.to_string(),
                ..Default::default()
            };
            let t = Instant::now();
            let page = app.search(&query);
            index_times.push(t.elapsed());
            hits += page.items.len();
        }
    }
    let like_rounds = (args.rounds / 10).max(3);
    for _ in 0..like_rounds {
        for q in QUERIES {
            let terms: Vec<String> = fold(q).split_whitespace().map(str::to_string).collect();
            let t = Instant::now();
            let r = app.store.search_procedures_like(&terms, 20).await?;
            like_times.push(t.elapsed());
            std::hint::black_box(r);
        }
    }
    let a = stats(index_times);
    let b = stats(like_times);
    println!();
    println!("| path | queries | p50 µs | p99 µs | mean µs |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| in-memory index (tinhso-search) | {} | {:.1} | {:.1} | {:.1} |",
        a.n,
        us(a.p50),
        us(a.p99),
        us(a.mean)
    );
    println!(
        "| baseline: SQL LIKE scan ({}) | {} | {:.1} | {:.1} | {:.1} |",
        app.store.backend(),
        b.n,
        us(b.p50),
        us(b.p99),
        us(b.mean)
    );
    println!();
    println!(
        "ratio baseline/index: p50 {:.1}×, p99 {:.1}×  (target: index p99 ≤ 1000 µs; measured {:.1} µs)",
        us(b.p50) / us(a.p50).max(0.001),
        us(b.p99) / us(a.p99).max(0.001),
        us(a.p99)
    );
    std::hint::black_box(hits);
    if let Some(path) = args.json {
        let v = serde_json::json!({
            "benchmark": "catalog-search",
            "backend": app.store.backend(),
            "procedures": n,
            "index": {"queries": a.n, "p50_us": us(a.p50), "p99_us": us(a.p99), "mean_us": us(a.mean)},
            "baseline_like": {"queries": b.n, "p50_us": us(b.p50), "p99_us": us(b.p99), "mean_us": us(b.mean)},
            "ratio_p99": us(b.p99) / us(a.p99).max(0.001),
        });
        std::fs::write(&path, serde_json::to_string_pretty(&v)?)?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
