//! [`SessionStore`] on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use tinhso_store::dossiers::User;
use tinhso_store::sessions::{NewSession, SessionStore};
use tinhso_store::StoreResult;

use crate::dossiers::{user_from_row, USER_COLUMNS};
use crate::{db_err, micros, SqliteStore};

#[async_trait]
impl SessionStore for SqliteStore {
    async fn set_password_hash(&self, user_id: &str, hash: &str, at: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(hash)
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn password_hash(&self, user_id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM credentials WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db_err)
    }

    async fn create_session(&self, s: &NewSession) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(micros(s.created_at))
        .bind(micros(s.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn session_user(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0"
        ))
        .bind(id_hash)
        .bind(micros(now))
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
