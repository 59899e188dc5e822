//! `tinhso`: the one binary of the digital province. `tinhso --help` lists the commands.

mod cli_progress;
mod commands;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// mimalloc instead of the C library's allocator: a request allocates and frees many small
/// buffers on two threads, and glibc's malloc spent about a fifth of the server's time in
/// intake (docs/BENCHMARKS.md, session 8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// tinhso ("tỉnh số"): nền tảng chính quyền số cấp tỉnh / the digital-province platform.
///
/// One binary serves the catalog of administrative procedures, the administrative units, the
/// agencies and the legal working-day calendar over HTTP, on an embedded SQLite database (the
/// default) or on PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "tinhso", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Configuration file (TOML). Default: ./tinhso.toml when present.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://user:pass@host/db (overrides TINHSO_DATABASE).
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Data folder for the embedded database and files (overrides TINHSO_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (API, health, metrics) on the configured database.
    Serve(ServeArgs),
    /// Create the data folder, load the demo province (Vĩnh Long: units, agencies, calendar,
    /// 45+ procedures) and serve it. Safe to run again: loading is idempotent.
    Demo(DemoArgs),
    /// Apply database migrations and exit (they also run on every start).
    Migrate,
    /// Import data files (all-or-nothing unless --skip-bad).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print the working calendar of a year, or compute a due date (`calendar due`).
    Calendar(CalendarArgs),
    /// Search the procedure catalog from the terminal (diacritics optional).
    Search(SearchArgs),
    /// Users: officers (agency + roles), citizens, admins.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens (Authorization: Bearer …): issue one for a user, or revoke all of a user's.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Per-procedure workflow definitions (versioned): import from a JSON file, show the latest.
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// The audit trail of dossier events.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Uploaded files: remove the ones no dossier cites (a form left unfinished).
    #[command(subcommand)]
    Objects(ObjectsCommand),
    /// Print the effective configuration (secrets hidden), or an example file with --example.
    Config(ConfigArgs),
    /// Generate a realistic dossier history (seasonality, the Tết dip, per-agency lateness,
    /// supplements, withdrawals, channels) over the 24 months before today, with its KPIs.
    Seed(SeedArgs),
    /// The operations dashboard's KPIs: show them, or rebuild the aggregates.
    #[command(subcommand)]
    Kpi(KpiCommand),
    /// The stand-in for the national population database: a separate HTTP service over
    /// synthetic citizens that verifies a personal ID number, name and date of birth.
    #[command(subcommand)]
    Population(PopulationCommand),
}

