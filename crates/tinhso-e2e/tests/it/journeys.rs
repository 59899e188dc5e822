//! The journeys of issue 4 ("Tests in a real browser"), through the pages of
//! crates/tinhso-web/src/html/portal (routes and field names from its module docs) and
//! crates/tinhso-web/src/html/officer.rs (likewise).
//!
//! The citizen is the demo's `cong-dan-demo`; the officers are the demo one-stop team of UBND
//! Phường Phú Khương (`mc-`, `cv-`, `ld-`, `vt-phukhuong`), all with the demo password. The
//! procedure is 1.001193 Đăng ký khai sinh (online level: full; the default workflow:
//! receive → appraise → approve → issue → deliver).

use std::path::PathBuf;

use anyhow::{bail, ensure, Context};
use thirtyfour::prelude::*;
use tinhso_app::demo::DEMO_AGENCY;
use tinhso_domain::dossier::Role;

use crate::harness::{self, Browser, DEMO_PASSWORD};

const CITIZEN: &str = "cong-dan-demo";
const PROCEDURE: &str = "1.001193";
const SUPPLEMENT_REASON: &str = "Tờ khai chưa có chữ ký của người yêu cầu";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_submits_online_and_follows_the_dossier_to_its_result() {
    harness::run("journey", |server, b| async move {
        let files = TestFiles::new("journey")?;

        // 1. The citizen finds the procedure by typing without diacritics.
        b.open("/", "home").await?;
        b.type_into("#q", "dang ky khai sinh").await?;
        let search = b.el("form[action='/thu-tuc'] button[type=submit]").await?;
        b.click_to(&search, "search-results").await?;
        let result = b
            .el(&format!("#ds-thu-tuc a[href='/thu-tuc/{PROCEDURE}']"))
            .await
            .context("'dang ky khai sinh' does not find Đăng ký khai sinh")?;
        ensure!(
            result.text().await?.contains("khai sinh"),
            "first match: {}",
            result.text().await?
        );
        // As-you-type search (htmx) on the search page finds it too: the results are replaced.
        let old_results = b.el("#ds-thu-tuc").await?;
        b.type_into("#q", "khai sinh").await?;
        old_results
            .wait_until()
            .wait(harness::browser::WAIT, std::time::Duration::from_millis(50))
            .stale()
            .await
            .context("typing in the search box does not refresh the results")?;
        b.check_page("search-as-you-type").await?;
        let result = b
            .el(&format!("#ds-thu-tuc a[href='/thu-tuc/{PROCEDURE}']"))
            .await?;
        b.click_to(&result, "procedure").await?;
        ensure!(b.el("#ma-thu-tuc").await?.text().await? == PROCEDURE);

        // 2. Submits online with attachments: signing in on the way.
        let submit = b.el("#nop-truc-tuyen").await?;
        b.click_to(&submit, "submit-needs-sign-in").await?;
        if b.path().await?.starts_with("/dang-nhap") {
            b.type_into("#account", CITIZEN).await?;
            b.type_into("#password", DEMO_PASSWORD).await?;
            let go = b
                .el("form[action='/dang-nhap'] button[type=submit]")
                .await?;
            b.click_to(&go, "submit-form").await?;
        }
        ensure!(
            b.path()
                .await?
                .starts_with(&format!("/nop-ho-so/{PROCEDURE}")),
            "after signing in the citizen is on {}",
            b.path().await?
        );
        b.choose("#co_quan", DEMO_AGENCY).await?;
        b.type_into("#ho_ten", "Nguyễn Thị Hồng Nhung").await?;
        b.type_into("#so_dinh_danh", "086190000123").await?;
        b.type_into("#dien_thoai", "0901234567").await?;
        b.type_into("#email", "nhung@example.vn").await?;
        b.type_into("#dia_chi", "12 Nguyễn Huệ, Phường Phú Khương, Vĩnh Long")
            .await?;
        b.type_into(
            "#noi_dung",
            "Đăng ký khai sinh cho con: Trần Minh An, sinh 02/11/2026",
        )
        .await?;
        let inputs = b
            .driver
            .find_all(By::Css("#form-nop-ho-so input[type=file]"))
            .await?;
        ensure!(!inputs.is_empty(), "the form asks for no document");
        for (i, input) in inputs.iter().enumerate() {
            input
                .send_keys(files.pdf(&format!("giay-to-{i}.pdf"))?.to_string_lossy())
                .await?;
        }
        let next = b.el("#nut-tiep-tuc").await?;
        b.click_to(&next, "submit-review").await?;
        let confirm = b.el("#nut-xac-nhan").await?;
        b.click_to(&confirm, "submit-confirmation").await?;
        let code = b.el("#ma-ho-so").await?.text().await?.trim().to_string();
        let secret = b.el("#ma-tra-cuu").await?.text().await?.trim().to_string();
        ensure!(
            code.contains("H61"),
            "no dossier code on the confirmation: {code:?}"
        );
        ensure!(!secret.is_empty(), "no look-up secret on the confirmation");
        b.sign_out().await?;

        // 3. The one-stop officer accepts; the specialist asks for a supplement.
        officer_act(&b, "mc-phukhuong", &code, "accept", &[]).await?;
        officer_act(
            &b,
            "cv-phukhuong",
            &code,
            "request_supplement",
            &[("reason", SUPPLEMENT_REASON)],
        )
        .await?;

        // 4. The citizen sees why, and supplements.
        b.sign_in(CITIZEN, DEMO_PASSWORD, "mine").await?;
        let link = b
            .el(&format!(
                "#ds-ho-so a.ma-ho-so[href='/ho-so-cua-toi/{code}']"
            ))
            .await?;
        b.click_to(&link, "dossier-supplement-requested").await?;
        let reason = b.el("#ly-do-bo-sung").await?.text().await?;
        ensure!(reason.contains(SUPPLEMENT_REASON), "{reason}");
        // The corrected document goes to its own component (the declaration, Tờ khai).
        let mut input = None;
        for label in b.driver.find_all(By::Css("#form-bo-sung label")).await? {
            if label.text().await?.to_lowercase().contains("tờ khai") {
                input = label.attr("for").await?;
            }
        }
        let input = input.context("the supplement form has no field for the declaration")?;
        b.attach(&format!("#{input}"), &files.pdf("to-khai-da-ky.pdf")?)
            .await?;
        b.type_into("#form-bo-sung #ghi_chu", "Gửi lại tờ khai đã ký.")
            .await?;
        let send = b.el("#nut-bo-sung").await?;
        b.click_to(&send, "dossier-supplemented").await?;
        b.el("#thong-bao").await?;
        b.sign_out().await?;

        // 5. The specialist forwards, the leader approves, the clerk issues, the one-stop
        //    officer delivers.
        officer_act(
            &b,
            "cv-phukhuong",
            &code,
            "forward",
            &[("to_step", "approve")],
        )
        .await?;
        officer_act(&b, "ld-phukhuong", &code, "approve", &[]).await?;
        officer_act(&b, "vt-phukhuong", &code, "result_ready", &[]).await?;
        officer_act(&b, "mc-phukhuong", &code, "deliver", &[]).await?;
        ensure!(server.status(&code).await? >= 6, "not delivered");

        // 6. The citizen downloads the result and the forms, and rates the service.
        b.sign_in(CITIZEN, DEMO_PASSWORD, "mine-after").await?;
        b.open(&format!("/ho-so-cua-toi/{code}"), "dossier-delivered")
            .await?;
        let mut downloads = Vec::new();
        for a in b.driver.find_all(By::Css("#ds-mau a, #ds-tep a")).await? {
            downloads.push((a.text().await?, a.attr("href").await?.unwrap_or_default()));
        }
        ensure!(
            !downloads.is_empty(),
            "nothing to download on the delivered dossier"
        );
        for (label, href) in &downloads {
            let got = b.fetch(href).await?;
            ensure!(
                got.status == 200 && got.len > 0,
                "{label} ({href}): {got:?}"
            );
            if href.contains("/mau/") {
                ensure!(
                    got.head.starts_with("%PDF"),
                    "{label} is not a PDF: {got:?}"
                );
            }
        }
        b.el("#diem-5").await?.click().await?;
        b.type_into("#nhan_xet", "Nhanh, cán bộ hướng dẫn tận tình.")
            .await?;
        let rate = b.el("#nut-danh-gia").await?;
        b.click_to(&rate, "dossier-rated").await?;
        let rated = b.el("#da-danh-gia").await?.text().await?;
        ensure!(rated.contains("5/5"), "{rated}");

        // 7. Anyone can look the dossier up with its code and secret (no sign-in).
        b.sign_out().await?;
        b.open(&format!("/tra-cuu?ma={code}"), "lookup").await?;
        b.type_into("#ma_bi_mat", &secret).await?;
        let look = b.el("#form-tra-cuu button[type=submit]").await?;
        b.click_to(&look, "lookup-result").await?;
        let found = b.el("#ket-qua-tra-cuu").await?.text().await?;
        ensure!(found.contains(&code), "{found}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_cannot_open_or_touch_another_citizens_dossier() {
    harness::run("other-citizen", |server, b| async move {
        let code = server.submit_online(CITIZEN, PROCEDURE).await?;
        // Its owner sees it (so the refusals below are not a missing page).
        b.sign_in(CITIZEN, DEMO_PASSWORD, "mine-owner").await?;
        b.open(&format!("/ho-so-cua-toi/{code}"), "own-dossier")
            .await?;
        ensure!(b.el("#ma-ho-so").await?.text().await?.trim() == code);
        b.sign_out().await?;
        server
            .add_user("cong-dan-khac", "Lê Văn Khác", None, Role::Applicant)
            .await?;
        b.sign_in("cong-dan-khac", DEMO_PASSWORD, "mine-empty")
            .await?;
        ensure!(
            !b.body_text().await?.contains(&code),
            "another citizen's dossier is listed"
        );
        // This citizen's own CSRF token, for the forged writes below.
        let csrf = b.csrf().await?;
        b.open(&format!("/ho-so-cua-toi/{code}"), "other-dossier")
            .await?;
        let text = b.body_text().await?;
        ensure!(
            !text.contains("Nguyễn Thị Hồng Nhung") && text.contains("not_found"),
            "another citizen's dossier is shown:\n{text}"
        );
        // Forged writes with this citizen's own CSRF token: refused, nothing changed.
        let before = server.status(&code).await?;
        for (path, fields, multipart) in [
            (
                format!("/ho-so-cua-toi/{code}/rut"),
                vec![("ly_do", "x")],
                false,
            ),
            (
                format!("/ho-so-cua-toi/{code}/danh-gia"),
                vec![("diem", "1")],
                false,
            ),
            (
                format!("/ho-so-cua-toi/{code}/bo-sung"),
                vec![("ghi_chu", "x")],
                true,
            ),
        ] {
            let mut fields = fields;
            fields.push(("csrf", csrf.as_str()));
            fields.push(("khoa", "e2e-forged-0001"));
            let status = b.post_form(&path, &fields, multipart).await?;
            ensure!(
                matches!(status, 403 | 404),
                "POST {path} by another citizen answered {status}"
            );
        }
        for path in [format!("/ho-so-cua-toi/{code}/mau/01")] {
            let got = b.fetch(&path).await?;
            ensure!(matches!(got.status, 403 | 404), "GET {path}: {got:?}");
        }
        ensure!(server.status(&code).await? == before, "the dossier changed");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_cannot_act_on_another_agencys_dossier() {
    harness::run("other-agency", |server, b| async move {
        let code = server.submit_online(CITIZEN, PROCEDURE).await?;
        // UBND Phường An Hội: a neighbouring commune.
        server
            .add_user(
                "mc-anhoi",
                "Võ Văn Hội (một cửa)",
                Some("000.02.90.H61"),
                Role::OneStopOfficer,
            )
            .await?;
        b.sign_in("mc-anhoi", DEMO_PASSWORD, "queues-other-agency")
            .await?;
        b.open("/can-bo?hang=tat-ca", "queues-all-other-agency")
            .await?;
        ensure!(
            !b.has(&format!("#row-{}", css_id(&code))).await?,
            "another agency's dossier is in the queue"
        );
        let csrf = b.csrf().await?;
        b.open(&format!("/can-bo/ho-so/{code}"), "other-agency-dossier")
            .await?;
        ensure!(
            !b.has("#actions").await? && b.body_text().await?.contains("not_found"),
            "another agency's dossier is shown"
        );
        let before = server.status(&code).await?;
        let status = b
            .post_form(
                &format!("/can-bo/ho-so/{code}/thao-tac"),
                &[
                    ("csrf", &csrf),
                    ("action", "accept"),
                    ("idempotency_key", "e2e-forged-0002"),
                ],
                false,
            )
            .await?;
        ensure!(
            matches!(status, 403 | 404),
            "accepting another agency's dossier answered {status}"
        );
        ensure!(server.status(&code).await? == before, "the dossier changed");
        // The receiving agency's own officer can (the same request is not refused for all).
        b.sign_out().await?;
        officer_act(&b, "mc-phukhuong", &code, "accept", &[]).await?;
        ensure!(
            server.status(&code).await? != before,
            "the own officer could not accept"
        );
        Ok(())
    })
    .await;
}

/// Signs in as `officer`, opens the dossier in the officer workspace, fills the action's form
/// (`fields`: the input's name after `#<action>-`), submits it and checks that it was done;
/// signs out.
async fn officer_act(
    b: &Browser,
    officer: &str,
    code: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> anyhow::Result<()> {
    b.sign_in(officer, DEMO_PASSWORD, &format!("{officer}-home"))
        .await?;
    b.open(
        &format!("/can-bo/ho-so/{code}"),
        &format!("{officer}-dossier-before-{action}"),
    )
    .await?;
    if !b.has(&format!("#form-{action}")).await? {
        bail!(
            "{officer} cannot {action} {code}: the dossier page offers no such form:\n{}",
            b.body_text().await?
        );
    }
    for (field, value) in fields {
        let css = format!("#{action}-{field}");
        let tag = b.el(&css).await?.tag_name().await?;
        if tag.eq_ignore_ascii_case("select") {
            b.choose(&css, value).await?;
        } else {
            b.type_into(&css, value).await?;
        }
    }
    let button = b.el(&format!("#{action}-submit")).await?;
    b.click_swap(
        &button,
        "#dossier-panel",
        &format!("{officer}-{action}-done"),
    )
    .await?;
    if !b.has("#action-done").await? {
        let why = match b.has("#action-error").await? {
            true => b.el("#action-error").await?.text().await?,
            false => b.body_text().await?,
        };
        bail!("{officer}: {action} on {code} was not done: {why}");
    }
    b.sign_out().await
}

/// A dossier code as it appears in an HTML id (`row-<code>`), escaped for a CSS selector.
fn css_id(code: &str) -> String {
    code.replace('.', "\\.")
}

/// Small documents to upload, in a temporary folder removed at the end.
struct TestFiles {
    dir: PathBuf,
}

impl TestFiles {
    fn new(test: &str) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("tinhso_e2e_files_{test}_{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// A valid one-page PDF (the attachment checks read its structure).
    fn pdf(&self, name: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(name);
        std::fs::write(&path, one_page_pdf(name))?;
        Ok(path)
    }
}

impl Drop for TestFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A minimal PDF: catalog, page tree, one empty A4 page, a cross-reference table with the
/// objects' real offsets; the title makes each file's bytes (and SHA-256) different.
fn one_page_pdf(title: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string(),
        format!("<< /Title ({}) >>", title.replace(['(', ')', '\\'], "")),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for (n, body) in objects.iter().enumerate() {
        xref += &format!("{:010} 00000 n \n", pdf.len());
        pdf.extend(format!("{} 0 obj\n{body}\nendobj\n", n + 1).bytes());
    }
    let start = pdf.len();
    pdf.extend(xref.bytes());
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{start}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}
