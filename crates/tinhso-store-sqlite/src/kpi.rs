//! KPI aggregates on SQLite ([`tinhso_store::kpi`]): the rows a dossier write adds, the reads
//! of a period, the drill-down lists, the rebuild and the bulk load.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::SqliteConnection;
use tinhso_domain::kpi::{
    contributions, overdue_cut, CounterKey, Dimension, GroupedCounters, GroupedCountersBuilder,
    Indicator, KpiFacts, Period,
};
use tinhso_store::dossiers::NewDossier;
use tinhso_store::kpi::{
    bulk_group, bulk_ids, bulk_rated, bulk_rating, counter_key, defining_day, gauge_keys,
    gauge_rows, indicator_bit, page_in_order, parse_facts, rebuild_facts, segments, stored_rating,
    unpack_counters, BulkCounters, BulkLoad, CounterChanges, CounterRow, DefiningDay,
    DimensionKind, FactsRow, GaugeSums, Grain, KpiDossier, KpiDossierQuery, KpiQuery, KpiRebuild,
    KpiScope, KpiStore, Refacts, DEFERRABLE_INDEXES, LIVE_GAUGES_CONDITION, REBUILD_CHUNK,
    REBUILD_FLUSH_ROWS,
};
use tinhso_store::{Progress, StoreError, StoreResult};

use crate::{date_text, db_err, get, parse_date, SqliteStore};

/// SQL for the whole facts JSON of the `kpi_facts` row `$t` (a table name or alias): the
/// stored JSON with what the row's columns hold put back where it is absent
/// ([`FactsRow::of`] leaves it out). NULL when the row is missing (a LEFT JOIN).
macro_rules! facts_sql {
    ($t:literal) => {
        concat!(
            "json_insert(",
            $t,
            ".facts, '$.received_on', ",
            $t,
            ".received_on, \
             '$.receiving_agency', ",
            $t,
            ".receiving_agency, '$.competent_agency', ",
            $t,
            ".competent_agency, '$.procedure_code', ",
            $t,
            ".procedure_code, \
             '$.commune_code', ",
            $t,
            ".commune_code, '$.fields', json(",
            $t,
            ".fields), \
             '$.extras.fields', json(",
            $t,
            ".fields), '$.extras.commune_code', ",
            $t,
            ".commune_code)"
        )
    };
}
pub(crate) use facts_sql;

/// Rows per multi-row statement (SQLite allows 32 766 bound values; facts rows have 10).
const ROWS: usize = 1000;

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn value_rows(rows: usize, columns: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    vec![one; rows].join(", ")
}

/// Upserts facts rows and adds counter rows, inside the caller's transaction.
pub(crate) async fn write_rows(
    conn: &mut SqliteConnection,
    facts: &[FactsRow],
    counters: &[CounterRow],
) -> StoreResult<()> {
    for chunk in facts.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO kpi_facts (dossier_id, receiving_agency, competent_agency, \
             procedure_code, commune_code, fields, received_on, index_end_on, loses, facts) \
             VALUES {} ON CONFLICT (dossier_id) DO UPDATE SET \
             receiving_agency = excluded.receiving_agency, \
             competent_agency = excluded.competent_agency, \
             procedure_code = excluded.procedure_code, commune_code = excluded.commune_code, \
             fields = excluded.fields, received_on = excluded.received_on, \
             index_end_on = excluded.index_end_on, loses = excluded.loses, facts = excluded.facts",
            value_rows(chunk.len(), 10)
        );
        let mut query = sqlx::query(&sql);
        for f in chunk {
            query = query
                .bind(f.dossier_id)
                .bind(f.receiving.as_str())
                .bind(f.competent.as_str())
                .bind(f.procedure.as_str())
                .bind(f.commune.as_deref())
                .bind(f.fields.as_str())
                .bind(date_text(f.received_on))
                .bind(f.index_end_on.map(date_text))
                .bind(f.loses)
                .bind(f.facts.as_str());
        }
        query.execute(&mut *conn).await.map_err(db_err)?;
    }
    for chunk in counters.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO kpi_counters (dim, kind, grain, day, metric, value) VALUES {} \
             ON CONFLICT (kind, grain, day, dim, metric) DO UPDATE SET value = value + excluded.value",
            value_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for c in chunk {
            query = query
                .bind(c.dim.as_str())
                .bind(c.kind)
                .bind(c.grain.code())
                .bind(date_text(c.day))
                .bind(c.metric.as_str())
                .bind(c.value);
        }
        query.execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// The stored facts of a dossier, inside the caller's transaction.
