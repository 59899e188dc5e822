//! The operations dashboard in a real browser (routes and ids from the module docs of
//! crates/tinhso-web/src/html/ioc.rs): a leader on a seeded history goes from the dashboard to
//! the dossiers behind an indicator and downloads the list; the rankings, the heat table, the
//! wall screen and the public transparency page are visited too; every page checked by axe
//! and photographed.

use anyhow::{ensure, Context};
use tinhso_domain::dossier::Role;
use tinhso_domain::kpi::{Dimension, Period};
use tinhso_store::kpi::DimensionKind;

use crate::harness::{self, DEMO_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_follows_an_indicator_to_its_dossiers_and_downloads_them() {
    harness::run("ioc", |server, b| async move {
        server
            .app
            .seed_dossiers(3000, 11, &tinhso_app::NoProgress)
            .await?;
        // Last year: complete in the seeded history (24 months up to today).
        let year = server.app.today().year() - 1;
        let ranking = server
            .app
            .ranking(DimensionKind::CompetentAgency, Period::Year(year))
            .await?;
        let top = ranking
            .iter()
            .max_by_key(|u| u.late)
            .context("no ranked agency")?;
        ensure!(top.late > 0, "no late dossier in {year}");
        let Dimension::CompetentAgency(eid) = &top.scope else {
            anyhow::bail!("ranked by {:?}", top.scope)
        };
        server
            .add_user(
                "ld-e2e",
                "Lê Văn Điều (lãnh đạo)",
                Some(eid.as_str()),
                Role::Leader,
            )
            .await?;

        b.sign_in("ld-e2e", DEMO_PASSWORD, "ioc-landing").await?;
        ensure!(
            b.path().await?.starts_with("/dieu-hanh"),
            "a leader lands on {}",
            b.path().await?
        );
        // Choose last year in the filter form, as a person would.
        b.choose("#kind", "year").await?;
        b.driver
            .execute(
                "document.getElementById('day').value = arguments[0]",
                [serde_json::json!(format!("{year}-06-01"))],
            )
            .await?;
        let apply = b.el("#apply-filters").await?;
        b.click_to(&apply, "ioc-dashboard-year").await?;
        let late: u64 = b
            .el("#fig-late-value")
            .await?
            .text()
            .await?
            .replace('.', "")
            .parse()?;
        ensure!(
            late == top.late,
            "the page says {late} late, the ranking {}",
            top.late
        );
        b.el("svg#trend-chart[role=img]").await?;
        b.el("table#trend-table").await?;
        b.el("#index-total").await?;

        // The indicator's link leads to the dossiers that lost its points.
        let drill = b.el("#drill-2-1").await?;
        b.click_to(&drill, "ioc-dossiers").await?;
        let lost: u64 = b
            .el("#lost-count")
            .await?
            .text()
            .await?
            .replace('.', "")
            .parse()?;
        ensure!(lost == late, "{lost} listed as lost, {late} late");
        let rows = b
            .driver
            .find_all(thirtyfour::By::Css("#dossiers tbody tr"))
            .await?;
        ensure!(
            rows.len() as u64 == late.min(50),
            "{} rows on the first page",
            rows.len()
        );
        // The CSV download: the whole list.
        let href = b
            .el("#download-csv")
            .await?
            .attr("href")
            .await?
            .context("no download link")?;
        let csv = b.fetch(&href).await?;
        ensure!(csv.status == 200, "CSV: {}", csv.status);
        ensure!(
            csv.content_type.starts_with("text/csv"),
            "{}",
            csv.content_type
        );
        let href = b
            .el("#download-xlsx")
            .await?
            .attr("href")
            .await?
            .context("no download link")?;
        let xlsx = b.fetch(&href).await?;
        ensure!(
            xlsx.status == 200 && xlsx.head.starts_with("PK"),
            "XLSX: {}",
            xlsx.status
        );

        // The other dashboard pages.
        b.open(
            &format!("/dieu-hanh/xep-hang?by=agency&period={year}"),
            "ioc-ranking-agency",
        )
        .await?;
        b.el("table#ranking-table").await?;
        b.open(
            &format!("/dieu-hanh/xep-hang?by=commune&period={year}"),
            "ioc-ranking-commune",
        )
        .await?;
        b.open("/dieu-hanh/nhiet-do", "ioc-heat").await?;
        b.el("table#heat-table").await?;
        b.open("/dieu-hanh/man-hinh", "ioc-wall").await?;
        b.el("#wall-panel[hx-trigger='every 60s']").await?;
        b.open("/dieu-hanh?period=2026-13", "ioc-bad-period")
            .await?;
        b.el("#ioc-error").await?;
        b.sign_out().await?;

        // The public page, without signing in.
        b.open("/minh-bach", "ioc-transparency").await?;
        b.el("table#public-year").await?;
        Ok(())
    })
    .await;
}
