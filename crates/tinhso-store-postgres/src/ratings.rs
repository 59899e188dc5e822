//! [`RatingStore`] on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use tinhso_store::kpi::rated_facts;
use tinhso_store::ratings::{DossierRating, RatingStore};
use tinhso_store::{StoreError, StoreResult};

use crate::{db_err, from_micros, timestamp_text, PostgresStore};

#[async_trait]
impl RatingStore for PostgresStore {
    async fn rate_dossier(&self, r: &DossierRating) -> StoreResult<()> {
        if !(1..=5).contains(&r.rating) {
            return Err(StoreError::Conflict(format!(
                "rating {} outside 1–5",
                r.rating
            )));
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // The head lock every dossier write takes: the facts read below cannot change under
        // us, and the counter rows are not locked in another order (issue 5).
        sqlx::query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO dossier_ratings (dossier_id, rating, comment, rated_at) \
             VALUES ($1, $2, $3, $4::timestamptz)",
        )
        .bind(r.dossier_id)
        .bind(i16::from(r.rating))
        .bind(&r.comment)
        .bind(timestamp_text(r.rated_at)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        // The satisfaction counters move in the same transaction as the rating.
        if let Some(before) = crate::kpi::stored_facts(&mut tx, r.dossier_id).await? {
            let after = rated_facts(&before, r);
            crate::kpi::apply_one(&mut tx, r.dossier_id, Some(&before), &after).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn dossier_rating(&self, dossier_id: i64) -> StoreResult<Option<DossierRating>> {
        let row = sqlx::query(
            "SELECT dossier_id, rating, comment, \
             (extract(epoch FROM rated_at) * 1000000)::bigint AS rated_us \
             FROM dossier_ratings WHERE dossier_id = $1",
        )
        .bind(dossier_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let rating: i16 = row.try_get("rating").map_err(db_err)?;
        Ok(Some(DossierRating {
            dossier_id: row.try_get("dossier_id").map_err(db_err)?,
            rating: u8::try_from(rating)
                .map_err(|_| StoreError::Corrupt(format!("stored rating {rating}")))?,
            comment: row.try_get("comment").map_err(db_err)?,
            rated_at: from_micros(row.try_get("rated_us").map_err(db_err)?)?,
        }))
    }
}
