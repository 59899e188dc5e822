//! [`RatingStore`] on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use tinhso_store::kpi::rated_facts;
use tinhso_store::ratings::{DossierRating, RatingStore};
use tinhso_store::{StoreError, StoreResult};

use crate::{db_err, from_micros, micros, SqliteStore};

#[async_trait]
impl RatingStore for SqliteStore {
    async fn rate_dossier(&self, r: &DossierRating) -> StoreResult<()> {
        if !(1..=5).contains(&r.rating) {
            return Err(StoreError::Conflict(format!(
                "rating {} outside 1–5",
                r.rating
            )));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO dossier_ratings (dossier_id, rating, comment, rated_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(r.dossier_id)
        .bind(i64::from(r.rating))
        .bind(&r.comment)
        .bind(micros(r.rated_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        // Issue 5: the satisfaction counters move in the same transaction as the rating.
        if let Some(before) = crate::kpi::stored_facts(&mut tx, r.dossier_id).await? {
            let after = rated_facts(&before, r);
            crate::kpi::apply_one(&mut tx, r.dossier_id, Some(&before), &after).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn dossier_rating(&self, dossier_id: i64) -> StoreResult<Option<DossierRating>> {
        let row = sqlx::query(
            "SELECT dossier_id, rating, comment, rated_at FROM dossier_ratings \
             WHERE dossier_id = ?",
        )
        .bind(dossier_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let rating: i64 = row.try_get("rating").map_err(db_err)?;
        Ok(Some(DossierRating {
            dossier_id: row.try_get("dossier_id").map_err(db_err)?,
            rating: u8::try_from(rating)
                .map_err(|_| StoreError::Corrupt(format!("stored rating {rating}")))?,
            comment: row.try_get("comment").map_err(db_err)?,
            rated_at: from_micros(row.try_get("rated_at").map_err(db_err)?)?,
        }))
    }
}
