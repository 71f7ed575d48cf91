//! The `meridian` command: serve (default), migrate, and admin commands for tenants, agents, tokens.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use meridian::accounts::agents::{self, NewAgent};
use meridian::accounts::{passwords, tokens, Role};
use meridian::app::AppState;
use meridian::config::Config;
use meridian::{demo, jobs, tenancy};

#[derive(Parser)]
#[command(name = "meridian", version, about = "Meridian: a multi-tenant support desk", after_long_help = Config::help_table())]
struct Cli {
    /// TOML config file (default: ./meridian.toml when it exists).
    #[arg(long, global = true, env = "MERIDIAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default): migrates, seeds a demo tenant on an empty database, serves.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage agents.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Seed the demo tenant; prints the owner's password on stdout.
    Demo,
    /// Seed realistic volume: N tenants (`{prefix}-1` …) with M tickets each.
    Seed {
        #[arg(long, default_value_t = 1)]
        tenants: usize,
        #[arg(long, default_value_t = 1000)]
        tickets: u64,
        /// Slug prefix of the seeded tenants.
        #[arg(long, default_value = "seed")]
        prefix: String,
        /// Random seed, for repeatable data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Knowledge-base articles per tenant (each in five languages); index them afterwards
        /// with `meridian reindex`.
        #[arg(long, default_value_t = 0)]
        articles: u64,
    },
    /// Inspect and retry background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Rebuild the knowledge-base search index from the database (all tenants, or one).
    Reindex {
        /// Tenant slug; every tenant when absent.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant; prints its id on stdout.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "en")]
        locale: String,
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Print the tenant's inbound mail secret (the bearer token of POST /inbound/email/{slug}),
    /// making it on first use; prints only the secret on stdout.
    InboundSecret {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Replace it with a new one (the old one stops working).
        #[arg(long)]
        rotate: bool,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Create an agent; prints the generated password (only) on stdout.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner, admin or agent.
        #[arg(long, default_value = "agent")]
        role: String,
        #[arg(long)]
        locale: Option<String>,
        #[arg(long)]
        time_zone: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token; prints the token (only) on stdout. It is not shown again.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List jobs in a state (queued, running, done, dead).
    List {
        #[arg(long, default_value = "dead")]
        state: String,
    },
    /// Put a dead job back in the queue.
    Retry { id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("meridian: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    meridian::init_tracing(&config.log, config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        other => admin_command(config, other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("meridian: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let state = AppState::init(config)?;
    let demo = if state.config.demo { demo::seed_if_empty(&state.db) } else { Ok(None) };
    let demo = match demo {
        Ok(d) => d,
        Err(e) => {
            state.close();
            return Err(e.into());
        }
    };
    let closing = state.clone();
    // The runtime (and with it every blocking thread that held a connection) is gone when
    // block_on returns; only then is the pool closed.
    let served = actix_web::rt::System::new().block_on(async move {
        let running = meridian::server::start(state.clone(), meridian::jobs::Registry::new()).await?;
        // With port 0 in the listen address, the URL to print is the one actually bound.
        let mut base_url = state.config.base_url.clone();
        if base_url.port() == Some(0) {
            let _ = base_url.set_port(Some(running.addr().port()));
        }
        let base = base_url.as_str().trim_end_matches('/').to_string();
        tracing::info!(addr = %running.addr(), smtp = ?running.smtp_addr(), database = state.db.target().backend_name(),
            ready_ms = started.elapsed().as_millis() as u64, "meridian is ready");
        if let Some(d) = demo {
            println!("Meridian is ready: {base}/login?workspace={}", d.workspace);
            println!("  workspace: {}\n  email:     {}\n  password:  {}", d.workspace, d.email, d.password);
            println!("  agents:    {} (their password: {})", d.agents.join(", "), d.agents_password);
            println!("  (these passwords are shown once; change them under Profile)");
        } else {
            println!("Meridian is ready: {base}/login");
        }
        running.wait().await
    });
    closing.close();
    served
}

fn admin_command(config: Config, command: Command) -> anyhow::Result<()> {
    let state = AppState::init(config)?;
    let result = run_admin(&state, command);
    // Every command ends with the pool closed on this thread: a pool thread left inside libpq
    // while the exit handlers run crashed about one command in seven on PostgreSQL.
    state.close();
    result
}

fn run_admin(state: &AppState, command: Command) -> anyhow::Result<()> {
    let db = &state.db;
    let err = |e: meridian::error::AppError| anyhow::anyhow!("{e}");
    match command {
        Command::Serve => unreachable!("handled by serve"),
        Command::Migrate => {
            eprintln!("migrations are current");
        }
        Command::Tenant { command: TenantCommand::Create { slug, name, locale, time_zone } } => {
            let t = db
                .write_blocking(|c| tenancy::create(c, &tenancy::NewTenant { slug, name, locale, time_zone }))
                .map_err(err)?;
            eprintln!("created tenant {} ({})", t.slug, t.name);
            println!("{}", t.id);
        }
        Command::Tenant { command: TenantCommand::InboundSecret { tenant, rotate } } => {
            let secret = db
                .write_blocking(|c| {
                    let t = tenancy::by_slug(c, &tenant)?;
                    if rotate {
                        meridian::email::store::rotate_inbound_secret(c, &t.tenant_id())
                    } else {
                        meridian::email::store::inbound_secret(c, &t.tenant_id())
                    }
                })
                .map_err(|e| match e {
                    meridian::error::AppError::NotFound => anyhow::anyhow!("no tenant with slug {tenant:?}"),
                    other => err(other),
                })?;
            eprintln!(
                "inbound secret of {tenant:?} follows; send it as Authorization: Bearer … to POST /inbound/email/{tenant}"
            );
            println!("{secret}");
        }
        Command::Agent { command: AgentCommand::Create { tenant, email, name, role, locale, time_zone } } => {
            let role = Role::parse(&role).map_err(err)?;
            let password = tokens::random_secret(15);
            let hash = passwords::hash_blocking(&password).map_err(err)?;
            let a = db
                .write_blocking(|c| {
                    let t = tenancy::by_slug(c, &tenant)?;
                    agents::create(c, &t.tenant_id(), &NewAgent { email, name, role, locale, time_zone }, Some(hash))
                })
                .map_err(|e| match e {
                    meridian::error::AppError::NotFound => anyhow::anyhow!("no tenant with slug {tenant:?}"),
                    other => err(other),
                })?;
            eprintln!("created {} {} <{}>; their password follows on stdout", a.role, a.name, a.email);
            println!("{password}");
        }
        Command::Token { command: TokenCommand::Create { tenant, name } } => {
            let (t, secret) = db
                .write_blocking(|c| {
                    let t = tenancy::by_slug(c, &tenant)?;
                    tokens::create(c, &t.tenant_id(), &name, None)
                })
                .map_err(|e| match e {
                    meridian::error::AppError::NotFound => anyhow::anyhow!("no tenant with slug {tenant:?}"),
                    other => err(other),
                })?;
            eprintln!("created API token {} ({}); it is shown once", t.name, t.token_prefix);
            println!("{secret}");
        }
        Command::Demo => {
            let d = demo::seed(db).map_err(err)?;
            eprintln!(
                "seeded tenant {:?}; sign in as {} with the password on stdout; its agents {} share the password {}",
                d.workspace,
                d.email,
                d.agents.join(", "),
                d.agents_password
            );
            println!("{}", d.password);
        }
        Command::Seed { tenants, tickets, prefix, seed, articles } => {
            let started = std::time::Instant::now();
            let r = meridian::seed::seed(db, &prefix, tenants, tickets, seed).map_err(err)?;
            eprintln!(
                "seeded {} tenants, {} tickets, {} messages in {:.1}s",
                r.tenants,
                r.tickets,
                r.messages,
                started.elapsed().as_secs_f64()
            );
            if articles > 0 {
                let started = std::time::Instant::now();
                let n = meridian::seed::kb::seed_articles(db, &prefix, tenants, articles, seed).map_err(err)?;
                eprintln!(
                    "seeded {n} article translations in {:.1}s; run `meridian reindex` to make them searchable",
                    started.elapsed().as_secs_f64()
                );
            }
            if let (Some(first), Some(last)) = (r.workspaces.first(), r.workspaces.last()) {
                let base = state.config.base_url.as_str().trim_end_matches('/');
                let span = if first == last { first.clone() } else { format!("{first} … {last}") };
                println!("Sign in at {base}/login?workspace={first}");
                println!("  workspaces: {span}");
                println!("  email:      {} (the owner of each workspace)", meridian::seed::owner_email("<workspace>"));
                println!("  password:   {}", r.owner_password);
                println!("  (the same password for every seeded owner; change it under Profile)");
            }
        }
        Command::Jobs { command: JobsCommand::List { state: job_state } } => {
            let mut conn = db.conn().map_err(err)?;
            let listed = jobs::list_all(&mut conn, &job_state, 500).map_err(err)?;
            if listed.is_empty() {
                // On stderr: stdout keeps only job rows, for scripts.
                eprintln!("no {job_state} jobs (other states: --state queued, running, done or dead)");
            }
            for j in listed {
                println!(
                    "{}\t{}\t{}\tattempts={}\t{}\t{}",
                    j.id,
                    j.kind,
                    j.tenant_id.unwrap_or_else(|| "-".into()),
                    j.attempts,
                    j.updated_at,
                    j.last_error.unwrap_or_default().replace('\n', " ")
                );
            }
        }
        Command::Jobs { command: JobsCommand::Retry { id } } => {
            db.write_blocking(|c| jobs::retry_dead(c, None, &id)).map_err(err)?;
            eprintln!("job {id} queued again");
        }
        Command::Reindex { tenant } => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let started = std::time::Instant::now();
            let done = runtime
                .block_on(meridian::search::indexing::reindex(db, &state.search, tenant.as_deref(), progress_bar))
                .map_err(|e| match e {
                    meridian::error::AppError::NotFound => anyhow::anyhow!("no tenant with slug {tenant:?}"),
                    other => err(other),
                })?;
            eprintln!(
                "\nreindexed {done} articles in {:.1}s ({})",
                started.elapsed().as_secs_f64(),
                state.search.index.name()
            );
        }
    }
    Ok(())
}

/// A progress bar on stderr, redrawn in place.
fn progress_bar(done: usize, total: usize) {
    use std::io::Write;
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let mut err = std::io::stderr();
    let _ = write!(err, "\r[{}{}] {done}/{total}", "#".repeat(filled), "-".repeat(WIDTH - filled));
    let _ = err.flush();
}
