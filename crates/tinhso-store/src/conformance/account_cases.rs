//! Conformance cases of citizen accounts, sign-in throttling, password resets and
//! notifications ([`crate::accounts::AccountStore`]).

use jiff::{Timestamp, ToSpan};
use tinhso_domain::dossier::Role;
use tinhso_domain::identity::EidLevel;

use super::dossier_cases::join_all;
use super::ts;
use crate::accounts::{
    CitizenAccount, LoginFailures, Notification, NotificationChannel, PasswordReset, ResetOutcome,
};
use crate::dossiers::User;
use crate::sessions::NewSession;
use crate::{Store, StoreError};

fn citizen(id: &str, at: Timestamp) -> User {
    User {
        id: id.into(),
        name: "Nguyễn Thị Hồng Nhung".into(),
        agency: None,
        roles: vec![Role::Applicant],
        created_at: at,
        disabled: false,
    }
}

fn account(id: &str, phone: Option<&str>, email: Option<&str>, at: Timestamp) -> CitizenAccount {
    CitizenAccount {
        user_id: id.into(),
        phone: phone.map(Into::into),
        email: email.map(Into::into),
        eid_level: EidLevel::Level1,
        verified_at: None,
        created_at: at,
    }
}

const HASH_1: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaC0x";
const HASH_2: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaC0y";

pub async fn citizen_accounts_register_and_find(store: &dyn Store) {
    let at = ts("2026-03-02T02:15:00.123456Z");
    let a = account("cd-1", Some("0912345678"), None, at);
    store
        .register_citizen(&citizen("cd-1", at), &a, HASH_1)
        .await
        .expect("register by phone");
    let b = account("cd-2", None, Some("nhung@example.vn"), at);
    store
        .register_citizen(&citizen("cd-2", at), &b, HASH_2)
        .await
        .expect("register by e-mail");

    assert_eq!(
        store.citizen_account("cd-1").await.expect("read"),
        Some(a.clone())
    );
    assert_eq!(
        store
            .citizen_by_login("0912345678")
            .await
            .expect("by phone"),
        Some(a.clone())
    );
    assert_eq!(
        store
            .citizen_by_login("nhung@example.vn")
            .await
            .expect("by e-mail"),
        Some(b.clone())
    );
    assert_eq!(
        store.citizen_by_login("0900000000").await.expect("unknown"),
        None
    );
    assert_eq!(
        store.citizen_account("nobody").await.expect("unknown"),
        None
    );
    assert_eq!(
        store.user("cd-1").await.expect("user"),
        Some(citizen("cd-1", at))
    );
    assert_eq!(
        store.password_hash("cd-2").await.expect("hash").as_deref(),
        Some(HASH_2)
    );

    // A phone number, e-mail address or user id already taken: nothing at all is written.
    for (id, phone, email) in [
        ("cd-3", Some("0912345678"), None),
        ("cd-3", None, Some("nhung@example.vn")),
        ("cd-1", Some("0987654321"), None),
    ] {
        let err = store
            .register_citizen(&citizen(id, at), &account(id, phone, email, at), HASH_1)
            .await
            .expect_err("taken");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }
    assert_eq!(store.user("cd-3").await.expect("user"), None);
    assert_eq!(
        store.citizen_by_login("0987654321").await.expect("read"),
        None
    );
    assert_eq!(store.password_hash("cd-3").await.expect("hash"), None);
    // An account needs a way to sign in.
    let err = store
        .register_citizen(
            &citizen("cd-4", at),
            &account("cd-4", None, None, at),
            HASH_1,
        )
        .await
        .expect_err("no phone, no e-mail");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.user("cd-4").await.expect("user"), None);
}

