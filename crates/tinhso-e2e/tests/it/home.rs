//! The landing page: Vietnamese first, the English switch, keyboard use.

use anyhow::ensure;
use thirtyfour::prelude::*;

use crate::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_page_is_vietnamese_first_accessible_and_switches_to_english() {
    harness::run("home", |_server, b| async move {
        b.open("/", "landing").await?;
        let lang = b.el("html").await?.attr("lang").await?;
        ensure!(lang.as_deref() == Some("vi"), "html lang is {lang:?}");
        ensure!(b.el("h1").await?.text().await? == "Dịch vụ công trực tuyến");
        b.el("label[for=q]").await?;

        // Keyboard: the first Tab stop is the skip link, and it leads to the main content.
        b.el("body").await?.send_keys(Key::Tab).await?;
        let focused = b.driver.active_element().await?;
        ensure!(
            focused.attr("href").await?.as_deref() == Some("#main"),
            "first Tab stop is not the skip link: {:?}",
            focused.outer_html().await?
        );
        focused.send_keys(Key::Enter).await?;
        let focused = b.driver.active_element().await?;
        ensure!(
            focused.id().await?.as_deref() == Some("main"),
            "the skip link does not move focus to <main>"
        );

        // The English switch, and back.
        let switch = b.el("a[lang=en]").await?;
        b.click_to(&switch, "landing-en").await?;
        ensure!(b.el("html").await?.attr("lang").await?.as_deref() == Some("en"));
        ensure!(b.el("h1").await?.text().await? == "Online public services");
        let back = b.el("a[lang=vi]").await?;
        b.click_to(&back, "landing-vi-again").await?;
        ensure!(b.el("html").await?.attr("lang").await?.as_deref() == Some("vi"));
        Ok(())
    })
    .await;
}
