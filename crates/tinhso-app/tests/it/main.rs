//! tinhso-app integration tests: every use case against both engines (SQLite always; PostgreSQL
//! when reachable — required when TINHSO_REQUIRE_POSTGRES=1, as in CI).

mod accounts;
mod dossiers;
mod engines;
mod imports;
mod kpi;
mod population;
mod search;
