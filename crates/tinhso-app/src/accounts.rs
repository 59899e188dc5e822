//! Citizen accounts (tài khoản công dân): registration with a mobile number or an e-mail
//! address (e-ID level 1), identity verification against the population data source (level 2,
//! NĐ 69/2024, domain.md §7), sign-in throttling shared by every node, password reset through
//! a notification with a one-time link, and officers' initial passwords.
//!
//! What is kept: the login (phone or e-mail), the name the citizen gave, the e-ID level and
//! when it was verified. The personal ID number and date of birth are sent to the population
//! data source and forgotten (Luật 91/2025: no more personal data than the purpose needs).
//!
//! Sign-in throttling: failures are counted per account (the login as typed, normalized, so an
//! unknown account is throttled exactly like a known one) and per client address, in the
//! database. From the [`ACCOUNT_FREE_FAILURES`]th failure on an account (the
//! [`ADDRESS_FREE_FAILURES`]th from one address) every further attempt waits 30 s, doubling
//! each failure up to 15 minutes ([`lockout`]); a success clears the account's count, an hour
//! without failures forgets it.

use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use tinhso_domain::dossier::Role;
use tinhso_domain::identity::{
    check_password, EidLevel, IdentityInputError, LoginIdentifier, PasswordProblem,
    PersonalIdNumber,
};
use tinhso_store::accounts::{
    CitizenAccount, Notification, NotificationChannel, PasswordReset, ResetOutcome,
};
use tinhso_store::dossiers::User;
use tinhso_store::StoreError;

use crate::identity::{random_bytes, token_hash, IdentityError, NewUser};
use crate::population::{CitizenQuery, PopulationError};
use crate::sessions::{hash_password, SessionError, SignedIn};
use crate::App;

/// Failures on one account before attempts are slowed down.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures from one client address (many accounts) before attempts are slowed down.
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// Failed identity verifications of one account before it must wait.
pub const VERIFY_FREE_FAILURES: u32 = 3;
/// Password reset messages per account before further requests are quietly dropped.
pub const RESET_FREE_REQUESTS: u32 = 3;
/// The first wait, doubled at each further failure, and the longest.
pub const FIRST_LOCKOUT: SignedDuration = SignedDuration::from_secs(30);
pub const MAX_LOCKOUT: SignedDuration = SignedDuration::from_mins(15);
/// Failures older than this (since the last one) are forgotten.
pub const FORGET_AFTER: SignedDuration = SignedDuration::from_hours(1);
/// How long a password reset link works.
pub const RESET_VALID_FOR: SignedDuration = SignedDuration::from_mins(30);

/// What the account use cases can fail with. Each variant maps to one stable error code of the
/// web layer.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Input(#[from] IdentityInputError),
    #[error("mật khẩu yếu / weak password: {0}")]
    WeakPassword(PasswordProblem),
    #[error(
        "cần họ và tên (tối đa 200 ký tự, không có ký tự điều khiển ẩn) / a full name of at most 200 characters, without hidden control characters, is required"
    )]
    NameRequired,
    #[error("số điện thoại hoặc thư điện tử này đã có tài khoản / this phone number or e-mail address already has an account")]
    LoginTaken,
    #[error("ngày sinh không hợp lệ / invalid date of birth")]
    InvalidBirthDate,
    #[error("thông tin không khớp với cơ sở dữ liệu dân cư / the details do not match the population data")]
    IdentityNotMatched,
    #[error("tài khoản đã được xác thực mức 2 / the account is already verified (level 2)")]
    AlreadyVerified,
    #[error("chỉ tài khoản công dân mới làm được việc này / only citizen accounts can do this")]
    NotACitizen,
    #[error(transparent)]
    Population(#[from] PopulationError),
    /// Too many failures: try again after this many seconds.
    #[error("thử sai quá nhiều lần, vui lòng thử lại sau {retry_after_secs} giây / too many failed attempts, retry in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
    #[error("sai tài khoản hoặc mật khẩu / wrong account or password")]
    WrongCredentials,
    #[error("liên kết đặt lại mật khẩu không hợp lệ / invalid password reset link")]
    ResetTokenInvalid,
    #[error("liên kết đặt lại mật khẩu đã được dùng / the password reset link was already used")]
    ResetTokenUsed,
    #[error("liên kết đặt lại mật khẩu đã hết hạn / the password reset link has expired")]
    ResetTokenExpired,
    #[error("hộp thư thử nghiệm đang tắt / the development mailbox is off")]
    MailboxDisabled,
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Session(SessionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SessionError> for AccountError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::WrongCredentials => Self::WrongCredentials,
            SessionError::Store(s) => Self::Store(s),
            other => Self::Session(other),
        }
    }
}

