//! One headless Chromium session per test, with the checks every visited page gets: axe-core
//! (serious and critical violations fail the test), the browser console (CSP violations and
//! uncaught script errors fail it), and a screenshot in the artifacts folder.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};
use thirtyfour::prelude::*;
use thirtyfour::LoggingPrefsLogLevel;

use super::tools::{artifacts_dir, chromedriver, Tools};

/// How long an explicit wait (an element, a navigation) may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(50);

/// A browser tab with the page checks built in. Cheap to clone (it is a session handle).
#[derive(Clone)]
pub struct Browser {
    pub driver: WebDriver,
    base: Arc<str>,
    axe_js: Arc<str>,
    test: Arc<str>,
    step: Arc<AtomicU32>,
    /// The last page checked, for failure messages.
    last: Arc<std::sync::Mutex<String>>,
    /// Fingerprints of the markup already checked in this test: an identical page (the
    /// sign-in form again, the home page after each sign-out) is not checked twice.
    seen: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// Chromium's switches: headless (unless `TINHSO_E2E_HEADFUL=1`), usable as root in a container,
/// and silent on the network (this machine has none: background requests only add noise).
fn capabilities(tools: &Tools) -> anyhow::Result<thirtyfour::ChromeCapabilities> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&tools.chromium.to_string_lossy())?;
    let headful = std::env::var("TINHSO_E2E_HEADFUL").is_ok_and(|v| v == "1");
    let mut args = vec![
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-crash-reporter",
        "--disable-breakpad",
        "--disable-extensions",
        "--password-store=basic",
        "--window-size=1280,900",
        "--lang=vi-VN",
    ];
    if !headful {
        args.push("--headless=new");
    }
    for a in args {
        caps.add_arg(a)?;
    }
    // Vietnamese first, as a citizen's browser in the province would ask.
    caps.add_experimental_option("prefs", json!({"intl.accept_languages": "vi-VN,vi,en"}))?;
    caps.set_browser_log_level(LoggingPrefsLogLevel::All)?;
    Ok(caps)
}

