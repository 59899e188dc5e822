//! Browser sign-in: password hashes and sessions.
//!
//! Only hashes are stored: the Argon2id PHC string of a password (computed by `tinhso-app`),
//! and the SHA-256 of a session token (the token lives only in the browser's cookie). A copy of
//! the database therefore neither reveals passwords nor lets anyone sign in as a user.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::dossiers::User;
use crate::StoreResult;

/// A session to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 (hex) of the session token.
    pub id_hash: String,
    pub user_id: String,
    pub created_at: Timestamp,
    /// Absolute end: the session is worthless after this instant.
    pub expires_at: Timestamp,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Sets (or replaces) the password hash of a user. An unknown user is a
    /// [`crate::StoreError::Conflict`].
    async fn set_password_hash(&self, user_id: &str, hash: &str, at: Timestamp) -> StoreResult<()>;
    /// The stored password hash, if the user has a password.
    async fn password_hash(&self, user_id: &str) -> StoreResult<Option<String>>;
    /// Records a session. A hash already stored, or an unknown user, is a conflict.
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// The user of a live session: not expired at `now`, user not disabled.
    async fn session_user(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<User>>;
    /// Ends one session; whether it existed.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// Ends every session of a user (sign out everywhere); how many there were.
    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<u64>;
    /// Forgets sessions that expired before `now`; how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64>;
}
