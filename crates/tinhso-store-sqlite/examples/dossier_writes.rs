//! Throughput of dossier creates through `write_dossiers` with 64 concurrent callers on a
//! SQLite file (WAL, synchronous=FULL), group-committed.
//!
//! `cargo run --release -p tinhso-store-sqlite --example dossier_writes [-- CREATES [TASKS]]`
//! (defaults 20000 creates, 64 tasks). The database lives in a temporary folder, removed after.

use std::sync::Arc;
use std::time::Instant;

use tinhso_domain::agency::AgencyEId;
use tinhso_store::conformance::{sample_new_dossier, write_one, AGENCY_A, AGENCY_B};
use tinhso_store::dossiers::DossierWrite;
use tinhso_store::AuditStore;
use tinhso_store_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let creates: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let tasks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(64);
    let dir = std::env::temp_dir().join(format!("tinhso-bench-{}", std::process::id()));
    let url = format!("sqlite://{}/db.sqlite3", dir.display());
    let store = Arc::new(SqliteStore::open(&url).await?);
    let agencies = [AgencyEId::parse(AGENCY_A)?, AgencyEId::parse(AGENCY_B)?];
    let received: jiff::civil::DateTime = "2026-01-05T09:00".parse()?;
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse()?;

    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        let agency = agencies[t % 2].clone();
        let n = creates / tasks + usize::from(t < creates % tasks);
        handles.push(tokio::spawn(async move {
            for i in 0..n {
                let new = sample_new_dossier(&agency, &format!("Người {t}-{i}"), None, received);
                if let Err(e) =
                    write_one(store.as_ref(), DossierWrite::Create(Box::new(new)), at).await
                {
                    return Err(e.to_string());
                }
            }
            Ok(n)
        }));
    }
    let mut done = 0;
    for h in handles {
        done += h.await?.map_err(|e| format!("create failed: {e}"))?;
    }
    let elapsed = started.elapsed();
    println!(
        "sqlite file, {tasks} tasks: {done} creates in {:.2?} = {:.0} creates/s",
        elapsed,
        done as f64 / elapsed.as_secs_f64()
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