#[derive(Debug, Args)]
struct SeedArgs {
    /// How many dossiers to generate, e.g. 1000000.
    #[arg(long, value_name = "N")]
    dossiers: u64,
    /// Seed of the generator: the same seed, N and day give the same history.
    #[arg(long, default_value_t = 766)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum KpiCommand {
    /// Recompute every KPI counter from the dossiers (one transaction), printing counts.
    Rebuild,
    /// Print the indicators and the 766 index of the province or an agency over a period.
    Show {
        /// Competent agency e-ID (default: the whole province).
        #[arg(long, value_name = "E-ID")]
        agency: Option<String>,
        /// 2026-08-15, 2026-08, 2026-Q3, 2026 or 2026-01-01..2026-03-31 (default: this month).
        #[arg(long)]
        period: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PopulationCommand {
    /// Serve `POST /v1/citizens/verify` (bearer secret: TINHSO_POPULATION_TOKEN, at least 16
    /// characters). Every lookup is logged without personal data.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8090 (port 0: any free port).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
        /// Seed of the synthetic citizens: the same seed gives the same people.
        #[arg(long, default_value_t = tinhso_population::DEFAULT_SEED)]
        seed: u64,
        /// How many synthetic citizens to generate (besides the fixed demo citizens).
        #[arg(long, default_value_t = tinhso_population::DEFAULT_CITIZENS)]
        citizens: usize,
    },
    /// Print some of the synthetic citizens (to try identity verification with).
    Sample {
        /// How many.
        #[arg(long, default_value_t = 5)]
        count: usize,
        /// Seed of the synthetic citizens.
        #[arg(long, default_value_t = tinhso_population::DEFAULT_SEED)]
        seed: u64,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (overrides TINHSO_LISTEN), e.g. 0.0.0.0:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Address to listen on (overrides TINHSO_LISTEN).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Load the demo data and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// Also generate this many dossiers of history (as `tinhso seed`), once: skipped when
    /// the database already holds dossiers.
    #[arg(long, value_name = "N")]
    dossiers: Option<u64>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 766)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Administrative units: the CSV formats of shared/data/admin-units (units-2025, legacy,
    /// succession), detected from the header.
    Units(ImportArgs),
    /// Procedures: the project's JSON or CSV catalog, or the national portal's records as JSONL
    /// (optionally .gz). A changed record becomes a new version; an unchanged one changes nothing.
    Procedures(ImportProceduresArgs),
    /// Agencies: a JSON array of agencies (e-ID, name, level, parent, validity, successor).
    Agencies(ImportArgs),
    /// Calendar entries (holidays, day-swaps, make-up working days): CSV `date,kind,name`
    /// with kind `holiday` or `working_day`.
    Calendar(ImportArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The file to import.
    file: PathBuf,
    /// Import the good records and report the bad ones instead of refusing the whole file.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(Debug, Args)]
struct ImportProceduresArgs {
    #[command(flatten)]
    common: ImportArgs,
    /// Write the per-record parse report (what could not be parsed) as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct CalendarArgs {
    /// The year to print, e.g. 2026 (default: this year).
    year: Option<i16>,
    #[command(subcommand)]
    due: Option<CalendarCommand>,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Compute a due moment and explain it step by step.
    Due(DueArgs),
}

#[derive(Debug, Args)]
struct DueArgs {
    /// Moment received, local time: 2026-02-13T16:00.
    #[arg(long, value_name = "DATETIME")]
    from: String,
    /// Time limit: "3 working days", "8 working hours", "3 ngày làm việc", "10 ngày".
    #[arg(long, value_name = "LIMIT")]
    limit: String,
    /// Apply the procedure cut-off (default 15:00): received later counts as the next working day.
    #[arg(long)]
    cutoff: bool,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// Words to search for, e.g. "dang ky khai sinh".
    query: Vec<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create or update a user. Officers need --agency and at least one --role.
    Add(UserAddArgs),
    /// List users.
    List,
}

#[derive(Debug, Args)]
struct UserAddArgs {
    /// User id: 1–64 characters of a-z 0-9 . _ @ -, e.g. mc-phukhuong.
    #[arg(long)]
    id: String,
    /// Display name, e.g. "Nguyễn Văn A".
    #[arg(long)]
    name: String,
    /// The officer's agency e-ID, e.g. 000.01.90.H61 (none for citizens).
    #[arg(long, value_name = "E-ID")]
    agency: Option<String>,
    /// Role (repeatable): one_stop_officer, specialist, leader, clerk, agency_admin,
    /// province_admin, applicant.
    #[arg(long = "role", value_name = "ROLE")]
    roles: Vec<String>,
    /// Ask for an initial password (typed twice, not shown; or the first line of standard
    /// input when it is not a terminal) so the user can sign in on the web.
    #[arg(long)]
    ask_password: bool,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a new API token for a user and print it (shown once; only its hash is stored).
    Issue {
        /// The user id.
        user: String,
        /// A label to recognise the token by, e.g. "may-quay-so-1".
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Revoke every token of a user.
    Revoke {
        /// The user id.
        user: String,
    },
}

#[derive(Debug, Subcommand)]
enum WorkflowCommand {
    /// Import a workflow definition (JSON); it must validate and be the next version.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
    /// Print the latest workflow of a procedure (or the default one when none was imported).
    Show {
        /// The procedure code, e.g. 1.001193.
        procedure: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain of every dossier event; exit non-zero if any record was
    /// edited, deleted or inserted.
    Verify,
}

#[derive(Debug, Subcommand)]
enum ObjectsCommand {
    /// Remove uploaded files that no dossier cites and that are older than the grace period
    /// (the server also does this daily; see `object_sweep_grace_days`). Safe while the server
    /// runs: a file a submission is citing is never removed.
    Sweep {
        /// Only files older than this many days (default: the `object_sweep_grace_days` setting,
        /// or 7 when it is 0).
        #[arg(long, value_name = "DAYS")]
        grace_days: Option<u32>,
        /// Count what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
struct ConfigArgs {
    /// Print an example configuration file with every setting and its default.
    #[arg(long)]
    example: bool,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lỗi / error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