pub async fn eid_level_only_rises(store: &dyn Store) {
    let at = ts("2026-03-02T02:15:00Z");
    store
        .register_citizen(
            &citizen("cd-1", at),
            &account("cd-1", Some("0912345678"), None, at),
            HASH_1,
        )
        .await
        .expect("register");
    let verified = ts("2026-03-03T08:00:00.000001Z");
    assert!(store
        .record_eid_level("cd-1", EidLevel::Level2, verified)
        .await
        .expect("raise"));
    let read = store
        .citizen_account("cd-1")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (read.eid_level, read.verified_at),
        (EidLevel::Level2, Some(verified))
    );
    // Again, or lower: nothing changes.
    assert!(!store
        .record_eid_level("cd-1", EidLevel::Level2, verified + 1.hour())
        .await
        .expect("again"));
    assert!(!store
        .record_eid_level("cd-1", EidLevel::Level1, verified + 1.hour())
        .await
        .expect("lower"));
    assert!(!store
        .record_eid_level("nobody", EidLevel::Level2, verified)
        .await
        .expect("unknown"));
    let read = store
        .citizen_account("cd-1")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (read.eid_level, read.verified_at),
        (EidLevel::Level2, Some(verified))
    );
}

pub async fn login_failures_count_and_are_forgotten(store: &dyn Store) {
    let t0 = ts("2026-03-02T02:00:00Z");
    let key = "a".repeat(64);
    assert_eq!(store.login_failures(&key).await.expect("none"), None);
    let long_ago = t0 - 1.hour();
    for n in 1..=3u32 {
        let at = t0 + (i64::from(n)).seconds();
        let f = store
            .record_login_failure(&key, at, long_ago)
            .await
            .expect("count");
        assert_eq!(
            f,
            LoginFailures {
                failures: n,
                last_failure_at: at
            }
        );
    }
    assert_eq!(
        store
            .login_failures(&key)
            .await
            .expect("read")
            .map(|f| f.failures),
        Some(3)
    );
    // A count whose last failure is older than the window starts again.
    let later = t0 + 2.hours();
    let f = store
        .record_login_failure(&key, later, later - 15.minutes())
        .await
        .expect("restart");
    assert_eq!(f.failures, 1);
    // A late-arriving earlier failure never moves the last failure back.
    let f = store
        .record_login_failure(&key, later - 1.second(), later - 15.minutes())
        .await
        .expect("late");
    assert_eq!((f.failures, f.last_failure_at), (2, later));
    // Another key is counted apart; clearing one leaves the other.
    let other = "b".repeat(64);
    store
        .record_login_failure(&other, later, long_ago)
        .await
        .expect("other");
    store.clear_login_failures(&key).await.expect("clear");
    assert_eq!(store.login_failures(&key).await.expect("cleared"), None);
    assert_eq!(
        store
            .login_failures(&other)
            .await
            .expect("kept")
            .map(|f| f.failures),
        Some(1)
    );
    // Concurrent failures all count.
    let key3 = "c".repeat(64);
    let results = join_all(
        (0..20)
            .map(|i| store.record_login_failure(&key3, later + i.seconds(), long_ago))
            .collect(),
    )
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        store
            .login_failures(&key3)
            .await
            .expect("read")
            .map(|f| f.failures),
        Some(20)
    );
}

fn reset_message(user: &str, at: Timestamp) -> Notification {
    Notification {
        id: 0,
        user_id: Some(user.into()),
        channel: NotificationChannel::Sms,
        recipient: "0912345678".into(),
        subject: "Đặt lại mật khẩu".into(),
        body: "Mở liên kết: http://127.0.0.1:8080/tai-khoan/dat-lai-mat-khau?ma=…".into(),
        created_at: at,
        delivered_at: None,
    }
}

fn reset(token_hash: &str, user: &str, at: Timestamp) -> PasswordReset {
    PasswordReset {
        token_hash: token_hash.into(),
        user_id: user.into(),
        created_at: at,
        expires_at: at + 30.minutes(),
        used_at: None,
    }
}

