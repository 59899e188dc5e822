//! What each command does: build the configuration, open the store, call the use cases.

use std::sync::Arc;

use anyhow::{bail, Context};
use tinhso_app::imports::{ImportOptions, ImportReport};
use tinhso_app::{App, AppSettings, Config, SystemClock};

use crate::cli_progress::Bar;
use crate::{
    AuditCommand, CalendarCommand, Cli, Command, ImportCommand, KpiCommand, ObjectsCommand,
    PopulationCommand, TokenCommand, UserCommand, WorkflowCommand,
};

/// Generates `n` dossiers of history with a progress bar and prints what was made.
async fn seed(app: &App, n: u64, seed: u64) -> anyhow::Result<()> {
    let bar = Bar::new();
    let started = std::time::Instant::now();
    let r = app.seed_dossiers(n, seed, &bar).await?;
    bar.finish_all();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Đã sinh / seeded {} hồ sơ / dossiers in {secs:.1} s ({:.0}/s): {} có kết quả / resolved, {} đang xử lý / open, {} trễ hạn / late",
        r.dossiers,
        r.dossiers as f64 / secs.max(1e-9),
        r.resolved,
        r.in_progress,
        r.late
    );
    Ok(())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut overrides: Vec<(&'static str, String)> = Vec::new();
    if let Some(db) = &cli.global.database {
        overrides.push(("database", db.clone()));
    }
    if let Some(dir) = &cli.global.data_dir {
        overrides.push(("data_dir", dir.display().to_string()));
    }
    let listen = match &cli.command {
        Command::Serve(a) => a.listen.clone(),
        Command::Demo(a) => a.listen.clone(),
        _ => None,
    };
    if let Some(l) = listen {
        overrides.push(("listen", l));
    }
    if matches!(cli.command, Command::Demo(_)) {
        // The demo shows password reset messages in its development mailbox (/dev/hop-thu).
        overrides.push(("dev_mailbox", "true".into()));
    }
    let config = Config::load(cli.global.config.as_deref(), std::env::vars(), &overrides)?;
    init_logging(&config);

    match cli.command {
        Command::Config(a) => {
            if a.example {
                print!("{}", tinhso_app::config::example_file());
            } else {
                print!("{}", config.render_effective());
            }
            Ok(())
        }
        Command::Migrate => {
            let app = open_app(&config).await?;
            println!(
                "Đã cập nhật cấu trúc CSDL / migrations applied: {} ({})",
                app.store.backend(),
                redacted(&config)
            );
            Ok(())
        }
        Command::Serve(_) => {
            let app = open_app(&config).await?;
            serve(app, &config).await
        }
        Command::Population(cmd) => population(cmd, &config).await,
        Command::Demo(a) => {
            let app = open_app(&config).await?;
            let population = start_demo_population(&app, &config).await?;
            let bar = Bar::new();
            let report = app.load_demo(&bar).await?;
            bar.finish_all();
            println!("{report}");
            let users = app.load_demo_users().await?;
            println!("Người dùng mẫu (mã truy cập mới, chỉ hiện lần này) / demo users (fresh API tokens, shown once):");
            for (id, role, token) in users {
                println!("  {id:16} {:18} {token}", format!("{role:?}"));
            }
            println!(
                "  ví dụ / e.g.: curl -H 'Authorization: Bearer <token>' http://{}/api/v1/dossiers",
                config.listen
            );
            println!(
                "  đăng nhập trên web / sign in on the web: http://{}/dang-nhap — mật khẩu / password: {}",
                config.listen,
                tinhso_app::demo::DEMO_PASSWORD
            );
            if let Some(n) = a.dossiers {
                let existing = app
                    .store
                    .kpi_stored_counters(tinhso_store::kpi::Grain::Year)
                    .await?;
                if existing.is_empty() {
                    seed(&app, n, a.seed).await?;
                } else {
                    println!("(đã có hồ sơ, không sinh thêm / dossiers exist: nothing generated)");
                }
            }
            if let Some((addr, _)) = &population {
                let c = &tinhso_population::citizens::demo_citizens()[0];
                println!(
                    "  nguồn dữ liệu dân cư (thử nghiệm) / population data source (stand-in): http://{addr}\n  \
                     công dân mẫu để xác thực mức 2 / a citizen to verify (level 2): {}, {}, {}",
                    c.id_number.as_str(),
                    c.full_name,
                    c.date_of_birth
                );
            }
            if a.no_serve {
                return Ok(());
            }
            let result = serve(app, &config).await;
            if let Some((_, task)) = population {
                task.abort();
            }
            result
        }
        Command::Import(cmd) => {
            let app = open_app(&config).await?;
            let bar = Bar::new();
            let report = match cmd {
                ImportCommand::Units(a) => app.import_units(&a.file, opts(a.skip_bad), &bar).await,
                ImportCommand::Agencies(a) => {
                    app.import_agencies(&a.file, opts(a.skip_bad), &bar).await
                }
                ImportCommand::Calendar(a) => {
                    app.import_calendar(&a.file, opts(a.skip_bad), &bar).await
                }
                ImportCommand::Procedures(a) => {
                    let r = app
                        .import_procedures(&a.common.file, opts(a.common.skip_bad), &bar)
                        .await;
                    if let (Ok(report), Some(path)) = (&r, &a.report) {
                        write_report(report, path)?;
                    }
                    r
                }
            };
            bar.finish_all();
            let report = report?;
            println!("{report}");
            Ok(())
        }
        Command::Calendar(a) => {
            let app = open_app(&config).await?;
            match a.due {
                Some(CalendarCommand::Due(d)) => {
                    let from: jiff::civil::DateTime = d.from.parse().with_context(|| {
                        format!(
                            "--from {:?}: expected a local date-time like 2026-02-13T16:00",
                            d.from
                        )
                    })?;
                    let limit = tinhso_domain::calendar::TimeLimit::parse(&d.limit)
                        .with_context(|| format!("--limit {:?}", d.limit))?;
                    let due = app.due(from, limit, d.cutoff);
                    print!("{}", due.render());
                }
                None => {
                    let year = a.year.unwrap_or_else(|| app.today().year());
                    if !(1901..=2199).contains(&year) {
                        bail!("năm phải từ 1901 đến 2199 / the year must be between 1901 and 2199");
                    }
                    print!("{}", app.calendar().year_report(year).render());
                }
            }
            Ok(())
        }
        Command::User(cmd) => {
            let app = open_app(&config).await?;
            match cmd {
                UserCommand::Add(a) => {
                    let roles = a
                        .roles
                        .iter()
                        .map(|r| {
                            serde_json::from_value::<tinhso_domain::dossier::Role>(serde_json::Value::String(r.clone()))
                                .map_err(|_| anyhow::anyhow!("vai trò không hợp lệ / unknown role {r:?}: use one_stop_officer, specialist, leader, clerk, agency_admin, province_admin, applicant"))
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    let agency = a
                        .agency
                        .as_deref()
                        .map(tinhso_domain::agency::AgencyEId::parse)
                        .transpose()?;
                    let new = tinhso_app::identity::NewUser {
                        id: a.id,
                        name: a.name,
                        agency,
                        roles,
                    };
                    let user = if a.ask_password {
                        let password = ask_password()?;
                        app.create_user_with_password(new, &password).await?
                    } else {
                        app.create_user(new).await?
                    };
                    println!(
                        "Đã lưu người dùng / user saved: {} ({})",
                        user.id, user.name
                    );
                }
                UserCommand::List => {
                    for u in app.store.users().await? {
                        let roles: Vec<String> = u.roles.iter().map(|r| format!("{r:?}")).collect();
                        println!(
                            "{:24} {:32} {:16} {}{}",
                            u.id,
                            u.name,
                            u.agency.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                            roles.join(","),
                            if u.disabled { " (disabled)" } else { "" }
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Token(cmd) => {
            let app = open_app(&config).await?;
            match cmd {
                TokenCommand::Issue { user, label } => {
                    let token = app.issue_token(&user, &label).await?;
                    eprintln!("Mã truy cập cho {user} (chỉ hiện một lần) / API token for {user} (shown once):");
                    println!("{token}");
                }
                TokenCommand::Revoke { user } => {
                    let n = app.revoke_tokens(&user).await?;
                    println!("Đã thu hồi {n} mã / revoked {n} token(s)");
                }
            }
            Ok(())
        }
        Command::Workflow(cmd) => {
            let app = open_app(&config).await?;
            match cmd {
                WorkflowCommand::Import { file } => {
                    let def = app.import_workflow(&file).await?;
                    println!(
                        "Đã lưu quy trình / workflow saved: {} phiên bản / version {} ({} bước / steps)",
                        def.procedure_code,
                        def.version,
                        def.steps.len()
                    );
                }
                WorkflowCommand::Show { procedure } => {
                    let code = tinhso_domain::catalog::ProcedureCode::parse(&procedure)?;
                    let def = match app.store.workflow(&code).await? {
                        Some(d) => d,
                        None => {
                            eprintln!("(chưa có quy trình riêng: quy trình mặc định / no workflow imported: the default)");
                            tinhso_domain::dossier::WorkflowDefinition::default_for(code)
                        }
                    };
                    println!("{}", serde_json::to_string_pretty(&def)?);
                }
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = open_app(&config).await?;
            let v = app.store.verify_audit_chain().await?;
            match v.first_break {
                None => {
                    println!("Chuỗi kiểm toán toàn vẹn / audit chain intact: {} bản ghi / records", v.records);
                    Ok(())
                }
                Some((pos, what)) => bail!(
                    "chuỗi kiểm toán bị phá vỡ tại vị trí {pos} / audit chain broken at position {pos}: {what} ({} bản ghi đã đọc / records read)",
                    v.records
                ),
            }
        }
        Command::Objects(ObjectsCommand::Sweep {
            grace_days,
            dry_run,
        }) => {
            let app = open_app(&config).await?;
            let days = grace_days.unwrap_or(match config.object_sweep_grace_days {
                0 => 7,
                d => d,
            });
            let grace = std::time::Duration::from_secs(u64::from(days) * 86_400);
            let r = app
                .sweep_unused_objects(
                    app.clock.now(),
                    grace,
                    &tinhso_app::scheduler::default_node_id(),
                    dry_run,
                )
                .await?;
            if !r.lease_held {
                bail!("một máy khác đang dọn tệp; thử lại sau / another node is sweeping now; try again later");
            }
            let verb = if dry_run {
                "sẽ xóa / would remove"
            } else {
                "đã xóa / removed"
            };
            println!(
                "Tệp cũ hơn {days} ngày / files older than {days} days: {}; được hồ sơ dùng / cited: {}; {verb}: {}; vừa được dùng lại, giữ / used again meanwhile, kept: {}",
                r.old, r.cited, r.removed, r.kept_young
            );
            Ok(())
        }
        Command::Seed(a) => {
            let app = open_app(&config).await?;
            seed(&app, a.dossiers, a.seed).await
        }
        Command::Kpi(KpiCommand::Rebuild) => {
            let app = open_app(&config).await?;
            let bar = Bar::new();
            use tinhso_app::ProgressSink;
            bar.phase("Tính lại chỉ số / rebuilding KPIs", None);
            let started = std::time::Instant::now();
            let set = |n: u64| bar.set(n);
            let r = app.rebuild_kpi(&set).await?;
            bar.finish_all();
            println!(
                "Đã tính lại / rebuilt in {:.1} s: {} hồ sơ / dossiers, {} được tính / counted, {} dữ kiện viết lại / facts rewritten, {} dòng đếm / counter rows",
                started.elapsed().as_secs_f64(),
                r.dossiers,
                r.counted,
                r.facts_rewritten,
                r.counter_rows
            );
            Ok(())
        }
        Command::Kpi(KpiCommand::Show { agency, period }) => {
            let app = open_app(&config).await?;
            let period = tinhso_app::kpi::parse_period(period.as_deref(), app.today())?;
            let scope = tinhso_app::kpi::ScopeRequest {
                agency,
                ..Default::default()
            };
            let view = app.kpi_view_unchecked(&scope, period).await?;
            print!("{}", tinhso_app::kpi::render_text(&view));
            Ok(())
        }
        Command::Search(a) => {
            let app = open_app(&config).await?;
            let q = tinhso_search::SearchQuery {
                q: a.query.join(" "),
                limit: a.limit,
                ..Default::default()
            };
            let page = app.search(&q);
            println!("{} kết quả / results", page.total);
            for item in page.items {
                println!(
                    "{:10} {:6.2}  {}",
                    item.procedure.code, item.score, item.procedure.name
                );
            }
            Ok(())
        }
    }
}

fn opts(skip_bad: bool) -> ImportOptions {
    ImportOptions { skip_bad }
}

fn redacted(config: &Config) -> String {
    tinhso_app::config::redact_url(&config.database_url())
}

async fn open_app(config: &Config) -> anyhow::Result<Arc<App>> {
    let url = config.database_url();
    let store = tinhso_app::open_store(&url).await.with_context(|| {
        format!(
            "không mở được CSDL / cannot open the database {}",
            redacted(config)
        )
    })?;
    let objects =
        tinhso_objects::LocalDiskStore::in_data_folder(&config.data_dir.0).with_context(|| {
            format!(
                "không mở được kho tệp / cannot open the object store in {}",
                config.data_dir
            )
        })?;
    let app = App::new(
        store,
        Arc::new(SystemClock),
        AppSettings::from_config(config),
    )
    .await?
    .with_objects(Arc::new(objects));
    if !config.population_url.trim().is_empty() {
        let source = tinhso_app::population::HttpPopulationSource::new(
            &config.population_url,
            &config.population_token,
        )
        .context("population_url / population_token")?;
        app.set_population(Arc::new(source));
    }
    Ok(Arc::new(app))
}

/// `tinhso population serve|sample`.
async fn population(cmd: PopulationCommand, config: &Config) -> anyhow::Result<()> {
    use tinhso_population::{Registry, Service};
    match cmd {
        PopulationCommand::Serve {
            listen,
            seed,
            citizens,
        } => {
            let registry = Registry::generate(seed, citizens, &config.province_code);
            let service = Service::new(registry, &config.population_token)?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("không mở được cổng / cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            println!(
                "nguồn dữ liệu dân cư (thử nghiệm) / population data source (stand-in)\n  \
                 địa chỉ / address  http://{addr}/v1/citizens/verify\n  \
                 công dân / citizens {}\nNhấn Ctrl-C để dừng / press Ctrl-C to stop.",
                service.registry().len()
            );
            tokio::select! {
                r = service.serve(listener) => r?,
                _ = tokio::signal::ctrl_c() => {}
            }
            Ok(())
        }
        PopulationCommand::Sample { count, seed } => {
            let registry = Registry::generate(seed, count, &config.province_code);
            for c in registry.sample(count) {
                println!(
                    "{}  {:28} {}  {}",
                    c.id_number.as_str(),
                    c.full_name,
                    c.date_of_birth,
                    c.residence.commune_name
                );
            }
            Ok(())
        }
    }
}

/// The population data source of the demo: the configured one when `population_url` is set,
/// otherwise a stand-in started in this process on a random loopback port (real TCP, its own
/// task), which the app then calls over HTTP like any other.
async fn start_demo_population(
    app: &App,
    config: &Config,
) -> anyhow::Result<Option<(std::net::SocketAddr, tokio::task::JoinHandle<()>)>> {
    if !config.population_url.trim().is_empty() {
        return Ok(None);
    }
    let token = if config.population_token.trim().chars().count() >= 16 {
        config.population_token.trim().to_string()
    } else {
        tinhso_app::population::new_shared_secret()?
    };
    let registry = tinhso_population::Registry::generate(
        tinhso_population::DEFAULT_SEED,
        tinhso_population::DEFAULT_CITIZENS,
        &config.province_code,
    );
    let service = tinhso_population::Service::new(registry, &token)?;
    let (addr, task) = service
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context(
            "không khởi động được nguồn dữ liệu dân cư / cannot start the population data source",
        )?;
    let source =
        tinhso_app::population::HttpPopulationSource::new(&format!("http://{addr}"), &token)?;
    app.set_population(Arc::new(source));
    Ok(Some((addr, task)))
}

/// Reads a new password: twice without echo on a terminal, or the first line of standard input.
fn ask_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    let read_line = || -> anyhow::Result<String> {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    if !stdin.is_terminal() {
        return read_line();
    }
    let echo = |on: bool| {
        let _ = std::process::Command::new("stty")
            .arg(if on { "echo" } else { "-echo" })
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    let ask = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        echo(false);
        let line = read_line();
        echo(true);
        eprintln!();
        line
    };
    let first = ask("Mật khẩu ban đầu / initial password: ")?;
    let second = ask("Nhập lại / again: ")?;
    if first != second {
        anyhow::bail!("hai lần nhập không giống nhau / the two entries differ");
    }
    Ok(first)
}

async fn serve(app: Arc<App>, config: &Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("không mở được cổng / cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let procedures = app.catalog.snapshot().records.len();
    println!(
        "tinhso đang chạy / running\n  địa chỉ / address   http://{addr}/\n  CSDL / database     {} ({})\n  thủ tục / procedures {procedures}\n  API                 http://{addr}/api/v1/procedures?q=dang%20ky%20khai%20sinh\n  sức khỏe / health   http://{addr}/healthz · /readyz · /metrics\nNhấn Ctrl-C để dừng / press Ctrl-C to stop.",
        app.store.backend(),
        redacted(config),
    );
    tracing::info!(%addr, backend = app.store.backend(), "listening");
    // The deadline sweep runs on every node but acts only on the node holding its lease.
    let scheduler = tinhso_app::scheduler::spawn_scheduler(
        app.clone(),
        tinhso_app::scheduler::SweepSettings {
            object_grace: (config.object_sweep_grace_days > 0).then(|| {
                std::time::Duration::from_secs(u64::from(config.object_sweep_grace_days) * 86_400)
            }),
            ..tinhso_app::scheduler::SweepSettings::for_node(
                tinhso_app::scheduler::default_node_id(),
            )
        },
        std::time::Duration::from_secs(60),
    );
    let state = tinhso_web::AppState {
        app,
        metrics: tinhso_web::Metrics::install(),
    };
    let result = tinhso_web::serve(state, listener).await;
    scheduler.abort();
    result?;
    Ok(())
}

fn write_report(report: &ImportReport, path: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    for p in report.warnings.iter().chain(report.skipped.iter()) {
        serde_json::to_writer(&mut f, p)?;
        writeln!(f)?;
    }
    f.flush()?;
    Ok(())
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        tinhso_app::config::LogFormat::Json => builder.json().try_init(),
        tinhso_app::config::LogFormat::Pretty => builder.compact().try_init(),
    };
}
