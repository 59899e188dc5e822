//! Browser sign-in: Argon2id passwords and sessions.
//!
//! - A password is stored as an Argon2id PHC string (19 MiB, 2 passes, 1 lane: the OWASP
//!   minimum for Argon2id), with a 16-byte random salt.
//! - A session is 32 random bytes, sent to the browser as 64 hex digits in an HttpOnly cookie;
//!   the store keeps only its SHA-256, with an absolute end (`session_hours`).
//! - A failed sign-in says only "wrong account or password", whether the account exists or not,
//!   and takes as long either way (a dummy hash is verified for unknown accounts).
//! - CSRF tokens of signed-in pages are derived from the session token ([`csrf_token`]), so
//!   they need no storage and die with the session.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use tinhso_domain::identity::PasswordProblem;
use tinhso_store::dossiers::User;
use tinhso_store::sessions::NewSession;
use tinhso_store::StoreError;

use crate::identity::{random_bytes, token_hash};
use crate::App;

/// What signing in (or setting a password) can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Unknown account, no password, wrong password or disabled account: deliberately one case.
    #[error("Sai tài khoản hoặc mật khẩu / Wrong account or password")]
    WrongCredentials,
    #[error("Mật khẩu không hợp lệ: {0} / Invalid password: {0}")]
    WeakPassword(&'static str),
    #[error("Không có người dùng này / No such user")]
    UserNotFound,
    #[error("Không tạo được số ngẫu nhiên / No randomness available: {0}")]
    Randomness(String),
    #[error("Không băm được mật khẩu / Password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new sign-in: the token goes into the cookie, once.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub user: User,
    pub expires_at: jiff::Timestamp,
}

/// Shortest and longest password accepted: the one policy of
/// [`tinhso_domain::identity::check_password`] (10–128 characters), re-exported for messages.
pub const PASSWORD_MIN_CHARS: usize = tinhso_domain::identity::MIN_PASSWORD_CHARS;
pub const PASSWORD_MAX_CHARS: usize = tinhso_domain::identity::MAX_PASSWORD_CHARS;

fn argon2() -> Argon2<'static> {
    // 19 MiB, t = 2, p = 1: constants inside the documented ranges, so `new` cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the platform's one password policy
/// ([`tinhso_domain::identity::check_password`]): `identifiers` are strings it must not contain
/// (the user id, phone number, e-mail name).
pub fn check_password(password: &str, identifiers: &[&str]) -> Result<(), SessionError> {
    tinhso_domain::identity::check_password(password, identifiers)
        .map_err(|p| SessionError::WeakPassword(password_problem_message(p)))
}

/// The bilingual message of a refused password.
pub fn password_problem_message(p: PasswordProblem) -> &'static str {
    match p {
        PasswordProblem::TooShort => "cần ít nhất 10 ký tự / at least 10 characters",
        PasswordProblem::TooLong => "tối đa 128 ký tự / at most 128 characters",
        PasswordProblem::TooRepetitive => "quá ít ký tự khác nhau / too few different characters",
        PasswordProblem::TooCommon => {
            "là một mật khẩu quá phổ biến / one of the most common passwords"
        }
        PasswordProblem::ContainsIdentifier => {
            "không được chứa tên tài khoản / must not contain the account name"
        }
    }
}

/// The Argon2id PHC string of `password`.
pub fn hash_password(password: &str) -> Result<String, SessionError> {
    let salt = random_bytes::<16>().map_err(SessionError::Randomness)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| SessionError::Hashing(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| SessionError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash verified when the account does not exist, so both answers take as long.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("dummy-password-never-matches").unwrap_or_default())
}

/// The CSRF token of a session: SHA-256 of a label and the session token (hex).
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tinhso csrf v1\0");
    h.update(session_token.as_bytes());
    hex::encode(h.finalize())
}

impl App {
    /// Sets a user's password (policy checked) and ends their other sessions.
    pub async fn set_password(&self, user_id: &str, password: &str) -> Result<(), SessionError> {
        check_password(password, &[user_id])?;
        if self.store.user(user_id).await?.is_none() {
            return Err(SessionError::UserNotFound);
        }
        let hash = hash_password(password)?;
        self.store
            .set_password_hash(user_id, &hash, self.clock.now())
            .await?;
        self.store.delete_user_sessions(user_id).await?;
        Ok(())
    }

    /// Signs a user in with their id and password: a new session.
    pub async fn sign_in(&self, user_id: &str, password: &str) -> Result<SignedIn, SessionError> {
        let user_id = user_id.trim();
        let stored = if user_id.is_empty() || user_id.len() > 128 {
            None
        } else {
            self.store.password_hash(user_id).await?
        };
        let user = match &stored {
            Some(_) => self.store.user(user_id).await?,
            None => None,
        };
        let ok = verify_password(password, stored.as_deref().unwrap_or_else(|| dummy_hash()));
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            _ => return Err(SessionError::WrongCredentials),
        };
        let token = hex::encode(random_bytes::<32>().map_err(SessionError::Randomness)?);
        let now = self.clock.now();
        let expires_at = now + SignedDuration::from_hours(i64::from(self.settings.session_hours));
        self.store
            .create_session(&NewSession {
                id_hash: token_hash(&token),
                user_id: user.id.clone(),
                created_at: now,
                expires_at,
            })
            .await?;
        tracing::info!(user = %user.id, "signed in / đã đăng nhập");
        Ok(SignedIn {
            token,
            user,
            expires_at,
        })
    }

    /// The user of a live session token, if any.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>, SessionError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(self
            .store
            .session_user(&token_hash(token), self.clock.now())
            .await?)
    }

    /// Ends one session (sign out).
    pub async fn sign_out(&self, token: &str) -> Result<(), SessionError> {
        self.store.delete_session(&token_hash(token)).await?;
        Ok(())
    }

    /// Ends every session of a user (sign out everywhere); how many were ended.
    pub async fn sign_out_everywhere(&self, user_id: &str) -> Result<u64, SessionError> {
        Ok(self.store.delete_user_sessions(user_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("mật khẩu dài").expect("hash");
        let b = hash_password("mật khẩu dài").expect("hash");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_password("mật khẩu dài", &a));
        assert!(!verify_password("mat khau dai", &a));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn password_rules() {
        // The one policy of the domain, for staff as for citizens.
        assert!(check_password("1234567", &[]).is_err());
        assert!(check_password("Khanh-Hoa", &[]).is_err(), "9 characters");
        assert!(check_password("aaaaaaaaaa", &[]).is_err());
        assert!(check_password(&"ab".repeat(65), &[]).is_err());
        assert!(check_password("Khanh-Hoa-2026", &[]).is_ok());
        assert!(matches!(
            check_password("cv-phukhuong-2026", &["cv-phukhuong"]),
            Err(SessionError::WeakPassword(m)) if m.contains("account name")
        ));
        // Ten characters, not ten bytes.
        assert!(check_password("đường hẻm!", &[]).is_ok());
    }

    #[test]
    fn csrf_token_is_bound_to_the_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
    }
}
