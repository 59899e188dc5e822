//! The admin pages (`/quan-tri`; routes and field ids from the module docs of
//! crates/tinhso-web/src/html/admin.rs): the province administrator (`qt-tinh` of the demo)
//! creates a one-stop officer who then signs in with the generated password, adds and removes a
//! holiday, and previews a workflow; every page checked by axe.

use anyhow::{ensure, Context};

use tinhso_domain::dossier::Role;

use crate::harness::{self, DEMO_PASSWORD};

const ADMIN: &str = "qt-tinh";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn province_admin_creates_an_officer_and_edits_the_calendar() {
    harness::run("admin", |server, b| async move {
        // The demo's province administrator, or one like it where the demo has none.
        if server.user(ADMIN).await.is_err() {
            server
                .add_user(
                    ADMIN,
                    "Đặng Thị Thu (quản trị tỉnh)",
                    None,
                    Role::ProvinceAdmin,
                )
                .await?;
        }
        b.sign_in(ADMIN, DEMO_PASSWORD, "admin-overview").await?;
        ensure!(
            b.path().await?.starts_with("/quan-tri"),
            "the province administrator lands on {}",
            b.path().await?
        );
        b.open("/quan-tri/co-quan", "admin-agencies").await?;
        b.el("ul#agency-tree").await?;

        // A new one-stop officer of UBND Phường Phú Khương, with a generated password.
        b.open("/quan-tri/nguoi-dung/moi", "admin-user-new").await?;
        b.type_into("#id", "mc-e2e").await?;
        b.type_into("#name", "Nguyễn Văn Thử (một cửa)").await?;
        b.choose("#agency", tinhso_app::demo::DEMO_AGENCY).await?;
        b.el("#role-one_stop_officer").await?.click().await?;
        let create = b.el("#create-user").await?;
        b.click_to(&create, "admin-user-created").await?;
        let password = b
            .el("#secret")
            .await
            .context("no generated password shown")?
            .text()
            .await?;
        ensure!(password.trim().len() >= 8, "a short generated password");
        b.open("/quan-tri/nguoi-dung?q=mc-e2e", "admin-users")
            .await?;
        b.el("table#users tr#user-mc-e2e").await?;
        b.sign_out().await?;
        b.sign_in("mc-e2e", password.trim(), "new-officer-home")
            .await?;
        ensure!(
            b.path().await?.starts_with("/can-bo"),
            "the new officer lands on {}",
            b.path().await?
        );
        b.sign_out().await?;

        // A dated holiday: one working day fewer, then removed again.
        b.sign_in(ADMIN, DEMO_PASSWORD, "admin-again").await?;
        b.open("/quan-tri/lich?nam=2026", "admin-calendar").await?;
        let days = |t: String| t.trim().parse::<u32>().context("working days");
        let before = days(b.el("#working-days").await?.text().await?)?;
        // 31/12/2026 is a Thursday, a working day.
        b.driver
            .execute("document.getElementById('date').value = '2026-12-31'", [])
            .await?;
        b.choose("#kind", "holiday").await?;
        b.type_into("#name", "Nghỉ thử nghiệm").await?;
        let add = b.el("#add-day").await?;
        b.click_to(&add, "admin-calendar-added").await?;
        b.el("#entry-2026-12-31").await?;
        let after = days(b.el("#working-days").await?.text().await?)?;
        ensure!(after + 1 == before, "working days {before} → {after}");
        let remove = b.el("#remove-2026-12-31").await?;
        b.click_to(&remove, "admin-calendar-removed").await?;
        ensure!(
            !b.has("#entry-2026-12-31").await?,
            "the entry is still listed"
        );

        // A workflow preview: the default workflow of 1.001193 with its appraisal step renamed
        // (an unchanged definition is refused).
        b.open("/quan-tri/thu-tuc", "admin-procedures").await?;
        b.el("table#procedures").await?;
        b.open("/quan-tri/thu-tuc/1.001193", "admin-procedure")
            .await?;
        let renamed = b
            .driver
            .execute(
                r#"const t = document.getElementById('definition');
const before = t.value;
t.value = before.replace('Thẩm định hồ sơ', 'Thẩm định hồ sơ và đối chiếu');
return t.value !== before;"#,
                [],
            )
            .await?;
        ensure!(renamed.json() == true, "no appraisal step in the editor");
        let preview = b.el("#preview-workflow").await?;
        b.click_to(&preview, "admin-workflow-preview").await?;
        b.el("#live-count").await?;
        b.el("#new-version").await?;
        Ok(())
    })
    .await;
}
