//! Users and API tokens: who calls the API, and as whom they act on dossiers.
//!
//! A token is 32 random bytes shown once, as `tso_` followed by 64 hex digits; only its
//! SHA-256 is stored ([`IdentityStore::add_api_token`]), so a copy of the database does not
//! let anyone call the API. Every request hashes the bearer token and looks the hash up.
//!
//! A [`User`] is an officer (an agency and one or more roles, domain.md §2.2 and §7: "officers
//! act only within their agency scope and role"), a citizen (the `applicant` role, no agency),
//! or an administrator. A dossier move is made by one [`Actor`] — one role — so
//! [`actors_for`] lists the actors a user may act as for an action.

use sha2::{Digest, Sha256};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::dossier::{ActionKind, Actor, Role};
use tinhso_store::dossiers::User;
use tinhso_store::StoreError;

use crate::App;

/// The prefix of API tokens: lets secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "tso_";

/// What creating a user or a token can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("Người dùng không hợp lệ: {0} / Invalid user: {0}")]
    InvalidUser(String),
    #[error("Không có người dùng này / No such user")]
    UserNotFound,
    #[error("Không có cơ quan với mã định danh này / No agency with this e-ID")]
    AgencyNotFound,
    #[error("Không tạo được số ngẫu nhiên / No randomness available: {0}")]
    Randomness(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user to create (or update: same id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct NewUser {
    /// 1–64 characters of `[a-z0-9._@-]`, e.g. `can-bo-mot-cua-01`.
    pub id: String,
    pub name: String,
    /// Officers: their agency. Citizens: none.
    #[serde(default)]
    pub agency: Option<AgencyEId>,
    pub roles: Vec<Role>,
}

/// SHA-256 of a token, hex: what the store keeps and looks up.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// `len` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Compares two strings in time that depends only on their lengths (for secret hashes).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the user is a citizen (chủ hồ sơ) rather than staff.
pub fn is_citizen(user: &User) -> bool {
    user.roles.contains(&Role::Applicant)
}

/// The actors `user` may act as for `kind`, the role of `preferred` (the current step's)
/// first. Empty when none of the user's roles may do it.
pub fn actors_for(user: &User, kind: ActionKind, preferred: Option<Role>) -> Vec<Actor> {
    let mut roles: Vec<Role> = user
        .roles
        .iter()
        .copied()
        .filter(|r| kind.allows(*r))
        .collect();
    if let Some(p) = preferred {
        roles.sort_by_key(|r| *r != p);
    }
    roles.into_iter().map(|role| actor(user, role)).collect()
}

/// The user acting in `role`.
pub fn actor(user: &User, role: Role) -> Actor {
    if role == Role::Applicant {
        Actor::applicant(user.id.clone())
    } else {
        Actor {
            role,
            agency: user.agency.clone(),
            user_id: user.id.clone(),
        }
    }
}

pub(crate) fn valid_user_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'@')
        })
}

