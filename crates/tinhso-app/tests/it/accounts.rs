//! Citizen accounts on both engines, with identity verified by the population data source
//! over real HTTP (the stand-in service on a random loopback port, see `population.rs`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use tinhso_app::accounts::{AccountError, IdentityClaim, Registration};
use tinhso_app::identity::NewUser;
use tinhso_app::population::PopulationError;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_domain::dossier::Role;
use tinhso_domain::identity::{EidLevel, IdentityInputError, PasswordProblem};
use tinhso_store::accounts::NotificationChannel;

use crate::engines::{self, TestApp};
use crate::population::{population_server, source, NHUNG, NHUNG_BORN, NHUNG_ID, SECRET};
const PASSWORD: &str = "trâu-ăn-cỏ-bên-sông";

/// An app on the engine's store with a clock the test moves, the dev mailbox on and the
/// population data source at `addr` (when given).
async fn accounts_app(t: &TestApp, addr: Option<SocketAddr>) -> (Arc<App>, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new("2026-03-02T02:00:00Z".parse().expect("ts")));
    let settings = AppSettings {
        dev_mailbox: true,
        ..AppSettings::default()
    };
    let mut app = App::new(t.app.store.clone(), clock.clone(), settings)
        .await
        .expect("app");
    if let Some(addr) = addr {
        app = app.with_population(source(addr, SECRET));
    }
    (Arc::new(app), clock)
}

fn advance(clock: &FixedClock, by: SignedDuration) {
    let now: Timestamp = tinhso_app::Clock::now(clock);
    clock.set(now + by);
}

async fn register(app: &App, login: &str) -> tinhso_store::dossiers::User {
    app.register_citizen(Registration {
        login: login.into(),
        full_name: format!("  {NHUNG} "),
        password: PASSWORD.into(),
    })
    .await
    .expect("register")
}

