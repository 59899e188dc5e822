//! Throughput and latency of dossier writes through `write_dossiers` with concurrent callers on
//! a SQLite file (WAL, synchronous=FULL), group-committed.
//!
//! `cargo run --release -p tinhso-store-sqlite --example sqlite_dossier_writes [-- WRITES [TASKS [MODE]]]`
//! (defaults 20000 writes, 64 tasks, mode `creates`). Mode `actions`: each task first creates
//! one dossier, then records WRITES/TASKS officer actions on it (each an event with optimistic
//! concurrency, as an officer's action is). Prints writes/s and the per-call latency p50, p99
//! and max. The database lives in a temporary folder, removed after.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tinhso_domain::agency::AgencyEId;
use tinhso_store::conformance::{
    sample_acceptance, sample_new_dossier, write_one, AGENCY_A, AGENCY_B,
};
use tinhso_store::dossiers::DossierWrite;
use tinhso_store::{AuditStore, DossierStore};
use tinhso_store_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let writes: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let tasks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(64);
    let actions = match args.next().as_deref() {
        None | Some("creates") => false,
        Some("actions") => true,
        Some(other) => return Err(format!("unknown mode {other:?}").into()),
    };
    let dir = std::env::temp_dir().join(format!("tinhso-bench-{}", std::process::id()));
    let url = format!("sqlite://{}/db.sqlite3", dir.display());
    let store = Arc::new(SqliteStore::open(&url).await?);
    let agencies = [AgencyEId::parse(AGENCY_A)?, AgencyEId::parse(AGENCY_B)?];
    let received: jiff::civil::DateTime = "2026-01-05T09:00".parse()?;
    let due: jiff::civil::DateTime = "2026-01-08T17:00".parse()?;
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse()?;

    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        let agency = agencies[t % 2].clone();
        let n = writes / tasks + usize::from(t < writes % tasks);
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(n);
            let mut own = None;
            if actions {
                let new = sample_new_dossier(&agency, &format!("Người {t}"), None, received);
                let out = write_one(store.as_ref(), DossierWrite::Create(Box::new(new)), at)
                    .await
                    .map_err(|e| e.to_string())?;
                own = store
                    .dossier_by_id(out.dossier_id)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            for i in 0..n {
                let write = match &own {
                    Some(stored) => {
                        let mut action = sample_acceptance(stored, received, due);
                        action.expected_events = stored.events + i as u32;
                        DossierWrite::Update(Box::new(action))
                    }
                    None => DossierWrite::Create(Box::new(sample_new_dossier(
                        &agency,
                        &format!("Người {t}-{i}"),
                        None,
                        received,
                    ))),
                };
                let sent = Instant::now();
                write_one(store.as_ref(), write, at)
                    .await
                    .map_err(|e| e.to_string())?;
                latencies.push(sent.elapsed());
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(writes);
    for h in handles {
        latencies.extend(h.await?.map_err(|e| format!("write failed: {e}"))?);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let what = if actions { "actions" } else { "creates" };
    println!(
        "sqlite file, {tasks} tasks: {} {what} in {:.2?} = {:.0} {what}/s; latency p50 {:.2?}, \
         p99 {:.2?}, max {:.2?}",
        latencies.len(),
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pick(0.50),
        pick(0.99),
        latencies.last().copied().unwrap_or_default(),
    );
    let verified = Instant::now();
    let v = store.verify_audit_chain().await?;
    println!(
        "audit chain: {} records verified in {:.2?}, break: {:?}",
        v.records,
        verified.elapsed(),
        v.first_break
    );
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