impl Browser {
    pub async fn start(tools: &Tools, base: &str, test: &str) -> anyhow::Result<Browser> {
        let driver_url = chromedriver(tools).map_err(anyhow::Error::msg)?.url.clone();
        let driver = WebDriver::new(driver_url, capabilities(tools)?)
            .await
            .context("starting a Chromium session through chromedriver")?;
        driver.set_script_timeout(Duration::from_secs(30)).await?;
        driver
            .set_page_load_timeout(Duration::from_secs(30))
            .await?;
        Ok(Browser {
            driver,
            base: base.into(),
            axe_js: tools.axe_js.clone(),
            test: test.into(),
            step: Arc::new(AtomicU32::new(0)),
            last: Arc::default(),
            seen: Arc::default(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The path (and query) of the current page, without scheme and host.
    pub async fn path(&self) -> anyhow::Result<String> {
        let url = self.driver.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        })
    }

    /// Opens a path of the server and checks the page (axe, console, screenshot) as `name`.
    pub async fn open(&self, path: &str, name: &str) -> anyhow::Result<()> {
        self.driver.goto(self.url(path)).await?;
        self.wait_ready().await?;
        self.check_page(name).await
    }

    /// Waits until the document has finished loading.
    pub async fn wait_ready(&self) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        loop {
            let state = self
                .driver
                .execute("return document.readyState", [])
                .await?;
            if state.json() == "complete" {
                return Ok(());
            }
            if started.elapsed() > WAIT {
                bail!("the page did not finish loading within {WAIT:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks an element that leads to another page (a link, a form's submit button), waits for
    /// the new document and checks it as `name`.
    pub async fn click_to(&self, elem: &WebElement, name: &str) -> anyhow::Result<()> {
        self.click_swap(elem, "html", name).await
    }

    /// Clicks an element whose answer replaces what `swapped` names (`html`: a new page; else
    /// the part htmx swaps in), waits until it has been replaced, then checks the page as
    /// `name`.
    pub async fn click_swap(
        &self,
        elem: &WebElement,
        swapped: &str,
        name: &str,
    ) -> anyhow::Result<()> {
        let old = self.el(swapped).await?;
        elem.click().await?;
        old.wait_until()
            .wait(WAIT, POLL)
            .stale()
            .await
            .with_context(|| format!("no new {swapped} after the click (expected {name})"))?;
        self.el(swapped).await?;
        self.wait_ready().await?;
        self.check_page(name).await
    }

    /// Picks the option of a `<select>` with this value, as a person would (clicking it).
    pub async fn choose(&self, select_css: &str, value: &str) -> anyhow::Result<()> {
        let option = self
            .el(&format!("{select_css} option[value='{value}']"))
            .await?;
        option.click().await?;
        Ok(())
    }

    /// Attaches a local file to a file input.
    pub async fn attach(&self, input_css: &str, file: &std::path::Path) -> anyhow::Result<()> {
        let input = self.el(input_css).await?;
        input.send_keys(file.to_string_lossy()).await?;
        Ok(())
    }

    /// The CSRF token of the page (any form's hidden `csrf` field: the header's sign-out form
    /// has one whenever someone is signed in).
    pub async fn csrf(&self) -> anyhow::Result<String> {
        self.el("input[name=csrf]")
            .await?
            .attr("value")
            .await?
            .context("a csrf field without a value")
    }

    /// Posts a form from the page with `fetch` (this tab's cookies, no redirect followed), as a
    /// forged or replayed request would; returns the HTTP status (0: a redirect, i.e. accepted).
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        multipart: bool,
    ) -> anyhow::Result<u16> {
        let fields: Vec<Value> = fields.iter().map(|(k, v)| json!([k, v])).collect();
        let r = self
            .driver
            .execute_async(
                r#"const [path, fields, multipart, done] = arguments;
const body = multipart ? new FormData() : new URLSearchParams();
for (const [k, v] of fields) body.append(k, v);
fetch(path, {method: 'POST', body, credentials: 'same-origin', redirect: 'manual'})
  .then(r => done(r.type === 'opaqueredirect' ? 0 : r.status))
  .catch(e => done(-1));"#,
                [json!(path), Value::Array(fields), json!(multipart)],
            )
            .await?;
        let status = r.json().as_i64().unwrap_or(-1);
        anyhow::ensure!(status >= 0, "posting to {path} failed in the browser");
        Ok(status as u16)
    }

    /// The one element a CSS selector names, waiting for it to appear.
    pub async fn el(&self, css: &str) -> anyhow::Result<WebElement> {
        match self
            .driver
            .query(By::Css(css))
            .wait(WAIT, POLL)
            .desc(css)
            .first()
            .await
        {
            Ok(e) => Ok(e),
            Err(e) => Err(anyhow::Error::new(e).context(format!(
                "no element {css:?} on {}",
                self.path_or_unknown().await
            ))),
        }
    }

    /// Whether an element is on the page now (no waiting).
    pub async fn has(&self, css: &str) -> anyhow::Result<bool> {
        Ok(!self.driver.find_all(By::Css(css)).await?.is_empty())
    }

    /// Clears an input and types into it, as a person would (key by key).
    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let input = self.el(css).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Signs in through the sign-in page; checks the page it lands on as `landing`.
    pub async fn sign_in(
        &self,
        account: &str,
        password: &str,
        landing: &str,
    ) -> anyhow::Result<()> {
        self.open("/dang-nhap", &format!("signin-{landing}"))
            .await?;
        self.type_into("#account", account).await?;
        self.type_into("#password", password).await?;
        let submit = self
            .el("form[action='/dang-nhap'] button[type=submit]")
            .await?;
        self.click_to(&submit, landing).await?;
        if self.path().await?.starts_with("/dang-nhap") && self.has("[role=alert]").await? {
            bail!(
                "signing in as {account} failed: {}",
                self.body_text().await?
            );
        }
        Ok(())
    }

    /// Signs out with the header's button (from the home page when the current page has no
    /// header, like the error pages).
    pub async fn sign_out(&self) -> anyhow::Result<()> {
        const BUTTON: &str = "form[action='/dang-xuat'] button";
        if !self.has(BUTTON).await? {
            self.open("/", "before-sign-out").await?;
        }
        let button = self.el(BUTTON).await?;
        self.click_to(&button, "signed-out").await
    }

    /// Whether the browser holds a non-empty cookie of that name for this site.
    pub async fn has_cookie_value(&self, name: &str) -> anyhow::Result<bool> {
        Ok(self
            .driver
            .get_all_cookies()
            .await?
            .iter()
            .any(|c| c.name == name && !c.value.is_empty()))
    }

    /// The visible text of the page's body.
    pub async fn body_text(&self) -> anyhow::Result<String> {
        Ok(self.el("body").await?.text().await?)
    }

    /// Waits until the body's text contains `needle` (an htmx update, a redirect).
    pub async fn wait_text(&self, needle: &str) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        loop {
            let text = self.body_text().await.unwrap_or_default();
            if text.contains(needle) {
                return Ok(());
            }
            if started.elapsed() > WAIT {
                bail!(
                    "{:?} did not appear on {} within {WAIT:?}; the page says:\n{}",
                    needle,
                    self.path_or_unknown().await,
                    excerpt(&text)
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn path_or_unknown(&self) -> String {
        self.path()
            .await
            .unwrap_or_else(|_| "(unknown page)".into())
    }

    /// Every check a visited page gets; `open` and `click_to` call it.
    pub async fn check_page(&self, name: &str) -> anyhow::Result<()> {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) =
            format!("{name} ({})", self.path_or_unknown().await);
        // The markup without attribute values that change per request (CSRF tokens,
        // idempotency keys), hashed (FNV-1a): the same page gives the same checks.
        let print = self
            .driver
            .execute(
                r#"const html = document.documentElement.outerHTML.replace(/value="[^"]*"/g, '');
let h = 0x811c9dc5;
for (let i = 0; i < html.length; i++) { h ^= html.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
return h.toString(16) + ':' + html.length;"#,
                [],
            )
            .await?;
        let print = print.json().as_str().unwrap_or_default().to_string();
        if !self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(print)
        {
            let console = self.console_problems().await?;
            if !console.is_empty() {
                bail!(
                    "page {name:?}: browser console:\n  {}",
                    console.join("\n  ")
                );
            }
            return Ok(());
        }
        let shot = self.screenshot(name).await?;
        let console = self.console_problems().await?;
        let axe = self.axe(name).await?;
        let mut problems = Vec::new();
        if !console.is_empty() {
            problems.push(format!("browser console:\n  {}", console.join("\n  ")));
        }
        if !axe.is_empty() {
            problems.push(format!(
                "axe-core: {} serious or critical violation(s):\n{}",
                axe.len(),
                axe.join("\n")
            ));
        }
        if !problems.is_empty() {
            bail!(
                "page {name:?} ({}) fails its checks (screenshot {}):\n{}",
                self.path_or_unknown().await,
                shot.display(),
                problems.join("\n")
            );
        }
        Ok(())
    }

    /// Saves a full-page PNG as `<test>-<step>-<name>.png` in the artifacts folder.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let step = self.step.fetch_add(1, Ordering::Relaxed) + 1;
        let file = artifacts_dir().join(format!("{}-{step:02}-{}.png", self.test, sanitize(name)));
        // Grow the viewport to the page's height for one capture, then restore it.
        let size = self
            .driver
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight, window.innerWidth, window.innerHeight]",
                [],
            )
            .await?;
        let size: Vec<i64> = size.convert()?;
        let cdp = self.driver.cdp();
        let tall = size[1] > size[3];
        if tall {
            cdp.send_raw(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": size[2], "height": size[1].min(8000), "deviceScaleFactor": 1, "mobile": false}),
            )
            .await?;
        }
        let png = self.driver.screenshot_as_png().await;
        if tall {
            cdp.send_raw("Emulation.clearDeviceMetricsOverride", json!({}))
                .await?;
        }
        std::fs::write(&file, png?).with_context(|| file.display().to_string())?;
        Ok(file)
    }

    /// Runs axe-core on the current page. Returns the serious and critical violations, one
    /// line each with the rule, its impact, the offending elements and the help URL; lesser
    /// ones are printed and written next to the screenshots, without failing the test.
    pub async fn axe(&self, name: &str) -> anyhow::Result<Vec<String>> {
        let present = self.driver.execute("return typeof window.axe", []).await?;
        if present.json() != "object" {
            self.driver
                .execute(&*self.axe_js, [])
                .await
                .context("injecting axe-core")?;
        }
        let result = self
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
window.axe.run(document, {resultTypes: ['violations']})
  .then(r => done({ok: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))}))
  .catch(e => done({error: String(e)}));"#,
                [],
            )
            .await
            .context("running axe-core")?;
        let result = result.json();
        if let Some(e) = result.get("error") {
            bail!("axe-core failed on {name}: {e}");
        }
        let violations = result["ok"].as_array().cloned().unwrap_or_default();
        let mut serious = Vec::new();
        let mut lesser = Vec::new();
        for v in &violations {
            let impact = v["impact"].as_str().unwrap_or("unknown");
            let targets: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| n["target"].to_string())
                .collect();
            let line = format!(
                "  - {} [{impact}] {} — {} element(s): {} — {}",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                targets.len(),
                targets.join(", "),
                v["helpUrl"].as_str().unwrap_or("")
            );
            if matches!(impact, "serious" | "critical") {
                serious.push(line);
            } else {
                lesser.push(line);
            }
        }
        if !violations.is_empty() {
            let file = artifacts_dir().join(format!("{}-axe-{}.json", self.test, sanitize(name)));
            let _ = std::fs::write(
                &file,
                serde_json::to_string_pretty(&Value::Array(violations)).unwrap_or_default(),
            );
        }
        if !lesser.is_empty() {
            eprintln!(
                "axe-core, {}: {name}: minor/moderate findings (not failing):\n{}",
                self.test,
                lesser.join("\n")
            );
        }
        Ok(serious)
    }

