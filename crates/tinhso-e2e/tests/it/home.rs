//! The landing page.

use crate::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_page_is_vietnamese_first_and_accessible() {
    harness::run("home", |_server, b| async move {
        b.open("/", "landing").await?;
        let lang = b.el("html").await?.attr("lang").await?;
        anyhow::ensure!(lang.as_deref() == Some("vi"), "html lang is {lang:?}");
        let text = b.body_text().await?;
        anyhow::ensure!(
            text.contains("Tìm thủ tục"),
            "no search on the landing page:\n{text}"
        );
        Ok(())
    })
    .await;
}
