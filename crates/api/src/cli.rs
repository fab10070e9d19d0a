//! The `jiuzhu` command line: serve, migrate, openapi and seed-demo.

use crate::config::Config;
use crate::server::{self, Started, StartupError};
use clap::{Parser, Subcommand, ValueEnum};
use jiuzhu_core::{Clock, SystemClock};
use jiuzhu_migrations::{Migrator, MigratorTrait};
use jiuzhu_platform::users::Bootstrap;
use jiuzhu_platform::{Db, demo, region_tree};
use rand::Rng;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "jiuzhu", version, about = "jiuzhu 救助: service-type social assistance")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, create the bootstrap administrator if needed, and serve.
    Serve {
        /// Load the demo data first (what `make run` does).
        #[arg(long)]
        demo: bool,
    },
    /// Apply, roll back or list migrations.
    Migrate {
        #[arg(value_enum, default_value = "up")]
        direction: MigrateDirection,
    },
    /// Print the OpenAPI document to stdout.
    Openapi,
    /// Load the demo data; running it twice changes nothing.
    SeedDemo,
    /// Fill the database with a deterministic, city-scale synthetic data set
    /// for benchmarks: people, households, assessments and needs, providers,
    /// fund accounts and service orders. Use an empty database.
    SeedSynthetic {
        /// How many people to generate.
        #[arg(long, default_value_t = 10_000)]
        beneficiaries: usize,
        /// The random seed; the same seed gives the same rows.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Load a region tree under the deployment's root from CSV files: the
    /// `china-division` package's `provinces.csv`, `cities.csv`,
    /// `areas.csv`, `streets.csv` and `villages.csv` (any of them, in any
    /// order), or plain `code,name_zh[,parent_code]` files. Regions that
    /// exist keep their names; what was added, kept and refused is
    /// reported by line, and nothing is written when a line is refused
    /// unless `--skip-refused` is given.
    LoadRegions {
        /// The CSV files (a first line whose first field is not a code is a header).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Mark the loaded regions as invented demo data.
        #[arg(long)]
        demo: bool,
        /// Load the good lines even when others are refused.
        #[arg(long)]
        skip_refused: bool,
    },
    /// Lift the login lock-out of a username or API client id (audited).
    Unlock {
        /// The username or client id.
        account: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MigrateDirection {
    Up,
    Down,
    Status,
}

type CliResult = Result<(), String>;

pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Openapi => {
            let json = server::openapi_json().map_err(|e| e.to_string())?;
            print!("{json}");
            Ok(())
        }
        Command::Migrate { direction } => {
            let config = Config::load()?;
            crate::logging::init(&config.log);
            let db = server::connect(&config).await?;
            let result = match direction {
                MigrateDirection::Up => Migrator::up(db.conn(), None).await,
                MigrateDirection::Down => Migrator::down(db.conn(), Some(1)).await,
                MigrateDirection::Status => print_status(&db).await,
            };
            result.map_err(|e| format!("migration failed: {e}"))
        }
        Command::SeedDemo => {
            let config = Config::load()?;
            crate::logging::init(&config.log);
            let db = prepare(&config).await?;
            seed_demo(&db, &config).await
        }
        Command::SeedSynthetic { beneficiaries, seed } => {
            let config = Config::load()?;
            crate::logging::init(&config.log);
            let db = prepare(&config).await?;
            let started = std::time::Instant::now();
            let made = crate::synthetic::seed(&db, &config.root_region, beneficiaries, seed, crate::synthetic::base_time())
                .await
                .map_err(|e| format!("synthetic data: {e}: {e:?}"))?;
            println!(
                "Synthetic data (seed {seed}) in {:.1} s: {} people, {} households, {} assessments, {} needs, {} providers, {} service orders.",
                started.elapsed().as_secs_f64(),
                made.beneficiaries,
                made.households,
                made.assessments,
                made.needs,
                made.providers,
                made.orders
            );
            Ok(())
        }
        Command::LoadRegions { files, demo, skip_refused } => {
            let config = Config::load()?;
            crate::logging::init(&config.log);
            let mut texts = Vec::new();
            for file in &files {
                let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                texts.push((file.display().to_string(), text));
            }
            let db = prepare(&config).await?;
            let options = region_tree::LoadOptions { is_demo: demo, skip_refused };
            let plan =
                region_tree::load(&db, &SystemClock, &config.root_region, &texts, options).await.map_err(|e| format!("{e}: {e:?}"))?;
            for refusal in &plan.refused {
                println!("refused: {refusal}");
            }
            let written =
                if plan.refused.is_empty() || skip_refused { "loaded" } else { "nothing written (use --skip-refused to load the rest)" };
            println!(
                "Regions under {}: {} added, {} kept, {} refused, {} outside the root{}; {written}.",
                config.root_region,
                plan.added.len(),
                plan.kept,
                plan.refused.len(),
                plan.outside,
                if plan.named_root.is_some() { ", the root named" } else { "" },
            );
            if plan.refused.is_empty() || skip_refused { Ok(()) } else { Err(format!("{} lines refused", plan.refused.len())) }
        }
        Command::Unlock { account } => {
            let config = Config::load()?;
            crate::logging::init(&config.log);
            let db = prepare(&config).await?;
            let cleared = unlock(&db, &config.root_region, &account).await.map_err(|e| e.to_string())?;
            println!("Cleared {cleared} failed logins of {account}; it may log in again.");
            Ok(())
        }
        Command::Serve { demo } => {
            let config = Config::load()?;
            crate::logging::init(&config.log);
            let db = prepare(&config).await?;
            if demo {
                seed_demo(&db, &config).await?;
            }
            serve(config, db).await
        }
    }
}