    /// Browser console entries that fail a page: Content-Security-Policy violations (the CSP
    /// forbids inline script and style) and uncaught script errors. Failed loads of
    /// `/favicon.ico` are ignored.
    async fn console_problems(&self) -> anyhow::Result<Vec<String>> {
        let entries = self.driver.get_log("browser").await.unwrap_or_default();
        Ok(entries
            .into_iter()
            .filter(|e| {
                let m = &e.message;
                m.contains("Content Security Policy")
                    || (e.level == "SEVERE"
                        && !m.contains("favicon.ico")
                        && !m.contains("status of 4"))
            })
            .map(|e| format!("[{}] {}", e.level, e.message))
            .collect())
    }

    /// The last page checked: its name and path.
    pub fn last_page(&self) -> String {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// On failure: the page as it was (screenshot and HTML) for the artifacts folder.
    pub async fn save_failure(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Ok(p) = self.screenshot("FAILED").await {
            out.push(p);
        }
        if let Ok(html) = self.driver.source().await {
            let p = artifacts_dir().join(format!("{}-FAILED.html", self.test));
            if std::fs::write(&p, html).is_ok() {
                out.push(p);
            }
        }
        out
    }

    /// Runs `fetch` in the page (with this tab's cookies) and reports the answer's status,
    /// content type, length and first bytes — for downloads, which headless Chromium would
    /// otherwise save out of sight.
    pub async fn fetch(&self, path: &str) -> anyhow::Result<Fetched> {
        let r = self
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'})
  .then(async r => { const b = new Uint8Array(await r.arrayBuffer());
     done({status: r.status, type: r.headers.get('content-type') || '', len: b.length,
           head: String.fromCharCode(...b.slice(0, 8))}); })
  .catch(e => done({status: 0, type: String(e), len: 0, head: ''}));"#,
                [json!(path)],
            )
            .await?;
        Ok(serde_json::from_value(r.json().clone())?)
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct Fetched {
    pub status: u16,
    #[serde(rename = "type")]
    pub content_type: String,
    pub len: usize,
    pub head: String,
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn excerpt(text: &str) -> String {
    let t: String = text.chars().take(1500).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}