/// A citizen signing up.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    /// A mobile number or an e-mail address, as typed.
    pub login: String,
    pub full_name: String,
    pub password: String,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registration { .. }")
    }
}

/// What a citizen types to reach level 2.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityClaim {
    pub id_number: String,
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
}

impl std::fmt::Debug for IdentityClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityClaim { .. }")
    }
}

/// How long to wait after `failures` failures when `free` are allowed: none below `free`,
/// then [`FIRST_LOCKOUT`] doubling per further failure, at most [`MAX_LOCKOUT`].
pub fn lockout(failures: u32, free: u32) -> SignedDuration {
    if failures < free {
        return SignedDuration::ZERO;
    }
    let doublings = (failures - free).min(16);
    let secs = FIRST_LOCKOUT.as_secs().saturating_mul(1i64 << doublings);
    SignedDuration::from_secs(secs.min(MAX_LOCKOUT.as_secs()))
}

/// The throttle key of a purpose and a value: a hash, so the table holds no logins or addresses.
fn throttle_key(purpose: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tinhso throttle v1\0");
    h.update(purpose.as_bytes());
    h.update(b"\0");
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

/// What a sign-in name resolves to: a citizen's normalized login, or an officer's user id.
fn normalized_login(login: &str) -> String {
    match LoginIdentifier::parse(login) {
        Ok(id) => id.as_str().to_string(),
        Err(_) => login.trim().to_lowercase(),
    }
}

fn clean_name(name: &str) -> Result<String, AccountError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty()
        || name.chars().count() > 200
        || tinhso_domain::text::hidden_control(&name).is_some()
    {
        return Err(AccountError::NameRequired);
    }
    Ok(name)
}

/// The strings a password must not contain: the login, an e-mail's local part, the user id.
fn password_identifiers(login: &LoginIdentifier, user_id: &str) -> Vec<String> {
    let mut out = vec![login.as_str().to_string(), user_id.to_string()];
    if let LoginIdentifier::Email(e) = login {
        if let Some((local, _)) = e.as_str().split_once('@') {
            out.push(local.to_string());
        }
    }
    out
}

fn check_new_password(password: &str, identifiers: &[String]) -> Result<(), AccountError> {
    let ids: Vec<&str> = identifiers.iter().map(String::as_str).collect();
    check_password(password, &ids).map_err(AccountError::WeakPassword)
}

