//! Configuration: every setting declared ONCE (name, environment variable, type, default, doc,
//! secret or not) in [`declare_settings!`]; the example file and `tinhso config` are generated
//! from the same declaration, so documentation never drifts from code.
//!
//! Precedence, lowest first: built-in default < config file (TOML, `key = value`) < environment
//! (`TINHSO_…`) < command-line overrides.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where a setting's effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env,
    CommandLine,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Env => "env",
            Source::CommandLine => "command line",
        }
    }
}

/// Static description of one setting.
#[derive(Debug, Clone, Copy)]
pub struct SettingInfo {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
    pub secret: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "không đọc được tệp cấu hình {path}: {message} / cannot read config file {path}: {message}"
    )]
    File { path: String, message: String },
    #[error("cấu hình `{key}` (từ {origin}) không hợp lệ: {value:?}: {message} / setting `{key}` (from {origin}) is invalid: {value:?}: {message}")]
    Invalid {
        key: String,
        origin: &'static str,
        value: String,
        message: String,
    },
    #[error("mục [index_766] của {path} không hợp lệ / section [index_766] of {path} is invalid:\n  - {}", problems.join("\n  - "))]
    Index { path: String, problems: Vec<String> },
    #[error("cấu hình không có khóa `{key}` (trong {path}); các khóa hợp lệ: {known} / unknown setting `{key}` in {path}; known settings: {known}")]
    UnknownKey {
        key: String,
        path: String,
        known: String,
    },
}

macro_rules! declare_settings {
    ($( $(#[doc = $doc:expr])+ $key:ident : $ty:ty = $default:literal, env $env:literal $(, $secret:ident)? ; )*) => {
        /// The effective configuration. See [`SETTINGS`] for each setting's documentation.
        #[derive(Debug, Clone)]
        pub struct Config {
            $( $(#[doc = $doc])+ pub $key: $ty, )*
            /// The 766 index's points and thresholds: the file's `[index_766]` section
            /// ([`crate::index_config`]), else the law's defaults.
            pub index_766: tinhso_domain::kpi::IndexConfig,
            /// Where `index_766` came from (the file, or the default).
            index_source: Source,
            sources: BTreeMap<&'static str, Source>,
        }

        /// Every setting, in declaration order.
        pub const SETTINGS: &[SettingInfo] = &[
            $( SettingInfo {
                key: stringify!($key),
                env: $env,
                default: $default,
                doc: concat!($($doc, "\n"),+),
                secret: declare_settings!(@secret $($secret)?),
            }, )*
        ];

        impl Config {
            fn from_values(values: &BTreeMap<&'static str, (String, Source)>) -> Result<Self, ConfigError> {
                let mut sources = BTreeMap::new();
                $(
                    let (raw, source) = values
                        .get(stringify!($key))
                        .cloned()
                        .unwrap_or_else(|| ($default.to_string(), Source::Default));
                    sources.insert(stringify!($key), source);
                    let $key: $ty = raw.parse().map_err(|e| ConfigError::Invalid {
                        key: stringify!($key).to_string(),
                        origin: source.label(),
                        value: raw.clone(),
                        message: format!("{e}"),
                    })?;
                )*
                Ok(Config {
                    $( $key, )*
                    index_766: tinhso_domain::kpi::IndexConfig::default(),
                    index_source: Source::Default,
                    sources,
                })
            }

            /// The effective value of a setting as text (secrets included: do not print this).
            fn raw_value(&self, key: &str) -> Option<String> {
                match key {
                    $( stringify!($key) => Some(self.$key.to_string()), )*
                    _ => None,
                }
            }
        }
    };
    (@secret secret) => { true };
    (@secret) => { false };
}

declare_settings! {
    /// Folder where tinhso keeps its embedded database and files; created when missing.
    data_dir: DataDir = "tinhso-data", env "TINHSO_DATA_DIR";
    /// Database URL: `sqlite://PATH` (embedded, the default: empty means `sqlite://<data_dir>/tinhso.sqlite3`)
    /// or `postgres://user:password@host/db` for production. Its password is never printed.
    database: DatabaseUrl = "", env "TINHSO_DATABASE", secret;
    /// Address and port the HTTP server listens on.
    listen: std::net::SocketAddr = "127.0.0.1:8080", env "TINHSO_LISTEN";
    /// Public base URL of this deployment (printed on receipts and QR codes).
    public_url: String = "http://127.0.0.1:8080", env "TINHSO_PUBLIC_URL";
    /// Log filter (tracing env-filter syntax), e.g. `info` or `tinhso=debug,sqlx=warn`.
    log: String = "info,sqlx=warn", env "TINHSO_LOG";
    /// Log format: `pretty` for people, `json` for log collectors.
    log_format: LogFormat = "pretty", env "TINHSO_LOG_FORMAT";
    /// Morning working window, local time (domain.md §3).
    working_morning: TimeWindow = "07:30-11:30", env "TINHSO_WORKING_MORNING";
    /// Afternoon working window, local time (domain.md §3).
    working_afternoon: TimeWindow = "13:00-17:00", env "TINHSO_WORKING_AFTERNOON";
    /// Cut-off time for procedures that count a later receipt as received the next working day.
    cutoff_time: jiff::civil::Time = "15:00", env "TINHSO_CUTOFF_TIME";
    /// Statistics Office code of the province this deployment serves (86 = Vĩnh Long).
    province_code: String = "86", env "TINHSO_PROVINCE_CODE";
    /// How long a browser sign-in lasts, in hours, before the user must sign in again.
    session_hours: u32 = "12", env "TINHSO_SESSION_HOURS";
    /// Base URL of the population data source (the national population database adapter, or the
    /// stand-in `tinhso population serve`), e.g. `http://127.0.0.1:8090`. Empty: identity
    /// verification (e-ID level 2) is unavailable. `tinhso demo` starts a stand-in itself.
    population_url: String = "", env "TINHSO_POPULATION_URL";
    /// Shared secret sent as `Authorization: Bearer …` to the population data source (and
    /// required by `tinhso population serve`); at least 16 characters. Never printed or logged.
    population_token: String = "", env "TINHSO_POPULATION_TOKEN", secret;
    /// Development mailbox: store outgoing messages (password reset links) and show them at
    /// `/dev/hop-thu` instead of sending them. Never turn on in production. `tinhso demo` does.
    dev_mailbox: bool = "false", env "TINHSO_DEV_MAILBOX";
    /// Uploaded files no dossier cites (a form left unfinished) are removed once they are this
    /// many days old, by a daily sweep on one node (`tinhso objects sweep` runs it by hand).
    /// `0` turns the daily sweep off.
    object_sweep_grace_days: u32 = "7", env "TINHSO_OBJECT_SWEEP_GRACE_DAYS";
    /// Publish the transparency page `/minh-bach` (no sign-in: per-agency counts and on-time
    /// rates of this month and this year); `false` answers 404. In a file also
    /// `[transparency]` with `enabled = …`.
    transparency_enabled: bool = "true", env "TINHSO_TRANSPARENCY_ENABLED";
    /// What `/minh-bach` publishes per agency, in order, comma-separated: `received`,
    /// `processed`, `late`, `on_time_rate`, `overdue_now`, `score` (the 766 index). Never
    /// anything personal. In a file also `[transparency]` with `indicators = […]`.
    transparency_indicators: crate::transparency::PublicColumns = "received,processed,on_time_rate", env "TINHSO_TRANSPARENCY_INDICATORS";
}

/// A folder path (a setting's type: parsed from and printed as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(pub PathBuf);

impl std::str::FromStr for DataDir {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("the folder must not be empty");
        }
        Ok(Self(PathBuf::from(s.trim())))
    }
}

impl std::fmt::Display for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.display())
    }
}

