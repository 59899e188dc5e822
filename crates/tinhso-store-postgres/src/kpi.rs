//! KPI aggregates on PostgreSQL ([`tinhso_store::kpi`]): the rows a dossier write adds, the
//! reads of a period, the drill-down lists, the rebuild and the bulk load.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::PgConnection;
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

use crate::{date_text, db_err, get, parse_date, PostgresStore};

/// SQL (text) for the whole facts JSON of the `kpi_facts` row `$t` (a table name or alias):
/// the stored JSON with what the row's columns hold put back where it is absent
/// ([`FactsRow::of`] leaves it out; stored keys win). NULL when the row is missing.
macro_rules! facts_sql {
    ($t:literal) => {
        concat!(
            "jsonb_set(jsonb_build_object('received_on', ",
            $t,
            ".received_on, \
             'receiving_agency', ",
            $t,
            ".receiving_agency, 'competent_agency', ",
            $t,
            ".competent_agency, 'procedure_code', ",
            $t,
            ".procedure_code, 'commune_code', ",
            $t,
            ".commune_code, 'fields', ",
            $t,
            ".fields::jsonb) || ",
            $t,
            ".facts::jsonb, \
             '{extras}', jsonb_build_object('fields', ",
            $t,
            ".fields::jsonb, 'commune_code', ",
            $t,
            ".commune_code) || (",
            $t,
            ".facts::jsonb -> 'extras'))::text"
        )
    };
}
pub(crate) use facts_sql;

/// Rows per statement (arrays have no parameter limit; this bounds one statement's work).
const ROWS: usize = 20_000;