pub async fn password_resets_are_used_once(store: &dyn Store) {
    let at = ts("2026-03-02T02:00:00Z");
    store
        .register_citizen(
            &citizen("cd-1", at),
            &account("cd-1", Some("0912345678"), None, at),
            HASH_1,
        )
        .await
        .expect("register");
    for (i, id_hash) in ["s1", "s2"].iter().enumerate() {
        store
            .create_session(&NewSession {
                id_hash: id_hash.repeat(32),
                user_id: "cd-1".into(),
                created_at: at,
                expires_at: at + (i64::try_from(i).unwrap_or(0) + 1).hours(),
            })
            .await
            .expect("session");
    }
    let (h1, h2) = ("1".repeat(64), "2".repeat(64));
    let n1 = store
        .add_password_reset(&reset(&h1, "cd-1", at), &reset_message("cd-1", at))
        .await
        .expect("reset 1");
    let n2 = store
        .add_password_reset(&reset(&h2, "cd-1", at), &reset_message("cd-1", at))
        .await
        .expect("reset 2");
    assert!(n2 > n1);
    assert_eq!(
        store.password_reset(&h1).await.expect("read"),
        Some(reset(&h1, "cd-1", at))
    );
    // An unknown user: neither the reset nor its message is written.
    let err = store
        .add_password_reset(
            &reset(&"3".repeat(64), "nobody", at),
            &reset_message("nobody", at),
        )
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.notifications(10).await.expect("mailbox").len(), 2);

    let now = at + 5.minutes();
    assert_eq!(
        store
            .use_password_reset(&"9".repeat(64), HASH_2, now)
            .await
            .expect("unknown"),
        ResetOutcome::Unknown
    );
    assert_eq!(
        store
            .use_password_reset(&h1, HASH_2, now)
            .await
            .expect("use"),
        ResetOutcome::Done {
            user_id: "cd-1".into(),
            sessions_ended: 2
        }
    );
    assert_eq!(
        store.password_hash("cd-1").await.expect("hash").as_deref(),
        Some(HASH_2)
    );
    assert!(store
        .session_user(&"s1".repeat(32), now)
        .await
        .expect("session")
        .is_none());
    // Replayed, and the user's other pending reset is spent too.
    assert_eq!(
        store
            .use_password_reset(&h1, HASH_1, now)
            .await
            .expect("replay"),
        ResetOutcome::AlreadyUsed
    );
    assert_eq!(
        store
            .use_password_reset(&h2, HASH_1, now)
            .await
            .expect("sibling"),
        ResetOutcome::AlreadyUsed
    );
    assert_eq!(
        store.password_hash("cd-1").await.expect("hash").as_deref(),
        Some(HASH_2)
    );
    assert_eq!(
        store
            .password_reset(&h1)
            .await
            .expect("read")
            .and_then(|r| r.used_at),
        Some(now)
    );

    // Expired: refused, nothing changes.
    let h4 = "4".repeat(64);
    store
        .add_password_reset(&reset(&h4, "cd-1", now), &reset_message("cd-1", now))
        .await
        .expect("reset 4");
    assert_eq!(
        store
            .use_password_reset(&h4, HASH_1, now + 30.minutes())
            .await
            .expect("expired"),
        ResetOutcome::Expired
    );
    assert_eq!(
        store.password_hash("cd-1").await.expect("hash").as_deref(),
        Some(HASH_2)
    );

    // Two uses of one token at once: exactly one wins.
    let h5 = "5".repeat(64);
    store
        .add_password_reset(&reset(&h5, "cd-1", now), &reset_message("cd-1", now))
        .await
        .expect("reset 5");
    let outcomes = join_all(
        (0..4)
            .map(|_| store.use_password_reset(&h5, HASH_1, now + 1.minute()))
            .collect(),
    )
    .await;
    let done = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(ResetOutcome::Done { .. })))
        .count();
    let used = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(ResetOutcome::AlreadyUsed)))
        .count();
    assert_eq!((done, used), (1, 3), "{outcomes:?}");
}

pub async fn notifications_newest_first(store: &dyn Store) {
    let at = ts("2026-03-02T02:00:00.000007Z");
    let first = Notification {
        user_id: None,
        channel: NotificationChannel::Email,
        recipient: "nhung@example.vn".into(),
        ..reset_message("x", at)
    };
    let id1 = store.add_notification(&first).await.expect("first");
    let second = reset_message("x", at + 1.second());
    let second = Notification {
        user_id: None,
        ..second
    };
    let id2 = store.add_notification(&second).await.expect("second");
    assert!(id2 > id1);
    let listed = store.notifications(10).await.expect("list");
    assert_eq!(
        listed,
        vec![
            Notification { id: id2, ..second },
            Notification { id: id1, ..first },
        ]
    );
    assert_eq!(store.notifications(1).await.expect("limit").len(), 1);
    // A message to an unknown user is refused.
    let err = store
        .add_notification(&reset_message("nobody", at))
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}