pub(crate) async fn stored_facts(
    conn: &mut SqliteConnection,
    dossier_id: i64,
) -> StoreResult<Option<KpiFacts>> {
    let text: Option<String> = sqlx::query_scalar(concat!(
        "SELECT ",
        facts_sql!("kpi_facts"),
        " FROM kpi_facts WHERE dossier_id = ?"
    ))
    .bind(dossier_id)
    .fetch_optional(conn)
    .await
    .map_err(db_err)?;
    text.as_deref().map(parse_facts).transpose()
}

/// Stores a dossier's new facts and adds the delta from `before` (one-by-one write path).
pub(crate) async fn apply_one(
    conn: &mut SqliteConnection,
    dossier_id: i64,
    before: Option<&KpiFacts>,
    after: &KpiFacts,
) -> StoreResult<()> {
    let mut changes = CounterChanges::new();
    changes.add_delta(before, Some(after));
    write_rows(
        conn,
        &[FactsRow::of(dossier_id, after)?],
        &changes.into_rows(),
    )
    .await
}

/// Inserts the ratings of a bulk load (dossier, stars, when), inside the caller's transaction.
async fn write_ratings(
    conn: &mut SqliteConnection,
    rows: &[(i64, u8, Timestamp)],
) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO dossier_ratings (dossier_id, rating, comment, rated_at) VALUES {}",
            value_rows(chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for (id, stars, when) in chunk {
            query = query
                .bind(*id)
                .bind(i64::from(*stars))
                .bind("")
                .bind(crate::micros(*when));
        }
        query.execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// The WHERE condition of a scope and the value it binds. One dimension names its kind too
/// (a fixed word, written in the statement), the first column of the counters' primary key.
fn scope_filter(scope: &KpiScope) -> (String, String) {
    match scope {
        KpiScope::One(dim) => (
            format!("kind = '{}' AND dim = ?", DimensionKind::of(dim).key()),
            dim.key(),
        ),
        KpiScope::Every(kind) => ("kind = ?".to_string(), kind.key().to_string()),
    }
}

#[async_trait]
impl KpiStore for SqliteStore {
    async fn kpi_counters(&self, q: &KpiQuery) -> StoreResult<GroupedCounters> {
        let (filter, value) = scope_filter(&q.scope);
        let metric_keys = q.metric_keys();
        let mut sums = GroupedCountersBuilder::new();
        let mut metrics = HashMap::new();
        let flows = metric_keys.as_ref().is_none_or(|m| !m.is_empty());
        for seg in segments(&q.period, q.split).into_iter().filter(|_| flows) {
            let buckets = seg.bucket_days();
            let days = match &buckets {
                Some(days) => format!("day IN ({})", placeholders(days.len())),
                None => "day BETWEEN ? AND ?".to_string(),
            };
            let only = match &metric_keys {
                Some(keys) => format!(" AND metric IN ({})", placeholders(keys.len())),
                None => String::new(),
            };
            // The grain is written in the statement (not bound) so the planner knows it.
            let grain = seg.grain.code();
            let outcomes = q.outcomes_condition();
            // One row per dimension: its counters packed by group_concat (far fewer rows to
            // hand over than one per counter).
            // One bucket (a whole year, say) holds each (dimension, metric) once and needs no
            // day in the text: its rows are read as if labelled with that bucket's day.
            let single = buckets.as_ref().filter(|d| d.len() == 1).map(|d| d[0]);
            let label = seg.label.or(single);
            let sql = if seg.label.is_none() && single.is_some() {
                format!(
                    "SELECT dim, group_concat(metric || ' ' || value, ',') AS packed \
                     FROM kpi_counters WHERE {filter} AND grain = {grain} AND {days}{only}{outcomes} \
                     AND value <> 0 GROUP BY dim"
                )
            } else if seg.label.is_some() {
                format!(
                    "SELECT dim, group_concat(metric || ' ' || v, ',') AS packed FROM \
                     (SELECT dim, metric, SUM(value) AS v FROM kpi_counters \
                      WHERE {filter} AND grain = {grain} AND {days}{only}{outcomes} \
                      GROUP BY dim, metric HAVING SUM(value) <> 0) GROUP BY dim"
                )
            } else {
                format!(
                    "SELECT dim, group_concat(metric || ' ' || day || ' ' || value, ',') AS packed \
                     FROM kpi_counters WHERE {filter} AND grain = {grain} AND {days}{only}{outcomes} \
                     AND value <> 0 GROUP BY dim"
                )
            };
            let mut query = sqlx::query(&sql).bind(value.as_str());
            match &buckets {
                Some(days) => {
                    for day in days {
                        query = query.bind(date_text(*day));
                    }
                }
                None => query = query.bind(date_text(seg.from)).bind(date_text(seg.to)),
            }
            for key in metric_keys.iter().flatten() {
                query = query.bind(key.as_str());
            }
            let rows = query.fetch_all(&self.reader).await.map_err(db_err)?;
            for row in rows {
                unpack_counters(
                    &get::<String>(&row, "dim")?,
                    &get::<String>(&row, "packed")?,
                    label,
                    &mut metrics,
                    &mut sums,
                )?;
            }
        }
        if let Some(as_of) = q.gauges {
            let cut = overdue_cut(as_of);
            let [awaiting, supplement, fee, prefix] = gauge_keys();
            // The partial index of live gauges serves every scope of a kind and one dimension
            // (its kind is named too): the statement writes its condition out.
            let sql = format!(
                "SELECT dim, \
                 SUM(CASE WHEN metric = ? THEN value ELSE 0 END) AS awaiting, \
                 SUM(CASE WHEN metric = ? THEN value ELSE 0 END) AS supplement, \
                 SUM(CASE WHEN metric = ? THEN value ELSE 0 END) AS fee, \
                 SUM(CASE WHEN substr(metric, 1, ?) = ? THEN value ELSE 0 END) AS in_progress, \
                 SUM(CASE WHEN substr(metric, 1, ?) = ? AND (day < ? OR (day = ? AND \
                 CAST(substr(metric, ?) AS INTEGER) < ?)) THEN value ELSE 0 END) AS overdue \
                 FROM kpi_counters WHERE {filter}{LIVE_GAUGES_CONDITION} GROUP BY dim"
            );
            let len = prefix.len() as i64;
            let rows = sqlx::query(&sql)
                .bind(awaiting.as_str())
                .bind(supplement.as_str())
                .bind(fee.as_str())
                .bind(len)
                .bind(prefix.as_str())
                .bind(len)
                .bind(prefix.as_str())
                .bind(date_text(cut.day))
                .bind(date_text(cut.day))
                .bind(len + 1)
                .bind(i64::from(cut.slot))
                .bind(value.as_str())
                .fetch_all(&self.reader)
                .await
                .map_err(db_err)?;
            for row in rows {
                let dim = get::<String>(&row, "dim")?;
                let dim =
                    Dimension::parse_key(&dim).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let g = GaugeSums {
                    awaiting: get(&row, "awaiting")?,
                    supplement: get(&row, "supplement")?,
                    financial_obligation: get(&row, "fee")?,
                    in_progress: get(&row, "in_progress")?,
                    overdue: get(&row, "overdue")?,
                };
                sums.counters_of(dim).extend(gauge_rows(cut, g));
            }
        }
        Ok(sums.finish())
    }

    async fn kpi_stored_counters(&self, grain: Grain) -> StoreResult<Vec<(CounterKey, i64)>> {
        let rows = sqlx::query(
            "SELECT dim, day, metric, value FROM kpi_counters WHERE grain = ? AND value <> 0 \
             ORDER BY dim, day, metric",
        )
        .bind(grain.code())
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let day = parse_date(&get::<String>(row, "day")?)?;
                Ok((
                    counter_key(
                        &get::<String>(row, "dim")?,
                        day,
                        &get::<String>(row, "metric")?,
                    )?,
                    get::<i64>(row, "value")?,
                ))
            })
            .collect()
    }

    async fn kpi_facts(&self, dossier_id: i64) -> StoreResult<Option<KpiFacts>> {
        let text: Option<String> = sqlx::query_scalar(concat!(
            "SELECT ",
            facts_sql!("kpi_facts"),
            " FROM kpi_facts WHERE dossier_id = ?"
        ))
        .bind(dossier_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        text.as_deref().map(parse_facts).transpose()
    }

    async fn kpi_dossiers(&self, q: &KpiDossierQuery) -> StoreResult<Vec<KpiDossier>> {
        let Some(defining) = defining_day(q.indicator) else {
            return Ok(Vec::new());
        };
        if q.limit == 0 {
            return Ok(Vec::new());
        }
        let day = match defining {
            DefiningDay::Received => "received_on",
            DefiningDay::IndexEnd => "index_end_on",
        };
        let (scope, value) = match &q.scope {
            Dimension::Province => (String::new(), None),
            Dimension::ReceivingAgency(e) => {
                ("receiving_agency = ? AND ".into(), Some(e.to_string()))
            }
            Dimension::CompetentAgency(e) => {
                ("competent_agency = ? AND ".into(), Some(e.to_string()))
            }
            Dimension::Procedure(c) => ("procedure_code = ? AND ".into(), Some(c.to_string())),
            Dimension::Commune(c) => ("commune_code = ? AND ".into(), Some(c.clone())),
            Dimension::Field(f) => (
                "instr(fields, ?) > 0 AND ".into(),
                Some(serde_json::to_string(f).map_err(|e| StoreError::Other(e.to_string()))?),
            ),
        };
        let (first, last) = (
            date_text(q.period.first_day()),
            date_text(q.period.last_day()),
        );
        // Keyset pagination in (defining day, id) order: the page after a dossier starts
        // after its day and id, so an index on (scope, day, id, loses) is read from the
        // right place and stops after one page.
        let after = match q.after_id {
            Some(id) => {
                let sql = format!("SELECT {day} FROM kpi_facts WHERE dossier_id = ?");
                let at: Option<Option<String>> = sqlx::query_scalar(&sql)
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(db_err)?;
                Some((at.flatten().unwrap_or_else(|| first.clone()), id))
            }
            None => None,
        };
        let keyset = if after.is_some() {
            format!(" AND ({day}, dossier_id) > (?, ?)")
        } else {
            String::new()
        };
        // The ids of one page first, from the index alone; then the facts of that page.
        let sql = format!(
            "SELECT dossier_id FROM kpi_facts WHERE {scope}{day} BETWEEN ? AND ?{keyset} \
             AND (loses & ?) <> 0 ORDER BY {day}, dossier_id LIMIT ?"
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        if let Some(value) = &value {
            query = query.bind(value.as_str());
        }
        query = query.bind(first.as_str()).bind(last.as_str());
        if let Some((at, id)) = &after {
            query = query.bind(at.as_str()).bind(*id);
        }
        let ids = query
            .bind(indicator_bit(q.indicator))
            .bind(i64::from(q.limit))
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        let mut stored = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS) {
            let sql = format!(
                // The whole facts, with what the row's columns hold put back (`facts_sql!`).
                "SELECT dossier_id, {} AS facts FROM kpi_facts WHERE dossier_id IN ({})",
                facts_sql!("kpi_facts"),
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.reader).await.map_err(db_err)? {
                stored.push((get(&row, "dossier_id")?, get::<String>(&row, "facts")?));
            }
        }
        page_in_order(ids, stored)
    }

    async fn rebuild_kpi_aggregates(
        &self,
        refacts: Option<Refacts<'_>>,
        progress: Progress<'_>,
    ) -> StoreResult<KpiRebuild> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)?;
        // A rebuild recomputes every counter: it settles any debt a bulk load left.
        for table in ["kpi_counters", "kpi_counters_owed"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let mut out = KpiRebuild::default();
        let mut changes = CounterChanges::new();
        let mut last_id = 0i64;
        loop {
            let rows = sqlx::query(concat!(
                "SELECT d.id, ",
                crate::dossiers::state_sql!("d"),
                " AS state, ",
                facts_sql!("f"),
                " AS facts, r.rating AS stars, r.rated_at AS rated_us \
                 FROM dossiers d LEFT JOIN kpi_facts f ON f.dossier_id = d.id \
                 LEFT JOIN dossier_ratings r ON r.dossier_id = d.id \
                 WHERE d.id > ? ORDER BY d.id LIMIT ?"
            ))
            .bind(last_id)
            .bind(REBUILD_CHUNK)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            if rows.is_empty() {
                break;
            }
            let mut rewrite = Vec::new();
            for row in &rows {
                let id: i64 = get(row, "id")?;
                last_id = id;
                out.dossiers += 1;
                let state: String = get(row, "state")?;
                let stored: Option<String> = get(row, "facts")?;
                let rating = stored_rating(get(row, "stars")?, get(row, "rated_us")?)?;
                let (facts, changed) = rebuild_facts(&state, stored.as_deref(), rating, refacts)?;
                if let Some(facts) = facts {
                    out.counted += 1;
                    changes.add_all(contributions(&facts).iter());
                    if changed {
                        out.facts_rewritten += 1;
                        rewrite.push(FactsRow::of(id, &facts)?);
                    }
                }
            }
            let flush = if changes.len() > REBUILD_FLUSH_ROWS {
                let rows = std::mem::take(&mut changes).into_rows();
                out.counter_rows += rows.len() as u64;
                rows
            } else {
                Vec::new()
            };
            write_rows(&mut tx, &rewrite, &flush).await?;
            progress(out.dossiers);
        }
        let rows = changes.into_rows();
        out.counter_rows += rows.len() as u64;
        write_rows(&mut tx, &[], &rows).await?;
        tx.commit().await.map_err(db_err)?;
        if out.dossiers > 0 {
            progress(out.dossiers);
        }
        Ok(out)
    }

    async fn kpi_baseline_scan(&self, period: &Period) -> StoreResult<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT competent_agency AS a, \
             SUM(CASE WHEN received_on BETWEEN ? AND ? THEN 1 ELSE 0 END) AS received, \
             SUM(CASE WHEN index_end_on BETWEEN ? AND ? AND (loses & ?) <> 0 THEN 1 ELSE 0 END) \
             AS late FROM kpi_facts GROUP BY competent_agency",
        )
        .bind(date_text(period.first_day()))
        .bind(date_text(period.last_day()))
        .bind(date_text(period.first_day()))
        .bind(date_text(period.last_day()))
        .bind(indicator_bit(Indicator::OnTime))
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| Ok((get(row, "a")?, get(row, "received")?, get(row, "late")?)))
            .collect()
    }

    async fn kpi_refresh_statistics(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn bulk_load_dossiers(
        &self,
        dossiers: Vec<NewDossier>,
        at: Timestamp,
        counters: BulkCounters,
    ) -> StoreResult<Vec<i64>> {
        if dossiers.is_empty() {
            return Ok(Vec::new());
        }
        let ratings: Vec<_> = dossiers.iter().map(bulk_rating).collect();
        let group = bulk_group(dossiers, at);
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)?;
        let counted = counters == BulkCounters::Added;
        let ids = bulk_ids(crate::dossiers::write_batched(&mut tx, &group, true, counted).await?)?;
        write_ratings(&mut tx, &bulk_rated(&ids, ratings)).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ids)
    }

    async fn begin_bulk_load(&self, plan: BulkLoad) -> StoreResult<()> {
        for pragma in BULK_PRAGMAS {
            sqlx::query(pragma)
                .execute(&self.writer)
                .await
                .map_err(db_err)?;
        }
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)?;
        if plan.owe_counters {
            sqlx::query(
                "INSERT INTO kpi_counters_owed (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
            )
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        let names: &[&str] = if plan.defer_indexes {
            DEFERRABLE_INDEXES
        } else {
            &[]
        };
        for name in names {
            let statement: Option<String> = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
            )
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let Some(statement) = statement else {
                continue;
            };
            sqlx::query(
                "INSERT INTO deferred_indexes (name, statement) VALUES (?, ?) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(statement)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query(&format!("DROP INDEX \"{name}\""))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn finish_bulk_load(&self) -> StoreResult<()> {
        restore_deferred_indexes(&self.writer).await?;
        for pragma in NORMAL_PRAGMAS {
            sqlx::query(pragma)
                .execute(&self.writer)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    async fn add_kpi_counters(&self, rows: &[CounterRow], settle: bool) -> StoreResult<()> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)?;
        write_rows(&mut tx, &[], rows).await?;
        if settle {
            sqlx::query("DELETE FROM kpi_counters_owed")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn kpi_counters_owed(&self) -> StoreResult<bool> {
        let owed: Option<i64> = sqlx::query_scalar("SELECT id FROM kpi_counters_owed")
            .fetch_optional(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(owed.is_some())
    }
}

/// The writer's settings during a bulk load: a 256 MiB page cache, so the b-trees of millions
/// of rows stay in memory between batches, and temporary b-trees in memory. Commits stay
/// `synchronous=FULL`.
const BULK_PRAGMAS: &[&str] = &["PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY"];
/// SQLite's defaults, restored after it.
const NORMAL_PRAGMAS: &[&str] = &["PRAGMA cache_size = -2000", "PRAGMA temp_store = DEFAULT"];

/// Builds the indexes a bulk load deferred (all of them, in one transaction) and forgets
/// them: at the end of the load, and when the store opens after an interrupted one.
pub(crate) async fn restore_deferred_indexes(writer: &sqlx::SqlitePool) -> StoreResult<()> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
    let deferred: Vec<(String, String)> =
        sqlx::query_as("SELECT name, statement FROM deferred_indexes ORDER BY name")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
    if deferred.is_empty() {
        return tx.rollback().await.map_err(db_err);
    }
    for (name, statement) in &deferred {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        if exists.is_none() {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
    }
    sqlx::query("DELETE FROM deferred_indexes")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}
