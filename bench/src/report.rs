//! The suite's results: one row per measurement, each comparison a ratio against a baseline
//! measured in the same run, rendered as a terminal table, JSON, or markdown with a description
//! of the machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

use crate::stats::{fmt_us, Summary};

/// One measurement (or one skipped scenario).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Short id, e.g. `a`, `d0` (baselines carry a trailing `0`).
    pub id: String,
    pub scenario: String,
    pub engine: String,
    /// `http` (through the server), `in-process`, or `sql` (straight to the database).
    pub kind: String,
    /// Concurrent connections (1 for sequential loops).
    pub concurrency: usize,
    /// Unit of `throughput`: `req/s`, `queries/s`, `commits/s`.
    pub unit: String,
    /// Requests answered, queries run, or rows committed.
    pub count: u64,
    pub elapsed_s: f64,
    pub throughput: f64,
    pub latency: Summary,
    /// The server's peak resident set during this scenario (`http` rows only).
    pub server_peak_rss_kib: Option<u64>,
    /// Answers per HTTP status (`http` rows only).
    pub statuses: BTreeMap<String, u64>,
    pub io_errors: u64,
    /// For each non-2xx status: the request and the start of the first such answer.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub first_errors: BTreeMap<String, String>,
    /// Ratios `throughput / baseline throughput`, filled once every row of the engine is in.
    pub compared_to: Vec<Ratio>,
    /// Why the scenario did not run, when it did not.
    pub skipped: Option<String>,
    /// Ids of the baselines this row is compared to (same engine).
    #[serde(skip)]
    pub baselines: Vec<String>,
}

/// This row's throughput as a multiple of a baseline's.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub baseline: String,
    pub baseline_scenario: String,
    pub baseline_throughput: f64,
    pub ratio: f64,
}

impl Row {
    pub fn new(id: &str, scenario: &str, engine: &str, kind: &str, unit: &str) -> Row {
        Row {
            id: id.to_string(),
            scenario: scenario.to_string(),
            engine: engine.to_string(),
            kind: kind.to_string(),
            concurrency: 1,
            unit: unit.to_string(),
            count: 0,
            elapsed_s: 0.0,
            throughput: 0.0,
            latency: Summary::default(),
            server_peak_rss_kib: None,
            statuses: BTreeMap::new(),
            io_errors: 0,
            first_errors: BTreeMap::new(),
            compared_to: Vec::new(),
            skipped: None,
            baselines: Vec::new(),
        }
    }

    pub fn skipped(mut self, why: impl Into<String>) -> Row {
        self.skipped = Some(why.into());
        self
    }

    pub fn against(mut self, baselines: &[&str]) -> Row {
        self.baselines = baselines.iter().map(|b| b.to_string()).collect();
        self
    }

    /// Share of answers with a 2xx status (None for rows without HTTP answers).
    pub fn ok_share(&self) -> Option<f64> {
        let total: u64 = self.statuses.values().sum::<u64>() + self.io_errors;
        if total == 0 {
            return None;
        }
        let ok: u64 = self
            .statuses
            .iter()
            .filter(|(s, _)| s.starts_with('2'))
            .map(|(_, n)| n)
            .sum();
        Some(ok as f64 / total as f64)
    }

    /// What makes this row a failed run rather than a figure: a 5xx answer (the server broke),
    /// or HTTP requests of which none succeeded. Slowness never is.
    pub fn failure(&self) -> Option<String> {
        let server_errors: u64 = self
            .statuses
            .iter()
            .filter(|(s, _)| s.starts_with('5'))
            .map(|(_, n)| n)
            .sum();
        if server_errors > 0 {
            let sample = self
                .first_errors
                .iter()
                .find(|(s, _)| s.starts_with('5'))
                .map_or(String::new(), |(s, e)| format!(": first {s}: {e}"));
            return Some(format!(
                "{} {} ({}): {server_errors} answers 5xx{sample}",
                self.engine, self.id, self.scenario
            ));
        }
        if self.ok_share() == Some(0.0) {
            return Some(format!(
                "{} {} ({}): no request succeeded ({})",
                self.engine,
                self.id,
                self.scenario,
                self.ok_text()
            ));
        }
        None
    }