/// Upserts facts rows and adds counter rows, inside the caller's transaction. Counter rows
/// come sorted (see [`CounterChanges::into_rows`]) so concurrent transactions lock them in
/// one order.
pub(crate) async fn write_rows(
    conn: &mut PgConnection,
    facts: &[FactsRow],
    counters: &[CounterRow],
) -> StoreResult<()> {
    for chunk in facts.chunks(ROWS) {
        sqlx::query(
            "INSERT INTO kpi_facts (dossier_id, receiving_agency, competent_agency, \
             procedure_code, commune_code, fields, received_on, index_end_on, loses, facts) \
             SELECT i, r, c, p, cm, f, ro::date, ie::date, l, fj \
             FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[]) \
             AS u(i, r, c, p, cm, f, ro, ie, l, fj) \
             ON CONFLICT (dossier_id) DO UPDATE SET \
             receiving_agency = excluded.receiving_agency, \
             competent_agency = excluded.competent_agency, \
             procedure_code = excluded.procedure_code, commune_code = excluded.commune_code, \
             fields = excluded.fields, received_on = excluded.received_on, \
             index_end_on = excluded.index_end_on, loses = excluded.loses, facts = excluded.facts",
        )
        .bind(chunk.iter().map(|f| f.dossier_id).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|f| f.receiving.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|f| f.competent.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|f| f.procedure.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|f| f.commune.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|f| f.fields.as_str()).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|f| date_text(f.received_on))
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|f| f.index_end_on.map(date_text))
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|f| f.loses).collect::<Vec<_>>())
        .bind(chunk.iter().map(|f| f.facts.as_str()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    for chunk in counters.chunks(ROWS) {
        sqlx::query(
            "INSERT INTO kpi_counters (dim, kind, grain, day, metric, value) \
             SELECT d, k, g, dy::date, m, v \
             FROM UNNEST($1::text[], $2::text[], $3::smallint[], $4::text[], $5::text[], \
             $6::bigint[]) WITH ORDINALITY AS u(d, k, g, dy, m, v, i) ORDER BY i \
             ON CONFLICT (kind, grain, day, dim, metric) \
             DO UPDATE SET value = kpi_counters.value + excluded.value",
        )
        .bind(chunk.iter().map(|c| c.dim.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.kind).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.grain.code()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| date_text(c.day)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.metric.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.value).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// The stored facts of a dossier, inside the caller's transaction.
pub(crate) async fn stored_facts(
    conn: &mut PgConnection,
    dossier_id: i64,
) -> StoreResult<Option<KpiFacts>> {
    let text: Option<String> = sqlx::query_scalar(concat!(
        "SELECT ",
        facts_sql!("kpi_facts"),
        " FROM kpi_facts WHERE dossier_id = $1"
    ))
    .bind(dossier_id)
    .fetch_optional(conn)
    .await
    .map_err(db_err)?;
    text.as_deref().map(parse_facts).transpose()
}

/// Stores a dossier's new facts and adds the delta from `before` (one-by-one write path).
pub(crate) async fn apply_one(
    conn: &mut PgConnection,
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
async fn write_ratings(conn: &mut PgConnection, rows: &[(i64, u8, Timestamp)]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let when: Vec<String> = rows
        .iter()
        .map(|(_, _, w)| crate::timestamp_text(*w))
        .collect::<StoreResult<_>>()?;
    sqlx::query(
        "INSERT INTO dossier_ratings (dossier_id, rating, comment, rated_at) \
         SELECT d, r, '', w::timestamptz FROM UNNEST($1::bigint[], $2::smallint[], $3::text[]) \
         AS t (d, r, w)",
    )
    .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| i16::from(r.1)).collect::<Vec<_>>())
    .bind(when)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The WHERE condition of a scope and the value it binds. One dimension names its kind too
/// (a fixed word, written in the statement), the first column of the counters' primary key.
fn scope_filter(scope: &KpiScope) -> (String, String) {
    match scope {
        KpiScope::One(dim) => (
            format!("kind = '{}' AND dim = $1", DimensionKind::of(dim).key()),
            dim.key(),
        ),
        KpiScope::Every(kind) => ("kind = $1".to_string(), kind.key().to_string()),
    }
}

fn key_of(row: &sqlx::postgres::PgRow, day: jiff::civil::Date) -> StoreResult<CounterKey> {
    counter_key(
        &get::<String>(row, "dim")?,
        day,
        &get::<String>(row, "metric")?,
    )
}

#[async_trait]
impl KpiStore for PostgresStore {
    async fn kpi_counters(&self, q: &KpiQuery) -> StoreResult<GroupedCounters> {
        // One read-only snapshot for the flows and the gauges (a ranking's numbers come from
        // the same moment), without parallel workers: these reads touch a few thousand index
        // entries, and starting workers costs more than that (~10 ms here). The planner cannot
        // see that the partial gauge index leaves out most gauge rows (the rows at 0) and
        // otherwise plans a parallel scan for them.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let (filter, value) = scope_filter(&q.scope);
        let metric_keys = q.metric_keys();
        let mut sums = GroupedCountersBuilder::new();
        let mut metrics = HashMap::new();
        let flows = metric_keys.as_ref().is_none_or(|m| !m.is_empty());
        for seg in segments(&q.period, q.split).into_iter().filter(|_| flows) {
            let buckets = seg.bucket_days();
            let (days, next) = match &buckets {
                Some(_) => ("day = ANY($2::date[])", 3),
                None => ("day BETWEEN $2::date AND $3::date", 4),
            };
            let only = match &metric_keys {
                Some(_) => format!(" AND metric = ANY(${next}::text[])"),
                None => String::new(),
            };
            // The grain is written in the statement (not bound) so the planner knows it.
            let grain = seg.grain.code();
            let outcomes = q.outcomes_condition();
            // One row per dimension: its counters packed by string_agg (far fewer rows to
            // hand over than one per counter).
            // One bucket (a whole year, say) holds each (dimension, metric) once and needs no
            // day in the text: its rows are read as if labelled with that bucket's day.
            let single = buckets.as_ref().filter(|d| d.len() == 1).map(|d| d[0]);
            let label = seg.label.or(single);
            let sql = if seg.label.is_none() && single.is_some() {
                format!(
                    "SELECT dim, string_agg(metric || ' ' || value::text, ',') AS packed \
                     FROM kpi_counters WHERE {filter} AND grain = {grain} AND {days}{only}{outcomes} \
                     AND value <> 0 GROUP BY dim"
                )
            } else if seg.label.is_some() {
                format!(
                    "SELECT dim, string_agg(metric || ' ' || v::text, ',') AS packed FROM \
                     (SELECT dim, metric, SUM(value)::bigint AS v FROM kpi_counters \
                      WHERE {filter} AND grain = {grain} AND {days}{only}{outcomes} \
                      GROUP BY dim, metric HAVING SUM(value) <> 0) s GROUP BY dim"
                )
            } else {
                format!(
                    "SELECT dim, string_agg(metric || ' ' || to_char(day, 'YYYY-MM-DD') || ' ' \
                     || value::text, ',') AS packed FROM kpi_counters \
                     WHERE {filter} AND grain = {grain} AND {days}{only}{outcomes} AND value <> 0 \
                     GROUP BY dim"
                )
            };
            let mut query = sqlx::query(&sql).bind(value.as_str());
            query = match &buckets {
                Some(days) => query.bind(days.iter().map(|d| date_text(*d)).collect::<Vec<_>>()),
                None => query.bind(date_text(seg.from)).bind(date_text(seg.to)),
            };
            if let Some(keys) = &metric_keys {
                query = query.bind(keys.clone());
            }
            let rows = query.fetch_all(&mut *tx).await.map_err(db_err)?;
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
                 SUM(CASE WHEN metric = $2 THEN value ELSE 0 END)::bigint AS awaiting, \
                 SUM(CASE WHEN metric = $3 THEN value ELSE 0 END)::bigint AS supplement, \
                 SUM(CASE WHEN metric = $4 THEN value ELSE 0 END)::bigint AS fee, \
                 SUM(CASE WHEN left(metric, $5::int) = $6 THEN value ELSE 0 END)::bigint \
                 AS in_progress, \
                 SUM(CASE WHEN left(metric, $5::int) = $6 AND (day < $7::date OR (day = $7::date \
                 AND CAST(substr(metric, $5::int + 1) AS integer) < $8::int)) \
                 THEN value ELSE 0 END)::bigint AS overdue \
                 FROM kpi_counters WHERE {filter}{LIVE_GAUGES_CONDITION} GROUP BY dim"
            );
            let rows = sqlx::query(&sql)
                .bind(value.as_str())
                .bind(awaiting.as_str())
                .bind(supplement.as_str())
                .bind(fee.as_str())
                .bind(prefix.len() as i32)
                .bind(prefix.as_str())
                .bind(date_text(cut.day))
                .bind(i32::from(cut.slot))
                .fetch_all(&mut *tx)
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
        tx.commit().await.map_err(db_err)?;
        Ok(sums.finish())
    }

    async fn kpi_stored_counters(&self, grain: Grain) -> StoreResult<Vec<(CounterKey, i64)>> {
        let rows = sqlx::query(
            "SELECT dim, to_char(day, 'YYYY-MM-DD') AS day, metric, value FROM kpi_counters \
             WHERE grain = $1 AND value <> 0 ORDER BY dim, day, metric",
        )
        .bind(grain.code())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let day = parse_date(&get::<String>(row, "day")?)?;
                Ok((key_of(row, day)?, get::<i64>(row, "value")?))
            })
            .collect()
    }

    async fn kpi_facts(&self, dossier_id: i64) -> StoreResult<Option<KpiFacts>> {
        let text: Option<String> = sqlx::query_scalar(concat!(
            "SELECT ",
            facts_sql!("kpi_facts"),
            " FROM kpi_facts WHERE dossier_id = $1"
        ))
        .bind(dossier_id)
        .fetch_optional(&self.pool)
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
            Dimension::Province => ("TRUE", None),
            Dimension::ReceivingAgency(e) => ("receiving_agency = $1", Some(e.to_string())),
            Dimension::CompetentAgency(e) => ("competent_agency = $1", Some(e.to_string())),
            Dimension::Procedure(c) => ("procedure_code = $1", Some(c.to_string())),
            Dimension::Commune(c) => ("commune_code = $1", Some(c.clone())),
            Dimension::Field(f) => (
                "strpos(fields, $1) > 0",
                Some(serde_json::to_string(f).map_err(|e| StoreError::Other(e.to_string()))?),
            ),
        };
        // The province has no scope condition, and no parameter for it (so that even a
        // generic plan uses the day index alone): the others are numbered after it.
        let o = usize::from(value.is_some());
        let (first, last) = (
            date_text(q.period.first_day()),
            date_text(q.period.last_day()),
        );
        // Keyset pagination in (defining day, id) order: the page after a dossier starts
        // after its day and id, so an index on (scope, day, id, loses) is read from the
        // right place and stops after one page.
        let after = match q.after_id {
            Some(id) => {
                let sql = format!(
                    "SELECT to_char({day}, 'YYYY-MM-DD') FROM kpi_facts WHERE dossier_id = $1"
                );
                let at: Option<Option<String>> = sqlx::query_scalar(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                (at.flatten().unwrap_or_else(|| first.clone()), id)
            }
            None => (first.clone(), 0),
        };
        // The ids of one page first, from the index; then the facts of that page.
        let n = |i: usize| format!("${}", i + o);
        let sql = format!(
            "SELECT dossier_id FROM kpi_facts WHERE ({scope}) \
             AND {day} BETWEEN {}::date AND {}::date \
             AND ({day}, dossier_id) > ({}::date, {}) AND (loses & {}) <> 0 \
             ORDER BY {day}, dossier_id LIMIT {}",
            n(1),
            n(2),
            n(3),
            n(4),
            n(5),
            n(6)
        );
        let mut query = sqlx::query_scalar(&sql);
        if let Some(value) = &value {
            query = query.bind(value.as_str());
        }
        let ids: Vec<i64> = query
            .bind(first.as_str())
            .bind(last.as_str())
            .bind(after.0.as_str())
            .bind(after.1)
            .bind(indicator_bit(q.indicator))
            .bind(i64::from(q.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        // The whole facts, with what the row's columns hold put back (`facts_sql!`).
        let rows = sqlx::query(concat!(
            "SELECT dossier_id, ",
            facts_sql!("kpi_facts"),
            " AS facts FROM kpi_facts WHERE dossier_id = ANY($1)"
        ))
        .bind(ids.as_slice())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let stored = rows
            .iter()
            .map(|row| Ok((get(row, "dossier_id")?, get::<String>(row, "facts")?)))
            .collect::<StoreResult<Vec<_>>>()?;
        page_in_order(ids, stored)
    }

    async fn rebuild_kpi_aggregates(
        &self,
        refacts: Option<Refacts<'_>>,
        progress: Progress<'_>,
    ) -> StoreResult<KpiRebuild> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // The head lock every dossier write takes: writes wait for the rebuild.
        sqlx::query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")
            .execute(&mut *tx)
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
                " AS facts, r.rating::bigint AS stars, \
                 (extract(epoch FROM r.rated_at) * 1000000)::bigint AS rated_us \
                 FROM dossiers d LEFT JOIN kpi_facts f ON f.dossier_id = d.id \
                 LEFT JOIN dossier_ratings r ON r.dossier_id = d.id \
                 WHERE d.id > $1 ORDER BY d.id LIMIT $2"
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
             SUM(CASE WHEN received_on BETWEEN $1::date AND $2::date THEN 1 ELSE 0 END)::bigint \
             AS received, SUM(CASE WHEN index_end_on BETWEEN $1::date AND $2::date \
             AND (loses & $3) <> 0 THEN 1 ELSE 0 END)::bigint AS late \
             FROM kpi_facts GROUP BY competent_agency",
        )
        .bind(date_text(period.first_day()))
        .bind(date_text(period.last_day()))
        .bind(indicator_bit(Indicator::OnTime))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| Ok((get(row, "a")?, get(row, "received")?, get(row, "late")?)))
            .collect()
    }

    async fn kpi_refresh_statistics(&self) -> StoreResult<()> {
        // Outside a transaction (VACUUM cannot run in one).
        sqlx::query("VACUUM (ANALYZE) kpi_facts, kpi_counters")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let counted = counters == BulkCounters::Added;
        let ids = bulk_ids(crate::dossiers::write_batched(&mut tx, &group, true, counted).await?)?;
        write_ratings(&mut tx, &bulk_rated(&ids, ratings)).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ids)
    }

    async fn begin_bulk_load(&self, plan: BulkLoad) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
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
                "SELECT indexdef FROM pg_indexes \
                 WHERE schemaname = current_schema() AND indexname = $1",
            )
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let Some(statement) = statement else { continue };
            sqlx::query(
                "INSERT INTO deferred_indexes (name, statement) VALUES ($1, $2) \
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
        restore_deferred_indexes(&self.pool).await
    }

    async fn add_kpi_counters(&self, rows: &[CounterRow], settle: bool) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
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
        let owed: Option<i32> = sqlx::query_scalar("SELECT id FROM kpi_counters_owed")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(owed.is_some())
    }
}

/// Builds the indexes a bulk load deferred (all of them, in one transaction, with more memory
/// for the sorts) and forgets them: at the end of the load, and when a node connects after an
/// interrupted one (nodes connecting at once wait for each other on the rows).
pub(crate) async fn restore_deferred_indexes(pool: &sqlx::PgPool) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let deferred: Vec<(String, String)> =
        sqlx::query_as("SELECT name, statement FROM deferred_indexes ORDER BY name FOR UPDATE")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
    if deferred.is_empty() {
        return tx.rollback().await.map_err(db_err);
    }
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    for (name, statement) in &deferred {
        let exists: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
        )
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
