//! [`AccountStore`] on SQLite: citizen accounts, sign-in throttling, password resets and
//! notifications (migration `20261202000002_accounts.sql`).

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::sqlite::SqliteRow;
use tinhso_domain::identity::EidLevel;
use tinhso_store::accounts::{
    AccountStore, CitizenAccount, LoginFailures, Notification, NotificationChannel, PasswordReset,
    ResetOutcome,
};
use tinhso_store::dossiers::User;
use tinhso_store::StoreResult;

use crate::{corrupt, db_err, from_micros, get, micros, to_json, SqliteStore};

const ACCOUNT_COLUMNS: &str = "user_id, phone, email, eid_level, verified_at, created_at";

fn account_from_row(row: &SqliteRow) -> StoreResult<CitizenAccount> {
    let level: i64 = get(row, "eid_level")?;
    Ok(CitizenAccount {
        user_id: get(row, "user_id")?,
        phone: get(row, "phone")?,
        email: get(row, "email")?,
        eid_level: EidLevel::from_number(level).ok_or_else(|| corrupt("e-ID level", level))?,
        verified_at: get::<Option<i64>>(row, "verified_at")?
            .map(from_micros)
            .transpose()?,
        created_at: from_micros(get(row, "created_at")?)?,
    })
}

const RESET_COLUMNS: &str = "token_hash, user_id, created_at, expires_at, used_at";

fn reset_from_row(row: &SqliteRow) -> StoreResult<PasswordReset> {
    Ok(PasswordReset {
        token_hash: get(row, "token_hash")?,
        user_id: get(row, "user_id")?,
        created_at: from_micros(get(row, "created_at")?)?,
        expires_at: from_micros(get(row, "expires_at")?)?,
        used_at: get::<Option<i64>>(row, "used_at")?
            .map(from_micros)
            .transpose()?,
    })
}

fn notification_from_row(row: &SqliteRow) -> StoreResult<Notification> {
    let channel: String = get(row, "channel")?;
    Ok(Notification {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        channel: NotificationChannel::parse(&channel)
            .ok_or_else(|| corrupt("notification channel", &channel))?,
        recipient: get(row, "recipient")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        created_at: from_micros(get(row, "created_at")?)?,
        delivered_at: get::<Option<i64>>(row, "delivered_at")?
            .map(from_micros)
            .transpose()?,
    })
}

async fn insert_notification(
    tx: &mut sqlx::SqliteConnection,
    n: &Notification,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO notifications (user_id, channel, recipient, subject, body, created_at, \
         delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&n.user_id)
    .bind(n.channel.as_str())
    .bind(&n.recipient)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(micros(n.created_at))
    .bind(n.delivered_at.map(micros))
    .fetch_one(tx)
    .await
    .map_err(db_err)
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn register_citizen(
        &self,
        user: &User,
        account: &CitizenAccount,
        password_hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, name, agency, roles, created_at, disabled) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(user.agency.as_ref().map(ToString::to_string))
        .bind(to_json(&user.roles)?)
        .bind(micros(user.created_at))
        .bind(user.disabled)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(&format!(
            "INSERT INTO citizen_accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        ))
        .bind(&account.user_id)
        .bind(&account.phone)
        .bind(&account.email)
        .bind(i64::from(account.eid_level.number()))
        .bind(account.verified_at.map(micros))
        .bind(micros(account.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES (?, ?, ?)",
        )
        .bind(&user.id)
        .bind(password_hash)
        .bind(micros(account.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn citizen_account(&self, user_id: &str) -> StoreResult<Option<CitizenAccount>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM citizen_accounts WHERE user_id = ?"
        ))
        .bind(user_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn citizen_by_login(&self, login: &str) -> StoreResult<Option<CitizenAccount>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM citizen_accounts WHERE phone = ?1 OR email = ?1"
        ))
        .bind(login)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn record_eid_level(
        &self,
        user_id: &str,
        level: EidLevel,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE citizen_accounts SET eid_level = ?, verified_at = ? \
             WHERE user_id = ? AND eid_level < ?",
        )
        .bind(i64::from(level.number()))
        .bind((level > EidLevel::Level1).then(|| micros(at)))
        .bind(user_id)
        .bind(i64::from(level.number()))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn login_failures(&self, key: &str) -> StoreResult<Option<LoginFailures>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT failures, last_failure_at FROM login_attempts WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.reader)
                .await
                .map_err(db_err)?;
        row.map(failures_from).transpose()
    }

    async fn record_login_failure(
        &self,
        key: &str,
        at: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<LoginFailures> {
        let mut tx = self.begin_write().await?;
        let row: (i64, i64) = sqlx::query_as(
            "INSERT INTO login_attempts (key, failures, last_failure_at) VALUES (?1, 1, ?2) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN login_attempts.last_failure_at < ?3 THEN 1 \
                               ELSE login_attempts.failures + 1 END, \
               last_failure_at = MAX(login_attempts.last_failure_at, ?2) \
             RETURNING failures, last_failure_at",
        )
        .bind(key)
        .bind(micros(at))
        .bind(micros(forget_before))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        failures_from(row)
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_attempts WHERE key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn add_password_reset(
        &self,
        reset: &PasswordReset,
        notification: &Notification,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO password_resets ({RESET_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
        ))
        .bind(&reset.token_hash)
        .bind(&reset.user_id)
        .bind(micros(reset.created_at))
        .bind(micros(reset.expires_at))
        .bind(reset.used_at.map(micros))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let id = insert_notification(&mut tx, notification).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordReset>> {
        let row = sqlx::query(&format!(
            "SELECT {RESET_COLUMNS} FROM password_resets WHERE token_hash = ?"
        ))
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(reset_from_row).transpose()
    }

    async fn use_password_reset(
        &self,
        token_hash: &str,
        new_password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<ResetOutcome> {
        // BEGIN IMMEDIATE holds the write lock: the check and the update cannot interleave
        // with another use of the same token.
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {RESET_COLUMNS} FROM password_resets WHERE token_hash = ?"
        ))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let Some(reset) = row.as_ref().map(reset_from_row).transpose()? else {
            return Ok(ResetOutcome::Unknown);
        };
        if reset.used_at.is_some() {
            return Ok(ResetOutcome::AlreadyUsed);
        }
        if reset.expires_at <= now {
            return Ok(ResetOutcome::Expired);
        }
        sqlx::query("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL")
            .bind(micros(now))
            .bind(&reset.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, \
             updated_at = excluded.updated_at",
        )
        .bind(&reset.user_id)
        .bind(new_password_hash)
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(&reset.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        tx.commit().await.map_err(db_err)?;
        Ok(ResetOutcome::Done {
            user_id: reset.user_id,
            sessions_ended: ended,
        })
    }

    async fn add_notification(&self, notification: &Notification) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = insert_notification(&mut tx, notification).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn notifications(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, user_id, channel, recipient, subject, body, created_at, delivered_at \
             FROM notifications ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter().map(notification_from_row).collect()
    }
}

fn failures_from((failures, last): (i64, i64)) -> StoreResult<LoginFailures> {
    Ok(LoginFailures {
        failures: u32::try_from(failures).map_err(|e| corrupt("failure count", e))?,
        last_failure_at: from_micros(last)?,
    })
}