    fn ok_text(&self) -> String {
        let Some(share) = self.ok_share() else {
            return "—".into();
        };
        let mut out = format!("{:.0}%", share * 100.0);
        let bad: Vec<String> = self
            .statuses
            .iter()
            .filter(|(s, _)| !s.starts_with('2'))
            .map(|(s, n)| format!("{s}×{n}"))
            .chain((self.io_errors > 0).then(|| format!("io×{}", self.io_errors)))
            .collect();
        if !bad.is_empty() {
            let _ = write!(out, " ({})", bad.join(", "));
        }
        out
    }
}

/// Fills `compared_to` of every row from the rows of the same engine it names as baselines.
/// A skipped row, or a skipped or empty baseline, gives no ratio.
pub fn fill_ratios(rows: &mut [Row]) {
    let snapshot: Vec<(String, String, String, f64, bool)> = rows
        .iter()
        .map(|r| {
            let usable = r.skipped.is_none() && r.throughput > 0.0;
            (
                r.engine.clone(),
                r.id.clone(),
                r.scenario.clone(),
                r.throughput,
                usable,
            )
        })
        .collect();
    for row in rows.iter_mut() {
        if row.skipped.is_some() {
            continue;
        }
        row.compared_to = row
            .baselines
            .iter()
            .filter_map(|b| {
                snapshot
                    .iter()
                    .find(|(e, id, _, _, usable)| *e == row.engine && id == b && *usable)
                    .map(|(_, id, scenario, thr, _)| Ratio {
                        baseline: id.clone(),
                        baseline_scenario: scenario.clone(),
                        baseline_throughput: *thr,
                        ratio: row.throughput / thr,
                    })
            })
            .collect();
    }
}

/// Where and on what the suite ran.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub date_utc: String,
    pub cpu_model: String,
    pub cpus: usize,
    pub memory_mib: u64,
    pub kernel: String,
    pub rustc: String,
    pub git_commit: String,
    /// The working tree had uncommitted changes to tracked files.
    pub git_dirty: bool,
    pub tinhso_version: String,
    /// File system of the scratch folder (SQLite's fsync cost depends on it).
    pub work_dir_fs: String,
}

fn command_line(program: &str, args: &[&str], dir: Option<&Path>) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `model name` and the number of `processor` entries of /proc/cpuinfo.
pub fn parse_cpuinfo(text: &str) -> (String, usize) {
    let model = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == "model name").then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cpus = text
        .lines()
        .filter(|l| l.split(':').next().is_some_and(|k| k.trim() == "processor"))
        .count();
    (model, cpus)
}

/// MemTotal of /proc/meminfo in MiB.
pub fn parse_mem_total_mib(text: &str) -> Option<u64> {
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib / 1024)
}

/// The file-system type of the longest mount point of /proc/mounts that contains `path`.
pub fn fs_type_of(mounts: &str, path: &Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_dev, mnt, fs) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(mnt).then(|| (mnt.len(), fs.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}

impl Machine {
    pub fn describe(tinhso_bin: &Path, work_dir: &Path) -> Machine {
        let (cpu_model, cpus) =
            parse_cpuinfo(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default());
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
        let dirty = command_line(
            "git",
            &["status", "--porcelain", "--untracked-files=no"],
            repo,
        )
        .is_some_and(|s| !s.is_empty());
        let work_dir = std::fs::canonicalize(work_dir).unwrap_or_else(|_| work_dir.to_path_buf());
        Machine {
            date_utc: jiff::Timestamp::now()
                .strftime("%Y-%m-%d %H:%M UTC")
                .to_string(),
            cpu_model,
            cpus,
            memory_mib: parse_mem_total_mib(
                &std::fs::read_to_string("/proc/meminfo").unwrap_or_default(),
            )
            .unwrap_or(0),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            rustc: command_line("rustc", &["--version"], None).unwrap_or_else(|| "unknown".into()),
            git_commit: command_line("git", &["rev-parse", "HEAD"], repo)
                .unwrap_or_else(|| "unknown".into()),
            git_dirty: dirty,
            tinhso_version: command_line(&tinhso_bin.to_string_lossy(), &["--version"], None)
                .unwrap_or_else(|| "unknown".into()),
            work_dir_fs: fs_type_of(
                &std::fs::read_to_string("/proc/mounts").unwrap_or_default(),
                &work_dir,
            )
            .unwrap_or_else(|| "unknown".into()),
        }
    }

    pub fn render(&self) -> String {
        format!(
            "{} · {} × {} · {} MiB RAM · Linux {} · {} · {} at {}{} · scratch on {}",
            self.date_utc,
            self.cpus,
            self.cpu_model,
            self.memory_mib,
            self.kernel,
            self.rustc,
            self.tinhso_version,
            short_commit(&self.git_commit),
            if self.git_dirty {
                " (uncommitted changes)"
            } else {
                ""
            },
            self.work_dir_fs
        )
    }
}

fn short_commit(c: &str) -> &str {
    c.get(..10).unwrap_or(c)
}

/// Everything one suite run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub command: String,
    pub short: bool,
    pub machine: Machine,
    pub rows: Vec<Row>,
}

