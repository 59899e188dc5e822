//! The browser-test harness: a real server, a real browser, checks on every page.
//!
//! [`run`] is the whole life of a test: find the tools (or skip, loudly), start the server
//! ([`server::Server`]), open a Chromium session through the shared chromedriver
//! ([`tools::chromedriver`]), run the test body, and on failure keep a screenshot and the page's
//! HTML before the session is closed.

pub mod browser;
pub mod server;
pub mod tools;

use std::future::Future;
use std::sync::Arc;

pub use browser::Browser;
pub use server::Server;
pub use tinhso_app::demo::DEMO_PASSWORD;

/// Runs one browser test. The body gets the server and a browser pointed at it; every page it
/// opens or navigates to through [`Browser::open`] / [`Browser::click_to`] is checked.
///
/// Without Chromium, chromedriver or axe-core the test prints a SKIPPED line and passes, unless
/// `TINHSO_REQUIRE_BROWSER=1` (set by `scripts/test`) makes that a failure.
pub async fn run<F, Fut>(test: &str, body: F)
where
    F: FnOnce(Arc<Server>, Browser) -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let tools = match tools::find() {
        Ok(t) => t,
        Err(missing) => {
            let msg = format!(
                "browser test {test}: missing {missing}. Install them (./scripts/test does, as root) \
                 or set TINHSO_CHROMIUM / TINHSO_CHROMEDRIVER / TINHSO_AXE_JS"
            );
            if tools::browser_required() {
                panic!("{msg} (TINHSO_REQUIRE_BROWSER=1)");
            }
            eprintln!("SKIPPED {msg}");
            return;
        }
    };
    let server = Arc::new(Server::start().await.expect("starting the tinhso server"));
    let browser = Browser::start(&tools, &server.base, test)
        .await
        .unwrap_or_else(|e| panic!("{test}: {e:#}"));
    // The body runs as its own task so that a panic in it is caught here, after which the
    // failure is recorded and the browser closed before the test fails.
    let outcome = tokio::spawn(body(server.clone(), browser.clone())).await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:#}")),
        Err(join) => Some(match join.try_into_panic() {
            Ok(p) => p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into()),
            Err(e) => e.to_string(),
        }),
    };
    let saved = match failure {
        Some(_) => browser.save_failure().await,
        None => Vec::new(),
    };
    let last_page = browser.last_page();
    let quit = browser.driver.quit().await;
    if let Some(f) = failure {
        let saved: Vec<String> = saved.iter().map(|p| p.display().to_string()).collect();
        panic!(
            "{test} failed after page {}: {f}\n(kept: {})",
            last_page,
            saved.join(", ")
        );
    }
    quit.expect("closing the browser");
}
