//! Finding the outside tools (Chromium, chromedriver, axe-core) and the artifacts folder, and
//! the one chromedriver process this test binary shares.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The axe-core version `scripts/test` installs; only documentation here: the harness runs
/// whatever `axe.min.js` it finds.
pub const AXE_VERSION: &str = "4.14.1";

/// What a browser test needs from outside the repository.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// The source of `axe.min.js`, injected into every page checked.
    pub axe_js: std::sync::Arc<str>,
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home_cache() -> Option<PathBuf> {
    env_path("XDG_CACHE_HOME").or_else(|| env_path("HOME").map(|h| h.join(".cache")))
}

/// Where `axe.min.js` is looked for: `TINHSO_AXE_JS`, then the cache `scripts/test` fills.
pub fn axe_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = env_path("TINHSO_AXE_JS") {
        out.push(p);
    }
    if let Some(c) = home_cache() {
        out.push(c.join("tinhso-axe/node_modules/axe-core/axe.min.js"));
    }
    out
}

/// `Ok(tools)` when everything is installed, `Err(what is missing)` otherwise.
pub fn find() -> Result<Tools, String> {
    static FOUND: OnceLock<Result<Tools, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let chromium =
                env_path("TINHSO_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into());
            let chromedriver =
                env_path("TINHSO_CHROMEDRIVER").unwrap_or_else(|| "/usr/bin/chromedriver".into());
            let mut missing = Vec::new();
            for (what, p) in [("chromium", &chromium), ("chromedriver", &chromedriver)] {
                if !p.is_file() {
                    missing.push(format!("{what} ({})", p.display()));
                }
            }
            let axe = axe_candidates()
                .into_iter()
                .find_map(|p| std::fs::read_to_string(&p).ok());
            if axe.is_none() {
                missing.push(format!(
                    "axe-core {AXE_VERSION} (axe.min.js; looked at {})",
                    axe_candidates()
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            match axe {
                Some(axe) if missing.is_empty() => Ok(Tools {
                    chromium,
                    chromedriver,
                    axe_js: axe.into(),
                }),
                _ => Err(missing.join(", ")),
            }
        })
        .clone()
}

/// True when a missing browser must fail the test instead of skipping it.
pub fn browser_required() -> bool {
    std::env::var("TINHSO_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// `TINHSO_E2E_ARTIFACTS`, else `$CARGO_TARGET_DIR/e2e-artifacts` (the target folder is found
/// from this test binary's own path, `target/debug/deps/it-…`, when the variable is not set at
/// run time).
pub fn artifacts_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = env_path("TINHSO_E2E_ARTIFACTS").unwrap_or_else(|| {
            let target = env_path("CARGO_TARGET_DIR").or_else(|| {
                std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
            });
            target
                .unwrap_or_else(|| std::env::temp_dir().join("tinhso"))
                .join("e2e-artifacts")
        });
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
    .clone()
}

/// A free TCP port on the loopback interface (bound and released: the small race is fine for
/// a local test).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The chromedriver this test binary shares; started on first use.
///
/// It runs in its own process group under a small `sh` watchdog: when this test process goes
/// away (normally, by a panic, or killed by the test runner's timeout), the watchdog kills the
/// whole group — chromedriver and every Chromium it started — within a second. Chromium
/// outlives a killed chromedriver otherwise.
pub struct ChromeDriver {
    pub url: String,
}

pub fn chromedriver(tools: &Tools) -> Result<&'static ChromeDriver, String> {
    static DRIVER: OnceLock<Result<ChromeDriver, String>> = OnceLock::new();
    DRIVER
        .get_or_init(|| start_chromedriver(tools))
        .as_ref()
        .map_err(Clone::clone)
}

fn start_chromedriver(tools: &Tools) -> Result<ChromeDriver, String> {
    use std::os::unix::process::CommandExt;
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let log = artifacts_dir().join(format!("chromedriver-{}.log", std::process::id()));
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    // $0 = chromedriver, $1 = port, $2 = the pid to watch.
    let watchdog = r#""$0" --port="$1" & d=$!
while kill -0 "$2" 2>/dev/null && kill -0 "$d" 2>/dev/null; do sleep 1; done
kill -KILL 0"#;
    Command::new("sh")
        .arg("-c")
        .arg(watchdog)
        .arg(&tools.chromedriver)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", tools.chromedriver.display()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!(
                "chromedriver did not listen on {addr} within 20 s (log: {})",
                log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Ok(ChromeDriver {
        url: format!("http://{addr}"),
    })
}
