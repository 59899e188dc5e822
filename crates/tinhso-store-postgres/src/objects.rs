//! [`ObjectRefStore`] on PostgreSQL: the attachments cited in `dossier_events.attachments` (jsonb).

use std::collections::BTreeSet;

use async_trait::async_trait;
use tinhso_store::objects::ObjectRefStore;
use tinhso_store::StoreResult;

use crate::{db_err, PostgresStore};

#[async_trait]
impl ObjectRefStore for PostgresStore {
    async fn referenced_objects(&self, sha256_hex: &[String]) -> StoreResult<BTreeSet<String>> {
        if sha256_hex.is_empty() {
            return Ok(BTreeSet::new());
        }
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT a->>'sha256' FROM dossier_events e, \
             jsonb_array_elements(e.attachments) a \
             WHERE jsonb_array_length(e.attachments) > 0 AND a->>'sha256' = ANY($1)",
        )
        .bind(sha256_hex)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(found.into_iter().collect())
    }
}