impl App {
    /// Registers a citizen (e-ID level 1) and returns the new user. Their user id is opaque
    /// (`cd-` and 16 hex digits), so logs that name the user reveal no phone or e-mail.
    pub async fn register_citizen(&self, r: Registration) -> Result<User, AccountError> {
        let login = LoginIdentifier::parse(&r.login)?;
        let full_name = clean_name(&r.full_name)?;
        let user_id = format!(
            "cd-{}",
            hex::encode(random_bytes::<8>().map_err(IdentityError::Randomness)?)
        );
        check_new_password(&r.password, &password_identifiers(&login, &user_id))?;
        if self.store.citizen_by_login(login.as_str()).await?.is_some() {
            return Err(AccountError::LoginTaken);
        }
        let hash = hash_password(&r.password)?;
        let now = self.clock.now();
        let user = User {
            id: user_id.clone(),
            name: full_name,
            agency: None,
            roles: vec![Role::Applicant],
            created_at: now,
            disabled: false,
        };
        let account = CitizenAccount {
            user_id,
            phone: matches!(login, LoginIdentifier::Phone(_)).then(|| login.as_str().to_string()),
            email: matches!(login, LoginIdentifier::Email(_)).then(|| login.as_str().to_string()),
            eid_level: EidLevel::Level1,
            verified_at: None,
            created_at: now,
        };
        match self.store.register_citizen(&user, &account, &hash).await {
            Ok(()) => {}
            // Registered by someone else between the check and the write.
            Err(StoreError::Conflict(_)) => return Err(AccountError::LoginTaken),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(user = %user.id, "citizen registered (e-ID level 1)");
        Ok(user)
    }

    /// The citizen account of a user, if they have one.
    pub async fn citizen_account(
        &self,
        user_id: &str,
    ) -> Result<Option<CitizenAccount>, AccountError> {
        Ok(self.store.citizen_account(user_id).await?)
    }

    /// Verifies a citizen's identity against the population data source and, when it
    /// matches, raises their account to e-ID level 2. Failed verifications are throttled like
    /// sign-ins ([`VERIFY_FREE_FAILURES`]), so the source cannot be used to guess a date of birth.
    pub async fn verify_identity(
        &self,
        user_id: &str,
        claim: IdentityClaim,
    ) -> Result<CitizenAccount, AccountError> {
        let account = self
            .store
            .citizen_account(user_id)
            .await?
            .ok_or(AccountError::NotACitizen)?;
        if account.eid_level >= EidLevel::Level2 {
            return Err(AccountError::AlreadyVerified);
        }
        let id_number = PersonalIdNumber::parse(&claim.id_number)?;
        let date_of_birth: jiff::civil::Date = claim
            .date_of_birth
            .trim()
            .parse()
            .map_err(|_| AccountError::InvalidBirthDate)?;
        let today = self.today();
        if date_of_birth > today || date_of_birth.year() < 1900 {
            return Err(AccountError::InvalidBirthDate);
        }
        id_number.check_birth_date(date_of_birth)?;
        let full_name = clean_name(&claim.full_name)?;
        let key = throttle_key("verify", user_id);
        let now = self.clock.now();
        self.check_throttle(&key, VERIFY_FREE_FAILURES, now).await?;
        let source = self.population().ok_or(PopulationError::NotConfigured)?;
        let answer = source
            .verify(&CitizenQuery {
                id_number,
                full_name,
                date_of_birth,
            })
            .await?;
        if !answer.matched {
            self.store
                .record_login_failure(&key, now, now - FORGET_AFTER)
                .await?;
            tracing::info!(user = %user_id, "identity verification did not match");
            return Err(AccountError::IdentityNotMatched);
        }
        self.store
            .record_eid_level(user_id, EidLevel::Level2, now)
            .await?;
        self.store.clear_login_failures(&key).await?;
        tracing::info!(
            user = %user_id,
            reference = answer.reference.as_deref().unwrap_or(""),
            "identity verified (e-ID level 2)"
        );
        self.store
            .citizen_account(user_id)
            .await?
            .ok_or(AccountError::NotACitizen)
    }

    /// Refuses with [`AccountError::Throttled`] while `key` is locked out.
    async fn check_throttle(
        &self,
        key: &str,
        free: u32,
        now: Timestamp,
    ) -> Result<(), AccountError> {
        if let Some(f) = self.store.login_failures(key).await? {
            if f.last_failure_at >= now - FORGET_AFTER {
                let until = f.last_failure_at + lockout(f.failures, free);
                if until > now {
                    let wait = now.duration_until(until).as_secs().max(1);
                    return Err(AccountError::Throttled {
                        retry_after_secs: u64::try_from(wait).unwrap_or(1),
                    });
                }
            }
        }
        Ok(())
    }

    /// Signs in with a phone number, an e-mail address (citizens) or a user id (officers),
    /// throttled per account and per client address.
    pub async fn sign_in_throttled(
        &self,
        login: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<SignedIn, AccountError> {
        let normalized = normalized_login(login);
        let now = self.clock.now();
        let account_key = throttle_key("account", &normalized);
        let address_key = client.map(|ip| throttle_key("address", &ip.to_string()));
        self.check_throttle(&account_key, ACCOUNT_FREE_FAILURES, now)
            .await?;
        if let Some(k) = &address_key {
            self.check_throttle(k, ADDRESS_FREE_FAILURES, now).await?;
        }
        let user_id = match LoginIdentifier::parse(&normalized) {
            Ok(id) => self
                .store
                .citizen_by_login(id.as_str())
                .await?
                .map(|a| a.user_id)
                .unwrap_or_default(),
            Err(_) => normalized.clone(),
        };
        match self.sign_in(&user_id, password).await {
            Ok(signed_in) => {
                self.store.clear_login_failures(&account_key).await?;
                Ok(signed_in)
            }
            Err(SessionError::WrongCredentials) => {
                let forget = now - FORGET_AFTER;
                let f = self
                    .store
                    .record_login_failure(&account_key, now, forget)
                    .await?;
                if let Some(k) = &address_key {
                    self.store.record_login_failure(k, now, forget).await?;
                }
                if f.failures >= ACCOUNT_FREE_FAILURES {
                    tracing::warn!(failures = f.failures, "sign-in throttled for an account");
                }
                Err(AccountError::WrongCredentials)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sends a one-time password reset link to a citizen's phone or e-mail (as a notification).
    /// Answers the same whether or not the account exists, so it cannot be used to find out
    /// who has an account; at most [`RESET_FREE_REQUESTS`] messages per account and hour.
    pub async fn request_password_reset(&self, login: &str) -> Result<(), AccountError> {
        let login = LoginIdentifier::parse(login)?;
        let Some(account) = self.store.citizen_by_login(login.as_str()).await? else {
            tracing::info!("password reset requested for an unknown account");
            return Ok(());
        };
        let now = self.clock.now();
        let key = throttle_key("reset", login.as_str());
        let sent = self
            .store
            .record_login_failure(&key, now, now - FORGET_AFTER)
            .await?;
        if sent.failures > RESET_FREE_REQUESTS {
            tracing::warn!(user = %account.user_id, "password reset requests throttled");
            return Ok(());
        }
        let token = hex::encode(random_bytes::<32>().map_err(IdentityError::Randomness)?);
        let link = format!(
            "{}/tai-khoan/dat-lai-mat-khau?ma={token}",
            self.settings.public_url.trim_end_matches('/')
        );
        let minutes = RESET_VALID_FOR.as_mins();
        let (channel, body) = match login {
            LoginIdentifier::Phone(_) => (
                NotificationChannel::Sms,
                format!("tinhso: mo {link} trong {minutes} phut de dat lai mat khau. Neu ban khong yeu cau, hay bo qua tin nay."),
            ),
            LoginIdentifier::Email(_) => (
                NotificationChannel::Email,
                format!(
                    "Xin chào,\n\nĐể đặt lại mật khẩu tài khoản tinhso, hãy mở liên kết sau trong {minutes} phút:\n{link}\n\nLiên kết chỉ dùng được một lần. Nếu bạn không yêu cầu, hãy bỏ qua thư này.\n\nTo reset your tinhso password, open the link above within {minutes} minutes. It works once."
                ),
            ),
        };
        let reset = PasswordReset {
            token_hash: token_hash(&token),
            user_id: account.user_id.clone(),
            created_at: now,
            expires_at: now + RESET_VALID_FOR,
            used_at: None,
        };
        let notification = Notification {
            id: 0,
            user_id: Some(account.user_id.clone()),
            channel,
            recipient: login.as_str().to_string(),
            subject: "Đặt lại mật khẩu tinhso / Reset your tinhso password".into(),
            body,
            created_at: now,
            delivered_at: None,
        };
        self.store.add_password_reset(&reset, &notification).await?;
        tracing::info!(user = %account.user_id, "password reset link sent");
        Ok(())
    }

    /// Whether a reset token is still usable (for showing the form before the new password is
    /// typed); the error says why not.
    pub async fn check_reset_token(&self, token: &str) -> Result<(), AccountError> {
        let hash = reset_token_hash(token)?;
        match self.store.password_reset(&hash).await? {
            None => Err(AccountError::ResetTokenInvalid),
            Some(r) if r.used_at.is_some() => Err(AccountError::ResetTokenUsed),
            Some(r) if r.expires_at <= self.clock.now() => Err(AccountError::ResetTokenExpired),
            Some(_) => Ok(()),
        }
    }

    /// Sets a new password with a reset token: the token is spent, every session of the user
    /// ends, and their sign-in failures are forgotten.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
    ) -> Result<(), AccountError> {
        let hash = reset_token_hash(token)?;
        let reset = self
            .store
            .password_reset(&hash)
            .await?
            .ok_or(AccountError::ResetTokenInvalid)?;
        let account = self.store.citizen_account(&reset.user_id).await?;
        let mut identifiers = vec![reset.user_id.clone()];
        if let Some(a) = &account {
            identifiers.extend(a.phone.clone());
            identifiers.extend(a.email.clone());
        }
        check_new_password(new_password, &identifiers)?;
        let password_hash = hash_password(new_password)?;
        match self
            .store
            .use_password_reset(&hash, &password_hash, self.clock.now())
            .await?
        {
            ResetOutcome::Done {
                user_id,
                sessions_ended,
            } => {
                if let Some(a) = account {
                    let login = a.phone.or(a.email).unwrap_or_default();
                    self.store
                        .clear_login_failures(&throttle_key("account", &login))
                        .await?;
                }
                tracing::info!(user = %user_id, sessions_ended, "password reset");
                Ok(())
            }
            ResetOutcome::Unknown => Err(AccountError::ResetTokenInvalid),
            ResetOutcome::AlreadyUsed => Err(AccountError::ResetTokenUsed),
            ResetOutcome::Expired => Err(AccountError::ResetTokenExpired),
        }
    }

    /// The latest messages of the development mailbox (`dev_mailbox` setting), newest first.
    pub async fn dev_mailbox(&self, limit: u32) -> Result<Vec<Notification>, AccountError> {
        if !self.settings.dev_mailbox {
            return Err(AccountError::MailboxDisabled);
        }
        Ok(self.store.notifications(limit.min(200)).await?)
    }

    /// Creates (or updates) an officer or administrator and sets their initial password, which
    /// must pass the password policy; nothing is written when it does not.
    pub async fn create_user_with_password(
        &self,
        new: NewUser,
        password: &str,
    ) -> Result<User, AccountError> {
        check_new_password(password, std::slice::from_ref(&new.id))?;
        let user = self.create_user(new).await?;
        self.set_password(&user.id, password).await?;
        tracing::info!(user = %user.id, "initial password set");
        Ok(user)
    }
}

fn reset_token_hash(token: &str) -> Result<String, AccountError> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AccountError::ResetTokenInvalid);
    }
    Ok(token_hash(&token.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_from_the_free_failures_up_to_the_cap() {
        assert_eq!(lockout(4, 5), SignedDuration::ZERO);
        assert_eq!(lockout(5, 5), SignedDuration::from_secs(30));
        assert_eq!(lockout(6, 5), SignedDuration::from_secs(60));
        assert_eq!(lockout(8, 5), SignedDuration::from_secs(240));
        assert_eq!(lockout(9, 5), SignedDuration::from_secs(480));
        assert_eq!(lockout(10, 5), MAX_LOCKOUT);
        assert_eq!(lockout(u32::MAX, 5), MAX_LOCKOUT);
    }

    #[test]
    fn throttle_keys_hide_what_they_count() {
        let k = throttle_key("account", "0912345678");
        assert_eq!(k.len(), 64);
        assert!(!k.contains("0912345678"));
        assert_ne!(k, throttle_key("address", "0912345678"));
    }

    #[test]
    fn logins_normalize_to_one_spelling() {
        assert_eq!(normalized_login("+84 912 345 678"), "0912345678");
        assert_eq!(normalized_login(" Nhung@Mail.VN "), "nhung@mail.vn");
        assert_eq!(normalized_login(" MC-PhuKhuong "), "mc-phukhuong");
    }

    #[test]
    fn reset_tokens_are_64_hex_digits() {
        assert!(reset_token_hash(&"a".repeat(64)).is_ok());
        assert!(reset_token_hash("abc").is_err());
        assert!(reset_token_hash(&"g".repeat(64)).is_err());
    }
}