/// A database URL; its `Display` is the full URL, [`DatabaseUrl::redacted`] hides the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty()
            || s.starts_with("sqlite:")
            || s.starts_with("postgres://")
            || s.starts_with("postgresql://")
        {
            Ok(Self(s.to_string()))
        } else {
            Err(
                "expected sqlite://PATH or postgres://… / cần sqlite://ĐƯỜNG_DẪN hoặc postgres://…"
                    .into(),
            )
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl DatabaseUrl {
    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

/// Replaces the password of `scheme://user:password@host…` by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            _ => Err("expected `pretty` or `json`"),
        }
    }
}

impl std::fmt::Display for LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pretty => "pretty",
            Self::Json => "json",
        })
    }
}

/// A local-time window `HH:MM-HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: jiff::civil::Time,
    pub end: jiff::civil::Time,
}

impl std::str::FromStr for TimeWindow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| "expected HH:MM-HH:MM, e.g. 07:30-11:30".to_string())?;
        let start: jiff::civil::Time = a.trim().parse().map_err(|e| format!("start: {e}"))?;
        let end: jiff::civil::Time = b.trim().parse().map_err(|e| format!("end: {e}"))?;
        if start >= end {
            return Err("the window must end after it starts".into());
        }
        Ok(Self { start, end })
    }
}

