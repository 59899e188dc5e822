//! tinhso benchmarks. Every figure is printed beside a baseline measured in the same run on the
//! same machine, with the ratio between them; nothing here asserts a time.
//!
//! - `tinhso-bench suite [--engine sqlite|postgres|both] [--short] [--json FILE] [--markdown FILE]`
//!   runs the release `tinhso` binary on a fresh database and drives it over loopback HTTP
//!   (see `suite.rs` and docs/BENCHMARKS.md). `scripts/bench` builds and runs it.
//! - `tinhso-bench catalog-search [--database URL] [--shared DIR] [--rounds N] [--json FILE]`
//!   compares the in-memory catalog index with a SQL `LIKE` scan, in process.
//! - `tinhso-bench kpi [--database URL] --dossiers N [--seed S] [--seconds T] [--http]` seeds a
//!   history and times the dashboard's KPI queries beside a full-scan GROUP BY (see `kpi.rs`);
//!   with `--http`, also over HTTP against `tinhso serve`, with the server's peak RSS.

mod catalog;
mod engine;
mod kpi;
mod load;
mod report;
mod server;
mod stats;
mod suite;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// tinhso-bench: benchmarks printed as ratios against a baseline run beside them.
#[derive(Debug, Parser)]
#[command(name = "tinhso-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Start the release `tinhso` on a fresh database (SQLite, PostgreSQL or both), load the
    /// demo, and measure every scenario beside its baseline: /healthz (the ceiling), catalog
    /// search over HTTP and in process, dossier intake and officer actions (when the build has
    /// them) against a plain SQL insert loop.
    Suite(suite::SuiteArgs),
    /// Load the demo catalog plus DIR/data/procedures/procedures-dvcqg-2642.jsonl.gz (when
    /// present) into a fresh database (default: a temporary SQLite file), then run the same
    /// queries through the in-memory index and as a plain SQL LIKE scan, printing p50/p99 per
    /// query and the ratio.
    CatalogSearch {
        /// Database URL (default: a temporary SQLite file).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// The shared folder holding data/procedures/.
        #[arg(long, value_name = "DIR", default_value = "../shared")]
        shared: PathBuf,
        /// Rounds of the query list through the index (the LIKE scan runs a tenth as many).
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        /// Also write the results as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Seed N dossiers of history into a fresh database (default: a temporary SQLite file;
    /// an existing history is reused), then time the dashboard's KPI queries (reports, the
    /// 766 index, rankings, heat table) beside a plain full-scan GROUP BY on the same data.
    Kpi {
        /// Database URL (default: a temporary SQLite file).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Dossiers to seed.
        #[arg(long, default_value_t = 100_000)]
        dossiers: u64,
        /// Seed of the generator.
        #[arg(long, default_value_t = 766)]
        seed: u64,
        /// Seconds spent on each query.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Then start `tinhso serve` on the database and query the KPI endpoints over HTTP
        /// (beside GET /healthz), printing the server's peak RSS during each.
        #[arg(long)]
        http: bool,
        /// Concurrent connections of the HTTP run.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// The tinhso binary the HTTP run serves with (default: `tinhso` beside this program).
        #[arg(long, value_name = "PATH")]
        tinhso: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        BenchCommand::Suite(args) => suite::suite(args).await,
        BenchCommand::Kpi {
            database,
            dossiers,
            seed,
            seconds,
            http,
            connections,
            tinhso,
        } => {
            kpi::kpi(kpi::KpiArgs {
                database,
                dossiers,
                seed,
                seconds,
                http,
                connections,
                tinhso,
            })
            .await
        }
        BenchCommand::CatalogSearch {
            database,
            shared,
            rounds,
            json,
        } => {
            catalog::catalog_search(catalog::CatalogSearchArgs {
                database,
                shared,
                rounds,
                json,
            })
            .await
        }
    }
}
