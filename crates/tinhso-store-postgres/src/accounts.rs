//! [`AccountStore`] on PostgreSQL: citizen accounts, sign-in throttling, password resets and
//! notifications (migration `20261202000002_accounts.sql`; same meaning as on SQLite).

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::postgres::PgRow;
use tinhso_domain::identity::EidLevel;
use tinhso_store::accounts::{
    AccountStore, CitizenAccount, LoginFailures, Notification, NotificationChannel, PasswordReset,
    ResetOutcome,
};
use tinhso_store::dossiers::User;
use tinhso_store::StoreResult;

use crate::{corrupt, db_err, from_micros, get, timestamp_text, to_json, PostgresStore};

/// `column` as integer microseconds since the epoch, named `column_us`.
fn us(column: &str) -> String {
    format!("(extract(epoch FROM {column}) * 1000000)::bigint AS {column}_us")
}

fn account_select() -> String {
    format!(
        "SELECT user_id, phone, email, eid_level, {}, {} FROM citizen_accounts",
        us("verified_at"),
        us("created_at")
    )
}

fn account_from_row(row: &PgRow) -> StoreResult<CitizenAccount> {
    let level: i16 = get(row, "eid_level")?;
    Ok(CitizenAccount {
        user_id: get(row, "user_id")?,
        phone: get(row, "phone")?,
        email: get(row, "email")?,
        eid_level: EidLevel::from_number(i64::from(level))
            .ok_or_else(|| corrupt("e-ID level", level))?,
        verified_at: get::<Option<i64>>(row, "verified_at_us")?
            .map(from_micros)
            .transpose()?,
        created_at: from_micros(get(row, "created_at_us")?)?,
    })
}

fn reset_select() -> String {
    format!(
        "SELECT token_hash, user_id, {}, {}, {} FROM password_resets",
        us("created_at"),
        us("expires_at"),
        us("used_at")
    )
}

fn reset_from_row(row: &PgRow) -> StoreResult<PasswordReset> {
    Ok(PasswordReset {
        token_hash: get(row, "token_hash")?,
        user_id: get(row, "user_id")?,
        created_at: from_micros(get(row, "created_at_us")?)?,
        expires_at: from_micros(get(row, "expires_at_us")?)?,
        used_at: get::<Option<i64>>(row, "used_at_us")?
            .map(from_micros)
            .transpose()?,
    })
}

fn notification_from_row(row: &PgRow) -> StoreResult<Notification> {
    let channel: String = get(row, "channel")?;
    Ok(Notification {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        channel: NotificationChannel::parse(&channel)
            .ok_or_else(|| corrupt("notification channel", &channel))?,
        recipient: get(row, "recipient")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        created_at: from_micros(get(row, "created_at_us")?)?,
        delivered_at: get::<Option<i64>>(row, "delivered_at_us")?
            .map(from_micros)
            .transpose()?,
    })
}

fn optional_text(t: Option<Timestamp>) -> StoreResult<Option<String>> {
    t.map(timestamp_text).transpose()
}

async fn insert_notification(conn: &mut sqlx::PgConnection, n: &Notification) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO notifications (user_id, channel, recipient, subject, body, created_at, \
         delivered_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz) RETURNING id",
    )
    .bind(&n.user_id)
    .bind(n.channel.as_str())
    .bind(&n.recipient)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(timestamp_text(n.created_at)?)
    .bind(optional_text(n.delivered_at)?)
    .fetch_one(conn)
    .await
    .map_err(db_err)
}

