//! Signing in and out (`/dang-nhap`, `/dang-xuat`; crates/tinhso-web/src/html/signin.rs).

use anyhow::ensure;

use crate::harness::{self, Browser, DEMO_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_officer_signs_in_and_out() {
    harness::run("signin", |_server, b: Browser| async move {
        // A wrong password: the form again, the error announced and tied to the field.
        b.open("/dang-nhap", "signin").await?;
        b.type_into("#account", "mc-phukhuong").await?;
        b.type_into("#password", "not-the-password").await?;
        let submit = b
            .el("form[action='/dang-nhap'] button[type=submit]")
            .await?;
        b.click_to(&submit, "signin-wrong").await?;
        let alert = b.el("[role=alert]").await?.text().await?;
        ensure!(alert.contains("Sai tài khoản hoặc mật khẩu"), "{alert}");
        ensure!(
            b.el("#account")
                .await?
                .attr("aria-describedby")
                .await?
                .is_some(),
            "the error is not tied to the account field"
        );
        ensure!(b.el("#account").await?.prop("value").await?.as_deref() == Some("mc-phukhuong"));

        // The right one: the officer's home, their name in the header.
        b.sign_in("mc-phukhuong", DEMO_PASSWORD, "signed-in-officer")
            .await?;
        ensure!(
            b.path().await?.starts_with("/can-bo"),
            "an officer lands on {}",
            b.path().await?
        );
        b.open("/", "home-signed-in").await?;
        let header = b.el("header .who").await?.text().await?;
        ensure!(
            header.contains("Đăng xuất"),
            "no sign-out in the header: {header}"
        );

        // Signing out forgets the session: the officer pages ask to sign in again.
        b.sign_out().await?;
        let header = b.el("header .who").await?.text().await?;
        ensure!(header.contains("Đăng nhập"), "still signed in: {header}");
        ensure!(
            !b.has_cookie_value("tinhso_session").await?,
            "the session cookie is still set"
        );
        Ok(())
    })
    .await;
}
