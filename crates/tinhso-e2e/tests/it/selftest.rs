//! The harness checks itself: a page with known faults must fail its checks, naming them.

use crate::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_checks_catch_axe_violations_and_script_errors() {
    harness::run("selftest", |_server, b| async move {
        let bad = "data:text/html;charset=utf-8,<!doctype html><html><head><title>x</title></head>\
                   <body><main><img src='x.png'><input id='q'>\
                   <script>throw new Error('boom')</script></main></body></html>";
        b.driver.goto(bad).await?;
        b.wait_ready().await?;
        let err = b
            .check_page("faulty")
            .await
            .expect_err("a page with an unlabelled input must fail");
        let msg = format!("{err:#}");
        for needle in [
            "image-alt [critical]",
            "label [critical]",
            "dequeuniversity.com/rules/axe/",
            "[\"#q\"]",
            "Uncaught Error: boom",
            "html-has-lang",
        ] {
            anyhow::ensure!(msg.contains(needle), "{needle:?} missing from:\n{msg}");
        }
        Ok(())
    })
    .await;
}