#[tokio::test]
async fn citizens_register_and_reach_level_2() {
    let server = population_server().await;
    for t in engines::all().await {
        let (app, _clock) = accounts_app(&t, Some(server.addr)).await;
        let user = register(&app, "+84 912 345 678").await;
        assert!(user.id.starts_with("cd-"), "{}", user.id);
        assert_eq!(user.name, NHUNG);
        assert_eq!(user.roles, vec![Role::Applicant]);
        let account = app
            .citizen_account(&user.id)
            .await
            .expect("read")
            .expect("account");
        assert_eq!(account.phone.as_deref(), Some("0912345678"));
        assert_eq!(
            (account.eid_level, account.verified_at),
            (EidLevel::Level1, None)
        );

        // Refusals, each with its reason, writing nothing.
        let bad = |login: &str, password: &str| Registration {
            login: login.into(),
            full_name: NHUNG.into(),
            password: password.into(),
        };
        let e = app
            .register_citizen(bad("012345", PASSWORD))
            .await
            .expect_err("phone");
        assert!(
            matches!(e, AccountError::Input(IdentityInputError::InvalidPhone)),
            "{e:?}"
        );
        let e = app
            .register_citizen(bad("a@b", PASSWORD))
            .await
            .expect_err("e-mail");
        assert!(
            matches!(e, AccountError::Input(IdentityInputError::InvalidEmail)),
            "{e:?}"
        );
        let e = app
            .register_citizen(bad("0987654321", "123456"))
            .await
            .expect_err("weak");
        assert!(
            matches!(e, AccountError::WeakPassword(PasswordProblem::TooShort)),
            "{e:?}"
        );
        let e = app
            .register_citizen(bad("0987654321", "x0987654321x"))
            .await
            .expect_err("contains the phone");
        assert!(
            matches!(
                e,
                AccountError::WeakPassword(PasswordProblem::ContainsIdentifier)
            ),
            "{e:?}"
        );
        let e = app
            .register_citizen(bad("0912345678", PASSWORD))
            .await
            .expect_err("taken");
        assert!(matches!(e, AccountError::LoginTaken), "{e:?}");
        assert!(app
            .store
            .citizen_by_login("0987654321")
            .await
            .expect("read")
            .is_none());
        let by_mail = register(&app, "Nhung.Nguyen@Example.VN").await;
        assert_eq!(
            app.citizen_account(&by_mail.id)
                .await
                .expect("read")
                .and_then(|a| a.email),
            Some("nhung.nguyen@example.vn".into())
        );

        // Level 2: the number must fit the date of birth before the source is asked.
        let claim = |id: &str, name: &str, born: &str| IdentityClaim {
            id_number: id.into(),
            full_name: name.into(),
            date_of_birth: born.into(),
        };
        let e = app
            .verify_identity(&user.id, claim(NHUNG_ID, NHUNG, "1991-05-12"))
            .await
            .expect_err("year");
        assert!(
            matches!(
                e,
                AccountError::Input(IdentityInputError::IdNumberBirthMismatch)
            ),
            "{e:?}"
        );
        let e = app
            .verify_identity(&user.id, claim("0861900", NHUNG, NHUNG_BORN))
            .await
            .expect_err("short");
        assert!(
            matches!(e, AccountError::Input(IdentityInputError::InvalidIdNumber)),
            "{e:?}"
        );
        let e = app
            .verify_identity(
                &user.id,
                claim(NHUNG_ID, "Nguyen Thi Hong Nhung", NHUNG_BORN),
            )
            .await
            .expect_err("no diacritics");
        assert!(matches!(e, AccountError::IdentityNotMatched), "{e:?}");
        let account = app
            .verify_identity(
                &user.id,
                claim("086 190 012 345", "nguyễn thị hồng nhung", NHUNG_BORN),
            )
            .await
            .expect("verified");
        assert_eq!(account.eid_level, EidLevel::Level2);
        assert_eq!(
            account.verified_at,
            Some(tinhso_app::Clock::now(app.clock.as_ref()))
        );
        let e = app
            .verify_identity(&user.id, claim(NHUNG_ID, NHUNG, NHUNG_BORN))
            .await
            .expect_err("again");
        assert!(matches!(e, AccountError::AlreadyVerified), "{e:?}");
        // Officers have no citizen account.
        app.create_user(NewUser {
            id: "admin".into(),
            name: "Quản trị".into(),
            agency: None,
            roles: vec![Role::ProvinceAdmin],
        })
        .await
        .expect("admin");
        let e = app
            .verify_identity("admin", claim(NHUNG_ID, NHUNG, NHUNG_BORN))
            .await
            .expect_err("officer");
        assert!(matches!(e, AccountError::NotACitizen), "{e:?}");
    }
}

