//! [`ObjectRefStore`] on SQLite: the attachments cited in `dossier_events.attachments` (JSON).

use std::collections::BTreeSet;

use async_trait::async_trait;
use tinhso_store::objects::ObjectRefStore;
use tinhso_store::StoreResult;

use crate::{db_err, SqliteStore};

#[async_trait]
impl ObjectRefStore for SqliteStore {
    async fn referenced_objects(&self, sha256_hex: &[String]) -> StoreResult<BTreeSet<String>> {
        if sha256_hex.is_empty() {
            return Ok(BTreeSet::new());
        }
        // The hashes travel as one JSON array parameter, whatever their number.
        let wanted = serde_json::to_string(sha256_hex)
            .map_err(|e| tinhso_store::StoreError::Other(e.to_string()))?;
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT json_extract(a.value, '$.sha256') FROM dossier_events e, \
             json_each(e.attachments) a \
             WHERE json_array_length(e.attachments) > 0 \
               AND json_extract(a.value, '$.sha256') IN (SELECT value FROM json_each(?))",
        )
        .bind(wanted)
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        Ok(found.into_iter().collect())
    }
}