impl App {
    /// Creates a user, or updates the one with the same id (name, agency, roles).
    ///
    /// Rules: a citizen has the `applicant` role only and no agency; staff have an agency
    /// that exists, except a province administrator, who may have none.
    pub async fn create_user(&self, new: NewUser) -> Result<User, IdentityError> {
        if !valid_user_id(&new.id) {
            return Err(IdentityError::InvalidUser(
                "mã người dùng gồm 1–64 ký tự a-z, 0-9, . _ - @ / the id is 1–64 characters of a-z, 0-9, . _ - @".into(),
            ));
        }
        let name = new.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(IdentityError::InvalidUser(
                "cần họ tên (tối đa 200 ký tự) / a name of at most 200 characters is required"
                    .into(),
            ));
        }
        let mut roles = new.roles.clone();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(IdentityError::InvalidUser(
                "cần ít nhất một vai trò / at least one role is required".into(),
            ));
        }
        let citizen = roles.contains(&Role::Applicant);
        if citizen && (roles.len() > 1 || new.agency.is_some()) {
            return Err(IdentityError::InvalidUser(
                "tài khoản công dân chỉ có vai trò applicant và không thuộc cơ quan / a citizen account has only the applicant role and no agency".into(),
            ));
        }
        if let Some(eid) = &new.agency {
            if self.store.agency(eid).await?.is_none() {
                return Err(IdentityError::AgencyNotFound);
            }
        } else if !citizen && roles != [Role::ProvinceAdmin] {
            return Err(IdentityError::InvalidUser(
                "cán bộ phải thuộc một cơ quan / an officer belongs to an agency".into(),
            ));
        }
        let created_at = match self.store.user(&new.id).await? {
            Some(existing) => existing.created_at,
            None => self.clock.now(),
        };
        let user = User {
            id: new.id,
            name,
            agency: new.agency,
            roles,
            created_at,
            disabled: false,
        };
        self.store.upsert_user(&user).await?;
        tracing::info!(user_id = %user.id, roles = ?user.roles, "user recorded");
        Ok(user)
    }

    /// Issues a new API token for `user_id`. The token is returned once and never stored.
    pub async fn issue_token(&self, user_id: &str, label: &str) -> Result<String, IdentityError> {
        if self.store.user(user_id).await?.is_none() {
            return Err(IdentityError::UserNotFound);
        }
        let bytes = random_bytes::<32>().map_err(IdentityError::Randomness)?;
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        let label: String = label.trim().chars().take(100).collect();
        self.store
            .add_api_token(&token_hash(&token), user_id, &label, self.clock.now())
            .await?;
        tracing::info!(user_id, label = %label, "API token issued");
        Ok(token)
    }

    /// Revokes every token of `user_id`; returns how many.
    pub async fn revoke_tokens(&self, user_id: &str) -> Result<u64, IdentityError> {
        if self.store.user(user_id).await?.is_none() {
            return Err(IdentityError::UserNotFound);
        }
        let n = self.store.revoke_api_tokens(user_id).await?;
        tracing::info!(user_id, revoked = n, "API tokens revoked");
        Ok(n)
    }

    /// The user a bearer token belongs to; `None` for an unknown or revoked token or a
    /// disabled user.
    pub async fn authenticate(&self, token: &str) -> Result<Option<User>, StoreError> {
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        // Concurrent requests with the same token share one query that started after each of
        // them arrived: a revocation committed before a request is always seen by it.
        let hash = token_hash(token);
        let user = self
            .token_reads
            .read(&hash, || self.store.user_by_token(&hash))
            .await?;
        Ok(user.filter(|u| !u.disabled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role]) -> User {
        User {
            id: "u1".into(),
            name: "Nguyễn Văn A".into(),
            agency: Some(AgencyEId::parse("000.00.01.H61").unwrap()),
            roles: roles.to_vec(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            disabled: false,
        }
    }

    #[test]
    fn actors_prefer_the_step_role_and_skip_roles_that_cannot_act() {
        let u = user(&[Role::Leader, Role::Specialist, Role::AgencyAdmin]);
        let a = actors_for(&u, ActionKind::Stop, Some(Role::Specialist));
        assert_eq!(
            a.iter().map(|a| a.role).collect::<Vec<_>>(),
            vec![Role::Specialist, Role::Leader]
        );
        assert!(actors_for(&u, ActionKind::Accept, None).is_empty());
        let citizen = User {
            agency: None,
            ..user(&[Role::Applicant])
        };
        let a = actors_for(&citizen, ActionKind::Supplement, None);
        assert_eq!(a, vec![Actor::applicant("u1")]);
    }

    #[test]
    fn token_hash_is_sha256_hex_and_compare_is_exact() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }

    #[test]
    fn user_ids() {
        assert!(valid_user_id("can-bo.01@xa"));
        assert!(!valid_user_id(""));
        assert!(!valid_user_id("Có dấu"));
    }
}