#[tokio::test]
async fn guessing_a_date_of_birth_is_throttled_and_a_missing_source_is_said() {
    let server = population_server().await;
    for t in engines::all().await {
        let (app, clock) = accounts_app(&t, Some(server.addr)).await;
        let user = register(&app, "0912345678").await;
        for day in 1..=3 {
            let e = app
                .verify_identity(
                    &user.id,
                    IdentityClaim {
                        id_number: NHUNG_ID.into(),
                        full_name: NHUNG.into(),
                        date_of_birth: format!("1990-01-{day:02}"),
                    },
                )
                .await
                .expect_err("wrong date");
            assert!(matches!(e, AccountError::IdentityNotMatched), "{e:?}");
        }
        let right = IdentityClaim {
            id_number: NHUNG_ID.into(),
            full_name: NHUNG.into(),
            date_of_birth: NHUNG_BORN.into(),
        };
        let e = app
            .verify_identity(&user.id, right.clone())
            .await
            .expect_err("throttled");
        assert!(
            matches!(
                e,
                AccountError::Throttled {
                    retry_after_secs: 30
                }
            ),
            "{e:?}"
        );
        advance(&clock, SignedDuration::from_secs(31));
        app.verify_identity(&user.id, right.clone())
            .await
            .expect("after the wait");

        let (no_source, _) = accounts_app(&t, None).await;
        let other = register(&no_source, "0987654321").await;
        let e = no_source
            .verify_identity(&other.id, right)
            .await
            .expect_err("not configured");
        assert!(
            matches!(e, AccountError::Population(PopulationError::NotConfigured)),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_per_address() {
    for t in engines::all().await {
        let (app, clock) = accounts_app(&t, None).await;
        register(&app, "0912345678").await;
        let ip = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
        app.sign_in_throttled("+84912345678", PASSWORD, ip)
            .await
            .expect("by phone, any spelling");
        for _ in 0..5 {
            let e = app
                .sign_in_throttled("0912345678", "wrong password!", ip)
                .await
                .expect_err("wrong");
            assert!(matches!(e, AccountError::WrongCredentials), "{e:?}");
        }
        // Locked: even the right password waits.
        let e = app
            .sign_in_throttled("0912345678", PASSWORD, ip)
            .await
            .expect_err("locked");
        assert!(
            matches!(
                e,
                AccountError::Throttled {
                    retry_after_secs: 30
                }
            ),
            "{e:?}"
        );
        advance(&clock, SignedDuration::from_secs(30));
        let e = app
            .sign_in_throttled("0912345678", "still wrong!!", ip)
            .await
            .expect_err("sixth failure");
        assert!(matches!(e, AccountError::WrongCredentials), "{e:?}");
        let e = app
            .sign_in_throttled("0912345678", PASSWORD, ip)
            .await
            .expect_err("locked longer");
        assert!(
            matches!(
                e,
                AccountError::Throttled {
                    retry_after_secs: 60
                }
            ),
            "{e:?}"
        );
        advance(&clock, SignedDuration::from_secs(60));
        app.sign_in_throttled("0912345678", PASSWORD, ip)
            .await
            .expect("after the wait");
        // The success cleared the account's count.
        let e = app
            .sign_in_throttled("0912345678", "wrong again!!", ip)
            .await
            .expect_err("wrong");
        assert!(matches!(e, AccountError::WrongCredentials), "{e:?}");
        app.sign_in_throttled("0912345678", PASSWORD, ip)
            .await
            .expect("one failure is free");

        // An unknown account is answered and throttled exactly like a known one.
        for _ in 0..5 {
            let e = app
                .sign_in_throttled("0900000000", PASSWORD, None)
                .await
                .expect_err("unknown");
            assert!(matches!(e, AccountError::WrongCredentials), "{e:?}");
        }
        let e = app
            .sign_in_throttled("0900000000", PASSWORD, None)
            .await
            .expect_err("unknown, locked");
        assert!(matches!(e, AccountError::Throttled { .. }), "{e:?}");

        // One address trying many accounts is slowed down too.
        let spray = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9)));
        for n in 0..20 {
            let e = app
                .sign_in_throttled(&format!("091{n:07}"), PASSWORD, spray)
                .await
                .expect_err("spray");
            assert!(matches!(e, AccountError::WrongCredentials), "{n}: {e:?}");
        }
        let e = app
            .sign_in_throttled("0912345678", PASSWORD, spray)
            .await
            .expect_err("address locked");
        assert!(matches!(e, AccountError::Throttled { .. }), "{e:?}");
        app.sign_in_throttled("0912345678", PASSWORD, ip)
            .await
            .expect("from another address");
    }
}

/// The token of the newest reset link in the mailbox.
async fn mailed_token(app: &App) -> String {
    let mail = app.dev_mailbox(10).await.expect("mailbox");
    let body = &mail.first().expect("a message").body;
    let start = body.find("ma=").expect("link") + 3;
    body[start..start + 64].to_string()
}