#[async_trait]
impl AccountStore for PostgresStore {
    async fn register_citizen(
        &self,
        user: &User,
        account: &CitizenAccount,
        password_hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, name, agency, roles, created_at, disabled) \
             VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6)",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(user.agency.as_ref().map(ToString::to_string))
        .bind(to_json(&user.roles)?)
        .bind(timestamp_text(user.created_at)?)
        .bind(user.disabled)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO citizen_accounts (user_id, phone, email, eid_level, verified_at, \
             created_at) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz)",
        )
        .bind(&account.user_id)
        .bind(&account.phone)
        .bind(&account.email)
        .bind(i16::from(account.eid_level.number()))
        .bind(optional_text(account.verified_at)?)
        .bind(timestamp_text(account.created_at)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) \
             VALUES ($1, $2, $3::timestamptz)",
        )
        .bind(&user.id)
        .bind(password_hash)
        .bind(timestamp_text(account.created_at)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn citizen_account(&self, user_id: &str) -> StoreResult<Option<CitizenAccount>> {
        let row = sqlx::query(&format!("{} WHERE user_id = $1", account_select()))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn citizen_by_login(&self, login: &str) -> StoreResult<Option<CitizenAccount>> {
        let row = sqlx::query(&format!(
            "{} WHERE phone = $1 OR email = $1",
            account_select()
        ))
        .bind(login)
        .fetch_optional(&self.pool)
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
        let verified_at = if level > EidLevel::Level1 {
            Some(timestamp_text(at)?)
        } else {
            None
        };
        let done = sqlx::query(
            "UPDATE citizen_accounts SET eid_level = $1, verified_at = $2::timestamptz \
             WHERE user_id = $3 AND eid_level < $1",
        )
        .bind(i16::from(level.number()))
        .bind(verified_at)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn login_failures(&self, key: &str) -> StoreResult<Option<LoginFailures>> {
        let row: Option<(i32, i64)> = sqlx::query_as(
            "SELECT failures, (extract(epoch FROM last_failure_at) * 1000000)::bigint \
             FROM login_attempts WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
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
        // One statement: concurrent failures on several nodes serialize on the row.
        let row: (i32, i64) = sqlx::query_as(
            "INSERT INTO login_attempts AS a (key, failures, last_failure_at) \
             VALUES ($1, 1, $2::timestamptz) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN a.last_failure_at < $3::timestamptz THEN 1 \
                               ELSE a.failures + 1 END, \
               last_failure_at = GREATEST(a.last_failure_at, EXCLUDED.last_failure_at) \
             RETURNING failures, (extract(epoch FROM last_failure_at) * 1000000)::bigint",
        )
        .bind(key)
        .bind(timestamp_text(at)?)
        .bind(timestamp_text(forget_before)?)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        failures_from(row)
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_attempts WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn add_password_reset(
        &self,
        reset: &PasswordReset,
        notification: &Notification,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5::timestamptz)",
        )
        .bind(&reset.token_hash)
        .bind(&reset.user_id)
        .bind(timestamp_text(reset.created_at)?)
        .bind(timestamp_text(reset.expires_at)?)
        .bind(optional_text(reset.used_at)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let id = insert_notification(&mut tx, notification).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordReset>> {
        let row = sqlx::query(&format!("{} WHERE token_hash = $1", reset_select()))
            .bind(token_hash)
            .fetch_optional(&self.pool)
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
        let mut tx = self.begin().await?;
        // FOR UPDATE: a concurrent use of the same token waits here, then sees it used.
        let row = sqlx::query(&format!(
            "{} WHERE token_hash = $1 FOR UPDATE",
            reset_select()
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
        let now_text = timestamp_text(now)?;
        sqlx::query(
            "UPDATE password_resets SET used_at = $1::timestamptz \
             WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(&now_text)
        .bind(&reset.user_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at) \
             VALUES ($1, $2, $3::timestamptz) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, \
             updated_at = EXCLUDED.updated_at",
        )
        .bind(&reset.user_id)
        .bind(new_password_hash)
        .bind(&now_text)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
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
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        insert_notification(&mut conn, notification).await
    }

    async fn notifications(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT id, user_id, channel, recipient, subject, body, {}, {} \
             FROM notifications ORDER BY id DESC LIMIT $1",
            us("created_at"),
            us("delivered_at")
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(notification_from_row).collect()
    }
}

fn failures_from((failures, last): (i32, i64)) -> StoreResult<LoginFailures> {
    Ok(LoginFailures {
        failures: u32::try_from(failures).map_err(|e| corrupt("failure count", e))?,
        last_failure_at: from_micros(last)?,
    })
}
