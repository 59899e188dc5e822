//! The `tinhso` binary under test, run as a child process on a free loopback port, and its
//! one-shot commands (`demo --no-serve`, `import`, …) on the same database.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::engine::Target;
use crate::load::{self, HttpRequest};

/// Runs `tinhso` with the target's database and data folder, from the scratch folder (so no
/// `./tinhso.toml` of the caller is picked up) and without the caller's `TINHSO_*` variables.
pub fn command(bin: &Path, target: &Target) -> Command {
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TINHSO_") {
            cmd.env_remove(&k);
        }
    }
    cmd.current_dir(&target.work_dir)
        .env("TINHSO_LOG", "warn,sqlx=warn")
        .arg("--database")
        .arg(&target.database_url)
        .arg("--data-dir")
        .arg(&target.data_dir);
    cmd
}

/// Runs a one-shot `tinhso` command to completion; fails with its output when it fails.
pub fn run_to_end(bin: &Path, target: &Target, args: &[&str]) -> anyhow::Result<Output> {
    let out = command(bin, target)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`tinhso {}` failed ({}):\n{}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

/// A free TCP port on 127.0.0.1 (asked of the kernel, then released for the server to take).
pub fn free_loopback_addr() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

/// A running `tinhso serve`.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    /// Starts `tinhso serve --listen ADDR`; its output goes to `serve.log` in the scratch folder.
    pub fn start(bin: &Path, target: &Target) -> anyhow::Result<Server> {
        let addr = free_loopback_addr()?;
        let log = target.work_dir.join("serve.log");
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        let args: [OsString; 3] = ["serve".into(), "--listen".into(), addr.to_string().into()];
        let child = command(bin, target)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Server { child, addr, log })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `/readyz` answers 200, the process exits, or `timeout` passes.
    pub async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let probe = HttpRequest::get("/readyz");
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "tinhso serve exited ({status}) before it was ready:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if let Ok((200, _)) = load::once(self.addr, &probe).await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("tinhso serve was not ready within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resets the kernel's peak-RSS mark of the server (`/proc/PID/clear_refs` ← 5), so that
    /// the next reading is the peak of one scenario. Returns false where the kernel refuses.
    pub fn reset_peak_rss(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").is_ok()
    }

    /// The server's peak resident set size in KiB (`VmHWM` of `/proc/PID/status`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        parse_vm_hwm(&status)
    }

    /// Asks the server to stop (SIGTERM through `kill`, as std has no signal API), waits up to
    /// ten seconds, then kills it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.terminate()
    }

    fn terminate(&mut self) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// `VmHWM:    123456 kB` → 123456.
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rss_is_read_from_proc_status() {
        let status =
            "Name:\ttinhso\nVmPeak:\t  900000 kB\nVmHWM:\t   45312 kB\nVmRSS:\t   40000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(45312));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_has_a_peak_rss() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(parse_vm_hwm(&status).is_some_and(|kib| kib > 0));
    }

    #[test]
    fn free_ports_are_on_loopback() {
        let a = free_loopback_addr().unwrap();
        assert!(a.ip().is_loopback() && a.port() != 0);
    }
}