#[tokio::test]
async fn password_reset_through_the_mailbox_works_once() {
    for t in engines::all().await {
        let (app, clock) = accounts_app(&t, None).await;
        let user = register(&app, "0912345678").await;
        let old_session = app
            .sign_in_throttled("0912345678", PASSWORD, None)
            .await
            .expect("in");

        // Unknown accounts get the same answer and no message.
        app.request_password_reset("0900000000")
            .await
            .expect("unknown");
        assert!(app.dev_mailbox(10).await.expect("mailbox").is_empty());
        let e = app
            .request_password_reset("not a phone")
            .await
            .expect_err("bad");
        assert!(matches!(e, AccountError::Input(_)), "{e:?}");

        app.request_password_reset("+84 912 345 678")
            .await
            .expect("request");
        let mail = app.dev_mailbox(10).await.expect("mailbox");
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].channel, NotificationChannel::Sms);
        assert_eq!(mail[0].recipient, "0912345678");
        assert_eq!(mail[0].user_id.as_deref(), Some(user.id.as_str()));
        let token = mailed_token(&app).await;
        // Only the token's hash is stored.
        let raw = app.store.password_reset(&token).await.expect("read");
        assert!(raw.is_none());

        app.check_reset_token(&token).await.expect("usable");
        let e = app.reset_password(&token, "short").await.expect_err("weak");
        assert!(matches!(e, AccountError::WeakPassword(_)), "{e:?}");
        let new_password = "một-mật-khẩu-mới-2026";
        app.reset_password(&token, new_password)
            .await
            .expect("reset");
        // Signed out everywhere; the old password is gone, the new one works.
        assert!(app
            .session_user(&old_session.token)
            .await
            .expect("read")
            .is_none());
        let e = app
            .sign_in_throttled("0912345678", PASSWORD, None)
            .await
            .expect_err("old password");
        assert!(matches!(e, AccountError::WrongCredentials), "{e:?}");
        app.sign_in_throttled("0912345678", new_password, None)
            .await
            .expect("new password");
        // Replayed.
        let e = app
            .reset_password(&token, "yet-another-password")
            .await
            .expect_err("replay");
        assert!(matches!(e, AccountError::ResetTokenUsed), "{e:?}");
        assert!(matches!(
            app.check_reset_token(&token).await,
            Err(AccountError::ResetTokenUsed)
        ));
        let e = app
            .reset_password(&"0".repeat(64), new_password)
            .await
            .expect_err("unknown");
        assert!(matches!(e, AccountError::ResetTokenInvalid), "{e:?}");

        // Expired after 30 minutes.
        app.request_password_reset("0912345678")
            .await
            .expect("again");
        let token = mailed_token(&app).await;
        advance(&clock, SignedDuration::from_mins(30));
        let e = app
            .reset_password(&token, "yet-another-password")
            .await
            .expect_err("late");
        assert!(matches!(e, AccountError::ResetTokenExpired), "{e:?}");

        // At most three messages an hour per account; the answer does not change.
        for _ in 0..3 {
            app.request_password_reset("0912345678")
                .await
                .expect("request");
        }
        assert_eq!(app.dev_mailbox(50).await.expect("mailbox").len(), 3);

        // E-mail accounts get an e-mail.
        register(&app, "nhung@example.vn").await;
        app.request_password_reset("NHUNG@example.vn")
            .await
            .expect("e-mail");
        let mail = app.dev_mailbox(1).await.expect("mailbox");
        assert_eq!(mail[0].channel, NotificationChannel::Email);
        assert!(mail[0]
            .body
            .contains("http://127.0.0.1:8080/tai-khoan/dat-lai-mat-khau?ma="));
    }
}

#[tokio::test]
async fn the_mailbox_is_off_unless_asked_for() {
    let t = engines::sqlite().await;
    let e = t.app.dev_mailbox(10).await.expect_err("off");
    assert!(matches!(e, AccountError::MailboxDisabled), "{e:?}");
}

#[tokio::test]
async fn officers_get_an_initial_password() {
    for t in engines::all().await {
        let (app, _) = accounts_app(&t, None).await;
        app.load_demo(&tinhso_app::progress::NoProgress)
            .await
            .expect("demo");
        let officer = |id: &str| NewUser {
            id: id.into(),
            name: "Lê Thị Một Cửa".into(),
            agency: Some(tinhso_domain::agency::AgencyEId::parse("000.01.90.H61").expect("eid")),
            roles: vec![Role::OneStopOfficer],
        };
        let e = app
            .create_user_with_password(officer("mc01"), "mc01-password")
            .await
            .expect_err("contains the id");
        assert!(
            matches!(
                e,
                AccountError::WeakPassword(PasswordProblem::ContainsIdentifier)
            ),
            "{e:?}"
        );
        assert!(
            app.store.user("mc01").await.expect("read").is_none(),
            "nothing written"
        );
        app.create_user_with_password(officer("mc01"), "cửa-sổ-mở-lúc-7h30")
            .await
            .expect("created");
        let signed = app
            .sign_in_throttled(" MC01 ", "cửa-sổ-mở-lúc-7h30", None)
            .await
            .expect("officer signs in by user id");
        assert_eq!(signed.user.id, "mc01");
    }
}
