//! KPI dashboard queries (issue 5) over a seeded history, in process: each query through the
//! aggregates (`App` use cases over `kpi_counters`), beside the plain full-scan GROUP BY over the
//! per-dossier rows on the same database in the same run (`KpiStore::kpi_baseline_scan`).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tinhso_app::kpi::ScopeRequest;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, SystemClock};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::kpi::{Dimension, Indicator, Period};
use tinhso_store::kpi::{DimensionKind, Grain};

use crate::stats::{fmt_us, nanos, Summary};

/// Dossiers per page of a drill-down list (the dashboard's page size).
const DRILL_PAGE: u32 = 50;

/// Options of `tinhso-bench kpi`.
#[derive(Debug, Clone)]
pub struct KpiArgs {
    pub database: Option<String>,
    pub dossiers: u64,
    pub seed: u64,
    pub seconds: u64,
    pub http: bool,
    pub connections: usize,
    pub tinhso: Option<std::path::PathBuf>,
}

/// Runs `f` until `budget` is spent (at least `min` times), one call at a time.
pub async fn measure<F, Fut>(budget: Duration, min: usize, mut f: F) -> anyhow::Result<Summary>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    f().await?; // warm
    let started = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < min || started.elapsed() < budget {
        let t = Instant::now();
        f().await?;
        samples.push(nanos(t.elapsed()));
        if samples.len() >= 100_000 {
            break;
        }
    }
    Ok(Summary::from_nanos(samples))
}

