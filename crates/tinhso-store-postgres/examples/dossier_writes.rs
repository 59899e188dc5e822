//! Throughput of dossier creates through `write_dossiers` with 64 concurrent callers on a
//! PostgreSQL database (TINHSO_BENCH_POSTGRES_URL, default the local server), group-committed.
//!
//! `cargo run --release -p tinhso-store-postgres --example dossier_writes [-- CREATES [TASKS]]`
//! (defaults 20000 creates, 64 tasks). A database of its own is created and dropped.

use std::sync::Arc;
use std::time::Instant;

use std::str::FromStr;
use tinhso_domain::agency::AgencyEId;
use tinhso_store::conformance::{sample_new_dossier, write_one, AGENCY_A, AGENCY_B};
use tinhso_store::dossiers::DossierWrite;
use tinhso_store::AuditStore;

use tinhso_store_postgres::{PgConnectOptions, PostgresStore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let creates: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let tasks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(64);
    let url = std::env::var("TINHSO_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let admin_options = PgConnectOptions::from_str(&url)?;
    let admin = sqlx::PgPool::connect_with(admin_options.clone()).await?;
    let name = format!("tinhso_bench_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&admin)
        .await?;
    let store = Arc::new(PostgresStore::connect_with(admin_options.database(&name)).await?);
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
        "postgres, {tasks} tasks: {done} creates in {:.2?} = {:.0} creates/s",
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
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(())
}