fn fmt_throughput(t: f64, unit: &str) -> String {
    if t >= 100.0 {
        format!("{t:.0} {unit}")
    } else {
        format!("{t:.1} {unit}")
    }
}

fn fmt_rss(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
        None => "—".into(),
    }
}

/// Three significant digits: `26×`, `2.41×`, `0.0250×` → `0.025×`.
fn fmt_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}×")
    } else if r >= 1.0 {
        format!("{r:.2}×")
    } else if r > 0.0 {
        let decimals = (2.0 - r.log10().floor()).clamp(2.0, 8.0) as usize;
        format!("{r:.decimals$}×")
    } else {
        "0×".into()
    }
}

/// The ids of the baselines (the table names each row by its id) and the ratios, in order.
fn baseline_text(row: &Row) -> (String, String) {
    if row.compared_to.is_empty() {
        let b = if row.baselines.is_empty() {
            "(baseline)".to_string()
        } else {
            "—".to_string()
        };
        return (b, "—".into());
    }
    let names = row
        .compared_to
        .iter()
        .map(|c| c.baseline.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let ratios = row
        .compared_to
        .iter()
        .map(|c| fmt_ratio(c.ratio))
        .collect::<Vec<_>>()
        .join("; ");
    (names, ratios)
}

impl Report {
    /// The table printed on stdout.
    pub fn render_table(&self) -> String {
        let header = [
            "scenario",
            "engine",
            "conn",
            "throughput",
            "p50",
            "p99",
            "server RSS",
            "ok",
            "baseline",
            "ratio",
        ];
        let mut lines: Vec<[String; 10]> = Vec::new();
        for r in &self.rows {
            let name = format!("{}) {}", r.id, r.scenario);
            if let Some(why) = &r.skipped {
                lines.push([
                    name,
                    r.engine.clone(),
                    String::new(),
                    why.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                continue;
            }
            let (b, ratio) = baseline_text(r);
            lines.push([
                name,
                r.engine.clone(),
                r.concurrency.to_string(),
                fmt_throughput(r.throughput, &r.unit),
                fmt_us(r.latency.p50_us),
                fmt_us(r.latency.p99_us),
                fmt_rss(r.server_peak_rss_kib),
                r.ok_text(),
                b,
                ratio,
            ]);
        }
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for l in &lines {
            if l[4].is_empty() && !l[3].is_empty() {
                // A skipped row's reason runs across the columns: do not widen for it.
                widths[0] = widths[0].max(l[0].chars().count());
                continue;
            }
            for (w, c) in widths.iter_mut().zip(l.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let pad = |s: &str, w: usize, right: bool| {
            let n = s.chars().count();
            let fill = " ".repeat(w.saturating_sub(n));
            if right {
                format!("{fill}{s}")
            } else {
                format!("{s}{fill}")
            }
        };
        let right = [
            false, false, true, true, true, true, true, false, false, true,
        ];
        let mut out = String::new();
        let row_text = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| pad(c, widths[i], right[i]))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let _ = writeln!(out, "{}", row_text(&head));
        let _ = writeln!(
            out,
            "{}",
            "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
        );
        for l in &lines {
            if l[4].is_empty() && !l[3].is_empty() {
                let _ = writeln!(
                    out,
                    "{}  {}  {}",
                    pad(&l[0], widths[0], false),
                    pad(&l[1], widths[1], false),
                    l[3]
                );
            } else {
                let _ = writeln!(out, "{}", row_text(l));
            }
        }
        let _ = writeln!(out, "\n{}", self.machine.render());
        out
    }

    /// A markdown page: the command, the machine, the table.
    pub fn render_markdown(&self) -> String {
        let m = &self.machine;
        let mut out = String::new();
        let _ = writeln!(out, "# tinhso benchmark results\n");
        let _ = writeln!(
            out,
            "Command: `{}`{}\n",
            self.command,
            if self.short {
                " (short run: a check that the suite works, not figures to quote)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "| machine | |\n|---|---|");
        let _ = writeln!(out, "| date | {} |", m.date_utc);
        let _ = writeln!(out, "| CPU | {} × {} |", m.cpus, m.cpu_model);
        let _ = writeln!(out, "| memory | {} MiB |", m.memory_mib);
        let _ = writeln!(out, "| kernel | Linux {} |", m.kernel);
        let _ = writeln!(out, "| compiler | {} |", m.rustc);
        let _ = writeln!(
            out,
            "| tinhso | {} at `{}`{} |",
            m.tinhso_version,
            short_commit(&m.git_commit),
            if m.git_dirty {
                " (uncommitted changes)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "| scratch file system | {} |\n", m.work_dir_fs);
        let _ = writeln!(
            out,
            "| scenario | engine | conn | throughput | p50 | p90 | p99 | max | server peak RSS | ok | baseline | ratio |"
        );
        let _ = writeln!(
            out,
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|"
        );
        for r in &self.rows {
            let name = format!("{}) {}", r.id, r.scenario);
            if let Some(why) = &r.skipped {
                let _ = writeln!(out, "| {name} | {} | | {why} | | | | | | | | |", r.engine);
                continue;
            }
            let (b, ratio) = baseline_text(r);
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.engine,
                r.concurrency,
                fmt_throughput(r.throughput, &r.unit),
                fmt_us(r.latency.p50_us),
                fmt_us(r.latency.p90_us),
                fmt_us(r.latency.p99_us),
                fmt_us(r.latency.max_us),
                fmt_rss(r.server_peak_rss_kib),
                r.ok_text(),
                b,
                ratio
            );
        }
        let _ = writeln!(
            out,
            "\nRatio = this row's throughput ÷ the baseline's, both measured in this run on this machine."
        );
        let errors: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| !r.first_errors.is_empty())
            .collect();
        if !errors.is_empty() {
            let _ = writeln!(out, "\nNon-2xx answers, the first of each status:\n");
            for r in errors {
                for (status, sample) in &r.first_errors {
                    let _ = writeln!(
                        out,
                        "- {}) {} ({}), {status}: `{}`",
                        r.id,
                        r.scenario,
                        r.engine,
                        sample.replace('`', "'")
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, engine: &str, throughput: f64) -> Row {
        let mut r = Row::new(id, id, engine, "http", "req/s");
        r.throughput = throughput;
        r
    }

    #[test]
    fn ratios_use_the_baseline_of_the_same_engine() {
        let mut rows = vec![
            row("a", "sqlite", 1000.0),
            row("a", "postgres", 500.0),
            row("b", "sqlite", 250.0).against(&["a"]),
            row("b", "postgres", 250.0).against(&["a"]),
        ];
        fill_ratios(&mut rows);
        assert_eq!(rows[2].compared_to.len(), 1);
        assert_eq!(rows[2].compared_to[0].ratio, 0.25);
        assert_eq!(rows[3].compared_to[0].ratio, 0.5);
        assert!(rows[0].compared_to.is_empty());
    }

    #[test]
    fn a_skipped_baseline_gives_no_ratio_and_a_skipped_row_none_either() {
        let mut rows = vec![
            row("d", "sqlite", 0.0).skipped("skipped: dossier API not present in this build"),
            row("d0", "sqlite", 800.0),
            row("e", "sqlite", 100.0).against(&["d"]),
            row("d", "sqlite", 0.0).skipped("x").against(&["d0"]),
        ];
        fill_ratios(&mut rows);
        assert!(rows[2].compared_to.is_empty());
        assert!(rows[3].compared_to.is_empty());
    }

    #[test]
    fn server_errors_and_total_failure_fail_the_run_slowness_does_not() {
        let mut r = Row::new("a", "intake", "sqlite", "http", "req/s");
        r.statuses.insert("201".into(), 10);
        r.statuses.insert("422".into(), 2);
        r.io_errors = 1;
        r.throughput = 0.5;
        assert_eq!(r.failure(), None);
        r.statuses.insert("500".into(), 1);
        r.first_errors
            .insert("500".into(), "POST /api/v1/dossiers → boom".into());
        assert!(r.failure().is_some_and(|f| f.contains("boom")));
        let mut dead = Row::new("b", "mix", "postgres", "http", "req/s");
        dead.io_errors = 64;
        assert!(dead.failure().is_some());
        assert_eq!(
            Row::new("c0", "sql", "sqlite", "sql", "q/s").failure(),
            None
        );
    }

    #[test]
    fn ok_share_counts_io_errors_as_failures() {
        let mut r = row("d", "sqlite", 1.0);
        r.statuses.insert("201".into(), 97);
        r.statuses.insert("409".into(), 2);
        r.io_errors = 1;
        assert_eq!(r.ok_share(), Some(0.97));
        assert_eq!(r.ok_text(), "97% (409×2, io×1)");
        assert_eq!(row("c", "sqlite", 1.0).ok_text(), "—");
    }

    #[test]
    fn ratios_keep_three_significant_digits() {
        assert_eq!(fmt_ratio(26.4), "26×");
        assert_eq!(fmt_ratio(2.414), "2.41×");
        assert_eq!(fmt_ratio(0.25), "0.250×");
        assert_eq!(fmt_ratio(0.0250), "0.0250×");
        assert_eq!(fmt_ratio(0.00123), "0.00123×");
    }

    #[test]
    fn machine_facts_are_parsed_from_proc() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n\nprocessor\t: 1\nmodel name\t: Example CPU @ 2.0GHz\n";
        assert_eq!(
            parse_cpuinfo(cpuinfo),
            ("Example CPU @ 2.0GHz".to_string(), 2)
        );
        assert_eq!(
            parse_mem_total_mib("MemTotal:        8048640 kB\n"),
            Some(7860)
        );
        let mounts = "/dev/vda / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n";
        assert_eq!(
            fs_type_of(mounts, Path::new("/tmp/x")).as_deref(),
            Some("tmpfs")
        );
        assert_eq!(
            fs_type_of(mounts, Path::new("/work/x")).as_deref(),
            Some("ext4")
        );
    }

    #[test]
    fn the_table_shows_skipped_rows_with_their_reason() {
        let mut a = row("a", "sqlite", 1000.0);
        a.statuses.insert("200".into(), 10);
        let report = Report {
            command: "tinhso-bench suite".into(),
            short: true,
            machine: Machine {
                date_utc: "2026-01-01 00:00 UTC".into(),
                cpu_model: "cpu".into(),
                cpus: 2,
                memory_mib: 1024,
                kernel: "6".into(),
                rustc: "rustc".into(),
                git_commit: "0123456789abcdef".into(),
                git_dirty: false,
                tinhso_version: "tinhso 0.1.0".into(),
                work_dir_fs: "ext4".into(),
            },
            rows: vec![
                a,
                row("d", "sqlite", 0.0).skipped("skipped: dossier API not present in this build"),
            ],
        };
        let t = report.render_table();
        assert!(t.contains("skipped: dossier API not present in this build"));
        assert!(t.contains("a) a"));
        let md = report.render_markdown();
        assert!(md.contains("| d) d | sqlite | | skipped: dossier API not present in this build |"));
        assert!(md.contains("0123456789"));
    }
}