impl std::fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.strftime("%H:%M"),
            self.end.strftime("%H:%M")
        )
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` (if given, or `tinhso.toml` in the current
    /// folder if present), then the given environment, then command-line overrides.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &[(&'static str, String)],
    ) -> Result<Self, ConfigError> {
        let mut values: BTreeMap<&'static str, (String, Source)> = BTreeMap::new();
        let implicit = PathBuf::from("tinhso.toml");
        let file = match file {
            Some(p) => Some(p.to_path_buf()),
            None if implicit.exists() => Some(implicit),
            None => None,
        };
        let mut index = None;
        if let Some(path) = file {
            let (flat, section) = read_file(&path)?;
            if let Some(section) = section {
                let parsed = crate::index_config::parse(&section).map_err(|problems| {
                    ConfigError::Index {
                        path: path.display().to_string(),
                        problems,
                    }
                })?;
                index = Some(parsed);
            }
            for (k, v) in flat {
                let info = SETTINGS.iter().find(|s| s.key == k).ok_or_else(|| {
                    ConfigError::UnknownKey {
                        key: k.clone(),
                        path: path.display().to_string(),
                        known: SETTINGS
                            .iter()
                            .map(|s| s.key)
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                })?;
                values.insert(info.key, (v, Source::File));
            }
        }
        for (k, v) in env {
            if let Some(info) = SETTINGS.iter().find(|s| s.env == k) {
                values.insert(info.key, (v, Source::Env));
            }
        }
        for (k, v) in overrides {
            values.insert(k, (v.clone(), Source::CommandLine));
        }
        let mut config = Self::from_values(&values)?;
        if let Some(index) = index {
            config.index_766 = index;
            config.index_source = Source::File;
        }
        Ok(config)
    }

    /// Defaults only (tests, examples).
    pub fn defaults() -> Self {
        // The declared defaults are checked by a test to parse.
        Self::from_values(&BTreeMap::new())
            .unwrap_or_else(|e| panic!("built-in defaults must parse: {e}"))
    }

    /// The effective database URL (the default SQLite file inside `data_dir` when unset).
    pub fn database_url(&self) -> String {
        if self.database.0.is_empty() {
            format!("sqlite://{}/tinhso.sqlite3", self.data_dir)
        } else {
            self.database.0.clone()
        }
    }

    /// Where a setting's value came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).copied().unwrap_or(Source::Default)
    }

    /// The effective configuration as TOML, each setting with its doc, source and environment
    /// variable; secrets hidden.
    pub fn render_effective(&self) -> String {
        let mut out = String::from("# tinhso: effective configuration (secrets hidden)\n");
        for s in SETTINGS {
            let value = if s.key == "database" {
                redact_url(&self.database_url())
            } else {
                self.raw_value(s.key).unwrap_or_default()
            };
            let value = if s.secret && s.key != "database" {
                "***".to_string()
            } else {
                value
            };
            for line in s.doc.lines() {
                let _ = writeln!(out, "# {}", line.trim());
            }
            let _ = writeln!(
                out,
                "# env: {} · from: {}",
                s.env,
                self.source(s.key).label()
            );
            let _ = writeln!(out, "{} = {}\n", s.key, toml_string(&value));
        }
        let _ = writeln!(out, "# from: {}", self.index_source.label());
        out.push_str(&crate::index_config::render(&self.index_766, false));
        out
    }
}

/// The example configuration file, generated from [`SETTINGS`].
pub fn example_file() -> String {
    let mut out = String::from("# tinhso.toml: every setting with its default. Environment variables override the file.\n\n");
    for s in SETTINGS {
        for line in s.doc.lines() {
            let _ = writeln!(out, "# {}", line.trim());
        }
        let _ = writeln!(
            out,
            "# env: {}\n# {} = {}\n",
            s.env,
            s.key,
            toml_string(s.default)
        );
    }
    out.push_str(&crate::index_config::render(
        &tinhso_domain::kpi::IndexConfig::default(),
        true,
    ));
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The flat settings of a file, and its `[index_766]` section if it has one.
#[allow(clippy::type_complexity)]
fn read_file(path: &Path) -> Result<(Vec<(String, String)>, Option<toml::Table>), ConfigError> {
    let err = |message: String| ConfigError::File {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(e.to_string()))?;
    let section = match table.remove(crate::index_config::SECTION) {
        Some(toml::Value::Table(t)) => Some(t),
        Some(other) => {
            return Err(err(format!(
                "`{}`: expected a section [{}], found {}",
                crate::index_config::SECTION,
                crate::index_config::SECTION,
                other.type_str()
            )))
        }
        None => None,
    };
    let flat = table
        .into_iter()
        .flat_map(|(k, v)| match v {
            // A section `[transparency]` with `enabled = …` is the setting
            // `transparency_enabled`.
            toml::Value::Table(section) => section
                .into_iter()
                .map(|(inner, v)| (format!("{k}_{inner}"), v))
                .collect::<Vec<_>>(),
            v => vec![(k, v)],
        })
        .map(|(k, v)| {
            let s = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                // A list of names is the comma-separated setting.
                toml::Value::Array(items) if items.iter().all(|i| i.is_str()) => items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                other => {
                    return Err(err(format!(
                        "`{k}`: expected a string or number, found {}",
                        other.type_str()
                    )))
                }
            };
            Ok((k, s))
        })
        .collect::<Result<_, _>>()?;
    Ok((flat, section))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_render() {
        let c = Config::defaults();
        assert_eq!(c.listen.port(), 8080);
        assert_eq!(c.database_url(), "sqlite://tinhso-data/tinhso.sqlite3");
        let text = c.render_effective();
        assert!(text.contains("listen = \"127.0.0.1:8080\""));
        assert!(text.contains("env: TINHSO_LISTEN"));
    }

    #[test]
    fn env_overrides_file_and_secrets_are_hidden() {
        let dir = std::env::temp_dir().join(format!("tinhso-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tinhso.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nlog = \"debug\"\n").unwrap();
        let env = vec![
            ("TINHSO_LOG".to_string(), "warn".to_string()),
            (
                "TINHSO_DATABASE".to_string(),
                "postgres://tinhso:s3cret@db.local/tinhso".to_string(),
            ),
        ];
        let c = Config::load(Some(&file), env, &[]).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.source("listen"), Source::File);
        assert_eq!(c.log, "warn");
        assert_eq!(c.source("log"), Source::Env);
        let shown = c.render_effective();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://tinhso:***@db.local/tinhso"));
    }

    #[test]
    fn bad_values_and_unknown_keys_are_named() {
        let e =
            Config::load(None, vec![("TINHSO_LISTEN".into(), "nowhere".into())], &[]).unwrap_err();
        assert!(e.to_string().contains("`listen`"), "{e}");
        let e = Config::load(
            None,
            vec![("TINHSO_WORKING_MORNING".into(), "11:30-07:30".into())],
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("working_morning"), "{e}");
        let dir = std::env::temp_dir().join(format!("tinhso-config-test2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "lsiten = \"x\"\n").unwrap();
        let e = Config::load(Some(&file), Vec::new(), &[]).unwrap_err();
        assert!(e.to_string().contains("lsiten"), "{e}");
    }

    #[test]
    fn index_section_is_read_validated_and_shown() {
        let dir = std::env::temp_dir().join(format!("tinhso-config-test3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tinhso.toml");
        std::fs::write(
            &file,
            "log = \"debug\"\n[index_766.indicators]\n\"3.3\" = { threshold = 60 }\n",
        )
        .unwrap();
        let c = Config::load(Some(&file), Vec::new(), &[]).unwrap();
        assert_eq!(c.log, "debug");
        let rule = c
            .index_766
            .rule(tinhso_domain::kpi::Indicator::OnlineDossiers)
            .unwrap();
        assert!((rule.threshold - 0.6).abs() < 1e-12);
        let shown = c.render_effective();
        assert!(
            shown.contains("\"3.3\" = { points = 4.4, threshold = 60.0 }"),
            "{shown}"
        );
        // What `tinhso config` prints is a file that loads to the same configuration.
        std::fs::write(&file, &shown).unwrap();
        let again = Config::load(Some(&file), Vec::new(), &[]).unwrap();
        assert_eq!(again.index_766, c.index_766);
        // Defaults: the law's values.
        assert_eq!(
            Config::defaults().index_766,
            tinhso_domain::kpi::IndexConfig::default()
        );
        std::fs::write(
            &file,
            "[index_766]\ngroups = { \"1\" = 10, \"2\" = 20, \"3\" = 22, \"4\" = 22, \"5\" = 18 }\n",
        )
        .unwrap();
        let e = Config::load(Some(&file), Vec::new(), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[index_766]") && e.contains("92"), "{e}");
        // The example file parses as TOML (its section is commented out).
        let _: toml::Table = example_file().parse().unwrap();
    }

    #[test]
    fn a_section_sets_the_settings_it_prefixes() {
        let dir = std::env::temp_dir().join(format!("tinhso-config-test4-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tinhso.toml");
        std::fs::write(
            &file,
            "log = \"warn\"\n[transparency]\nenabled = false\nindicators = [\"on_time_rate\", \"score\"]\n",
        )
        .unwrap();
        let c = Config::load(Some(&file), Vec::new(), &[]).unwrap();
        assert!(!c.transparency_enabled);
        assert_eq!(c.transparency_indicators.to_string(), "on_time_rate,score");
        assert_eq!(c.source("transparency_indicators"), Source::File);
        std::fs::write(&file, "[transparency]\nindicators = [\"names\"]\n").unwrap();
        let e = Config::load(Some(&file), Vec::new(), &[]).unwrap_err();
        assert!(e.to_string().contains("transparency_indicators"), "{e}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://u:p@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(
            redact_url("sqlite://data/x.sqlite3"),
            "sqlite://data/x.sqlite3"
        );
    }

    #[test]
    fn example_file_lists_every_setting() {
        let ex = example_file();
        for s in SETTINGS {
            assert!(ex.contains(s.env), "{}", s.key);
        }
    }
}
