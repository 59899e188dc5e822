//! Citizen accounts, sign-in throttling, password resets and the notification mailbox.
//!
//! - A **citizen account** is a [`User`] with the `applicant` role plus how they sign in (a
//!   mobile number or an e-mail address, each unique) and their e-ID level (NĐ 69/2024): 1 when
//!   registered, 2 once the personal ID number, name and date of birth were verified against
//!   the population data. Only the level and the moment of verification are kept — not the
//!   number, the name as verified or the date of birth (Luật 91/2025: no more personal data
//!   than the purpose needs).
//! - **Sign-in throttling** counts failures per key (an account, a client address; the app
//!   hashes them) in the database, so every node sees the same counts.
//! - A **password reset** is stored by the SHA-256 of its one-time token, with an expiry, and
//!   is used at most once: [`AccountStore::use_password_reset`] sets the new password, ends
//!   every session of the user and spends the token in one transaction.
//! - **Notifications** are messages to a person (the reset link), written in the same
//!   transaction as what they announce; a sender delivers them, and the development mailbox
//!   (`/dev/hop-thu`) shows them.

use async_trait::async_trait;
use jiff::Timestamp;
use tinhso_domain::identity::EidLevel;

use crate::dossiers::User;
use crate::StoreResult;

/// How a citizen signs in, and how far their identity was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenAccount {
    pub user_id: String,
    /// Normalized `0xxxxxxxxx` (tinhso_domain::identity::PhoneNumber), unique.
    pub phone: Option<String>,
    /// Lower-cased (tinhso_domain::identity::EmailAddress), unique.
    pub email: Option<String>,
    pub eid_level: EidLevel,
    /// When the identity was verified (level 2).
    pub verified_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// Sign-in failures counted under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: u32,
    pub last_failure_at: Timestamp,
}

/// A password reset, by the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set once the token was used.
    pub used_at: Option<Timestamp>,
}

/// How a notification reaches its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationChannel {
    Sms,
    Email,
}

impl NotificationChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "email" => Some(Self::Email),
            _ => None,
        }
    }
}

/// A message to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Set by the store on insert (0 before).
    pub id: i64,
    pub user_id: Option<String>,
    pub channel: NotificationChannel,
    /// Phone number or e-mail address (personal data: shown only in the dev mailbox).
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

/// What using a password reset token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The password was changed; every session of the user was ended (how many).
    Done {
        user_id: String,
        sessions_ended: u64,
    },
    /// No such token.
    Unknown,
    /// Used before.
    AlreadyUsed,
    /// Expired before `now`.
    Expired,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Records a new citizen: the user, its account and its password hash, in one
    /// transaction. A user id, phone number or e-mail address already taken is a
    /// [`crate::StoreError::Conflict`], and nothing is written.
    async fn register_citizen(
        &self,
        user: &User,
        account: &CitizenAccount,
        password_hash: &str,
    ) -> StoreResult<()>;
    /// The citizen account of a user.
    async fn citizen_account(&self, user_id: &str) -> StoreResult<Option<CitizenAccount>>;
    /// The account whose phone number or e-mail address is exactly `login` (normalized).
    async fn citizen_by_login(&self, login: &str) -> StoreResult<Option<CitizenAccount>>;
    /// Raises an account to `level`, verified at `at`. Never lowers a level; false when the
    /// account does not exist or already had that level or higher.
    async fn record_eid_level(
        &self,
        user_id: &str,
        level: EidLevel,
        at: Timestamp,
    ) -> StoreResult<bool>;

    /// The failures counted under `key`, if any.
    async fn login_failures(&self, key: &str) -> StoreResult<Option<LoginFailures>>;
    /// Counts one more failure under `key` at `at`, atomically (concurrent failures on several
    /// nodes all count). A count whose last failure is older than `forget_before` restarts
    /// at 1. Returns the new count.
    async fn record_login_failure(
        &self,
        key: &str,
        at: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<LoginFailures>;
    /// Forgets the failures under `key` (after a successful sign-in).
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()>;

    /// Records a password reset and the notification carrying its link, in one transaction.
    /// Returns the notification's id. An unknown user is a conflict.
    async fn add_password_reset(
        &self,
        reset: &PasswordReset,
        notification: &Notification,
    ) -> StoreResult<i64>;
    /// A reset by its token hash.
    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordReset>>;
    /// Uses a reset token at `now`: when it is known, unused and not expired, in one
    /// transaction marks it used (with every other unused reset of the user), sets the
    /// user's password hash and ends all their sessions. Exactly one of two concurrent uses
    /// succeeds.
    async fn use_password_reset(
        &self,
        token_hash: &str,
        new_password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<ResetOutcome>;

    /// Records a notification on its own; returns its id.
    async fn add_notification(&self, notification: &Notification) -> StoreResult<i64>;
    /// The latest notifications, newest first.
    async fn notifications(&self, limit: u32) -> StoreResult<Vec<Notification>>;
}