/// `tinhso-bench kpi`: seeds `--dossiers` (unless the database already holds a history), then
/// measures the dashboard's queries and the baseline.
pub async fn kpi(args: KpiArgs) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("tinhso-bench-kpi-{}", std::process::id()));
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.sqlite3", tmp.display()));
    let store = tinhso_app::open_store(&url).await.context("open store")?;
    let app = Arc::new(App::new(store, Arc::new(SystemClock), AppSettings::default()).await?);
    let seeded = !app.store.kpi_stored_counters(Grain::Year).await?.is_empty();
    if !seeded {
        app.load_demo(&NoProgress).await?;
        // The demo's catalog is read by the seeder from the app's snapshot.
        app.refresh().await?;
        let started = Instant::now();
        let r = app
            .seed_dossiers(args.dossiers, args.seed, &tinhso_app::NoProgress)
            .await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "seeded {} dossiers in {secs:.1} s ({:.0}/s) on {}",
            r.dossiers,
            r.dossiers as f64 / secs.max(1e-9),
            app.store.backend()
        );
    } else {
        println!("(history already present: not seeded)");
    }
    // As `tinhso seed` leaves it (a history seeded by an older binary gets the same).
    app.store.kpi_refresh_statistics().await?;
    let today = app.today();
    let month = Period::month_of(today);
    let year = Period::Year(today.year());
    let last_12 = Period::custom(
        today
            .first_of_month()
            .checked_sub(jiff::ToSpan::months(11))
            .unwrap_or(today),
        today,
    )?;
    let budget = Duration::from_secs(args.seconds.max(1));
    let province = ScopeRequest::default();
    let mut rows: Vec<(String, Summary)> = Vec::new();
    let a = app.clone();
    rows.push((
        "province report + 766, this month".into(),
        measure(budget, 20, || {
            let a = a.clone();
            let p = province.clone();
            async move {
                std::hint::black_box(a.kpi_view_unchecked(&p, month).await?);
                Ok(())
            }
        })
        .await?,
    ));
    rows.push((
        "province report + 766, this year".into(),
        measure(budget, 20, || {
            let a = a.clone();
            let p = province.clone();
            async move {
                std::hint::black_box(a.kpi_view_unchecked(&p, year).await?);
                Ok(())
            }
        })
        .await?,
    ));
    rows.push((
        "agency ranking (766 per agency), this year".into(),
        measure(budget, 20, || {
            let a = a.clone();
            async move {
                std::hint::black_box(a.ranking(DimensionKind::CompetentAgency, year).await?);
                Ok(())
            }
        })
        .await?,
    ));
    rows.push((
        "agency × month heat table, last 12 months".into(),
        measure(budget, 20, || {
            let a = a.clone();
            async move {
                std::hint::black_box(a.heat(DimensionKind::CompetentAgency, last_12).await?);
                Ok(())
            }
        })
        .await?,
    ));
    rows.push((
        "commune ranking, this year".into(),
        measure(budget, 20, || {
            let a = a.clone();
            async move {
                std::hint::black_box(a.ranking(DimensionKind::Commune, year).await?);
                Ok(())
            }
        })
        .await?,
    ));
    // The dossiers behind a number (domain.md §6): the first page of a drill-down list, as the
    // dashboard links it, and the next page (keyset), for the province and for the agency
    // with most dossiers.
    let busiest = app
        .store
        .kpi_baseline_scan(&year)
        .await?
        .into_iter()
        .max_by_key(|(_, received, _)| *received)
        .and_then(|(a, _, _)| AgencyEId::parse(&a).ok());
    let mut lists = vec![("province", Dimension::Province)];
    if let Some(a) = busiest {
        lists.push(("busiest agency", Dimension::CompetentAgency(a)));
    }
    for (label, dim) in lists {
        for (indicator, period, name) in [
            (Indicator::OnTime, year, "late dossiers (2.1), this year"),
            (
                Indicator::OnlineDossiers,
                month,
                "not online (3.1), this month",
            ),
        ] {
            let first = a
                .dossiers_behind(dim.clone(), indicator, period, DRILL_PAGE, None)
                .await?;
            rows.push((
                format!("drill-down, {label}: {name}, first page of {DRILL_PAGE}"),
                measure(budget, 20, || {
                    let a = a.clone();
                    let dim = dim.clone();
                    async move {
                        std::hint::black_box(
                            a.dossiers_behind(dim, indicator, period, DRILL_PAGE, None)
                                .await?,
                        );
                        Ok(())
                    }
                })
                .await?,
            ));
            if let Some(after) = first.next {
                rows.push((
                    format!("drill-down, {label}: {name}, next page"),
                    measure(budget, 20, || {
                        let a = a.clone();
                        let dim = dim.clone();
                        async move {
                            std::hint::black_box(
                                a.dossiers_behind(dim, indicator, period, DRILL_PAGE, Some(after))
                                    .await?,
                            );
                            Ok(())
                        }
                    })
                    .await?,
                ));
            }
        }
    }
    let baseline = measure(budget, 5, || {
        let a = a.clone();
        async move {
            std::hint::black_box(a.store.kpi_baseline_scan(&year).await?);
            Ok(())
        }
    })
    .await?;
    println!();
    println!(
        "KPI queries, {} backend, history of {} dossiers (p50 / p99 over sequential calls)",
        app.store.backend(),
        args.dossiers
    );
    println!();
    println!("| query | calls | p50 | p99 | baseline p99 ÷ p99 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, s) in &rows {
        println!(
            "| {name} | {} | {} | {} | {:.0}× |",
            s.count,
            fmt_us(s.p50_us),
            fmt_us(s.p99_us),
            baseline.p99_us / s.p99_us.max(0.001)
        );
    }
    println!(
        "| baseline: full-scan GROUP BY per agency over the per-dossier rows, this year | {} | {} | {} | 1× |",
        baseline.count,
        fmt_us(baseline.p50_us),
        fmt_us(baseline.p99_us)
    );
    if args.http {
        let bin = crate::suite::tinhso_binary(args.tinhso.as_deref())?;
        let target = crate::engine::Target::existing(&url, &tmp)?;
        println!();
        println!(
            "Over HTTP: `{} serve` on the same database, {} connections, {} s per scenario \
             (server RSS: peak VmHWM during the scenario)",
            bin.display(),
            args.connections,
            budget.as_secs()
        );
        let rows = crate::suite::kpi_over_http(&bin, &target, args.connections, budget).await;
        let _ = std::fs::remove_dir_all(&target.work_dir);
        let report = crate::report::Report {
            command: std::iter::once("tinhso-bench".to_string())
                .chain(std::env::args().skip(1))
                .collect::<Vec<_>>()
                .join(" "),
            short: false,
            machine: crate::report::Machine::describe(&bin, &tmp),
            rows: rows?,
        };
        println!();
        print!("{}", report.render_table());
    }
    if args.database.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}