/// Clears an account's failed logins, with an audit row by the operator.
pub async fn unlock(db: &Db, root: &jiuzhu_core::RegionCode, account: &str) -> Result<u64, jiuzhu_core::DomainError> {
    use jiuzhu_platform::audit::{self, Entry, Outcome, Who};
    let now = jiuzhu_core::Clock::now(&SystemClock);
    let txn = db.begin_write().await?;
    let cleared = jiuzhu_platform::login_throttle::clear(&*txn, account).await?;
    let who = Who::operator(now);
    let entry = Entry {
        action: "login.unlocked".into(),
        entity_type: "account".into(),
        entity_id: Some(account.to_string()),
        region_code: root.to_string(),
        outcome: Outcome::Success,
        detail: serde_json::json!({"cleared_failures": cleared}),
    };
    audit::append(&*txn, &who, entry).await?;
    txn.commit().await?;
    Ok(cleared)
}

async fn print_status(db: &Db) -> Result<(), sea_orm::DbErr> {
    for migration in Migrator::get_migration_with_status(db.conn()).await? {
        println!("{:?}\t{}", migration.status(), migration.name());
    }
    Ok(())
}

/// Connects, migrates and makes sure the administrator exists.
async fn prepare(config: &Config) -> Result<Db, StartupError> {
    let db = server::connect(config).await?;
    match server::prepare_database(&db, &SystemClock, config).await? {
        Bootstrap::CreatedWithGeneratedPassword(password) => {
            println!("Created the administrator. Log in as `admin` with password: {password}");
            println!("(shown once; set JIUZHU_ADMIN_PASSWORD to choose it yourself)");
        }
        Bootstrap::CreatedWithConfiguredPassword => println!("Created the administrator `admin` with JIUZHU_ADMIN_PASSWORD."),
        Bootstrap::AlreadyInitialised => {}
    }
    Ok(db)
}

async fn seed_demo(db: &Db, config: &Config) -> CliResult {
    // Under the start-up lock, so that nodes seeding at once converge.
    let lock = db.startup_lock().await.map_err(|e| format!("start-up lock: {e}"))?;
    seed_demo_locked(db, config).await?;
    lock.release().await.map_err(|e| format!("start-up lock: {e}"))
}

async fn seed_demo_locked(db: &Db, config: &Config) -> CliResult {
    let clock = SystemClock;
    let txn = db.begin_write().await.map_err(|e| e.to_string())?;
    let report = demo::seed(&*txn, &clock, &config.root_region).await.map_err(|e| e.to_string())?;
    txn.commit().await.map_err(|e| e.to_string())?;
    let people = crate::demo::seed_domain(db, config.referral_due_working_days).await.map_err(|e| format!("demo content: {e}: {e:?}"))?;
    println!(
        "Demo data in 石嘴山市's real villages: {} users and {people} assessed people with providers, a fund account and an accepted application with its referral added (running it again adds nothing).",
        report.users_added
    );
    println!("Demo logins (password `{}`): {}, {}", demo::DEMO_PASSWORD, report.usernames.join(", "), crate::demo::DEMO_PROVIDER_USERNAME);
    Ok(())
}

async fn serve(config: Config, db: Db) -> CliResult {
    let secret = match &config.jwt_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => {
            tracing::warn!("JIUZHU_JWT_SECRET is not set: using a random secret, so tokens die with this process");
            rand::rng().random::<[u8; 32]>().to_vec()
        }
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let pool = db.clone();
    let Started { address, server } = server::start(db, clock, &config, &secret)?;
    println!("jiuzhu is serving on http://{address} (API docs: http://{address}/docs/)");
    println!(
        "Get a token: curl -s http://{address}/api/v1/auth/token -H 'Content-Type: application/json' -d '{{\"grant_type\":\"password\",\"username\":\"demo-county\",\"password\":\"{}\"}}'",
        demo::DEMO_PASSWORD
    );
    tracing::info!(%address, "serving");
    let served = server.await.map_err(|e| e.to_string());
    // Shut down in order: close the pool while the runtime still runs, so no
    // connection is dropped (and closed) after it is gone.
    if let Err(error) = pool.close().await {
        tracing::warn!(%error, "closing the database pool");
    }
    tracing::info!("stopped");
    served
}
