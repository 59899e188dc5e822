//! [`SessionStore`] on PostgreSQL.

use async_trait::async_trait;
use jiff::Timestamp;
use tinhso_store::dossiers::User;
use tinhso_store::sessions::{NewSession, SessionStore};
use tinhso_store::StoreResult;

use crate::dossiers::{user_columns, user_from_row};
use crate::{db_err, timestamp_text, PostgresStore};

#[async_trait]
impl SessionStore for PostgresStore {
    async fn set_password_hash(&self, user_id: &str, hash: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) \
             VALUES ($1, $2, $3::timestamptz) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, \
             updated_at = EXCLUDED.updated_at",
        )
        .bind(user_id)
        .bind(hash)
        .bind(timestamp_text(at)?)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn password_hash(&self, user_id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM credentials WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn create_session(&self, s: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3::timestamptz, $4::timestamptz)",
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(timestamp_text(s.created_at)?)
        .bind(timestamp_text(s.expires_at)?)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn session_user(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2::timestamptz AND NOT u.disabled",
            user_columns()
        ))
        .bind(id_hash)
        .bind(timestamp_text(now)?)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1::timestamptz")
            .bind(timestamp_text(now)?)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
