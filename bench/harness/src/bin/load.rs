//! A small load generator for `make bench`: one scenario at a fixed offered
//! rate (open loop: each operation is scheduled at `start + i / rate` and its
//! latency counts from then, so a slow server cannot hide its queue), or as
//! many requests as `connections` closed-loop workers can send (throughput).
//! Prints one JSON object: offered and achieved rates, p50/p90/p99/max in
//! milliseconds and the error rate.

use clap::{Parser, ValueEnum};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Scenario {
    /// `GET /api/v1/beneficiaries/{id}` for random people.
    Get,
    /// The baseline's `GET /beneficiaries/{id}`, no auth.
    Baseline,
    /// A township's people with a category filter: page one, then page two by its cursor.
    List,
    /// `POST /api/v1/applications` with two items and a fresh `Idempotency-Key`.
    Create,
    /// The baseline's `POST /applications`: the same rows, inserted raw.
    BaselineCreate,
    /// `GET /api/v1/needs/summary` for a county.
    Summary,
    /// `POST /api/v1/matches` for a random open need.
    Match,
}

#[derive(Parser)]
struct Args {
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Base URL of the server, e.g. http://127.0.0.1:18180
    #[arg(long)]
    url: String,
    /// The server's database, read once for ids to ask about.
    #[arg(long)]
    database_url: String,
    /// Operations per second; omit for closed-loop maximum throughput.
    #[arg(long)]
    rate: Option<f64>,
    /// Closed-loop workers (throughput mode).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Password of `admin` (jiuzhu scenarios log in once).
    #[arg(long, default_value = "bench-password-123")]
    password: String,
}

/// What every operation may draw from.
struct Pools {
    people: Vec<Uuid>,
    needs: Vec<Uuid>,
    townships: Vec<String>,
}

async fn load_pools(database_url: &str) -> Result<Pools, String> {
    use sea_orm::{ConnectionTrait, Statement};
    let failed = |e: sea_orm::DbErr| e.to_string();
    let db = sea_orm::Database::connect(database_url).await.map_err(failed)?;
    let backend = db.get_database_backend();
    let column = |sql: &str| Statement::from_string(backend, sql.to_string());
    let ids = |rows: Vec<sea_orm::QueryResult>| rows.iter().filter_map(|r| r.try_get::<Uuid>("", "id").ok()).collect::<Vec<_>>();
    let people = ids(db.query_all_raw(column("SELECT id FROM beneficiaries ORDER BY id_number LIMIT 20000")).await.map_err(failed)?);
    let needs =
        ids(db.query_all_raw(column("SELECT id FROM needs WHERE status = 'open' ORDER BY id LIMIT 20000")).await.map_err(failed)?);
    let townships = db
        .query_all_raw(column("SELECT code FROM regions WHERE level = 'township' AND code LIKE '64020%' ORDER BY code"))
        .await
        .map_err(failed)?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "code").ok())
        .collect();
    Ok(Pools { people, needs, townships })
}

struct Client {
    http: awc::Client,
    url: String,
    token: String,
}

/// One sample per request: latency in microseconds and whether it failed.
/// Per request: its latency in µs, whether it failed, and when it began.
type Samples = Rc<RefCell<Vec<(u64, bool, Instant)>>>;

impl Client {
    async fn send(&self, method: awc::http::Method, path: &str, body: Option<Value>, key: Option<String>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some(key) = key {
            request = request.insert_header(("Idempotency-Key", key));
        }
        let mut response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        }
        .map_err(|e| e.to_string())?;
        let bytes = response.body().limit(16 << 20).await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("{}: {}", response.status(), String::from_utf8_lossy(&bytes[..bytes.len().min(200)])));
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

/// Runs one operation, recording each request's latency from `since`
/// (its scheduled time for the first request).
async fn operate(scenario: Scenario, client: &Client, pools: &Pools, rng: &mut StdRng, since: Instant, samples: &Samples) {
    use awc::http::Method;
    let record = |since: Instant, ok: bool| samples.borrow_mut().push((since.elapsed().as_micros() as u64, !ok, since));
    let person = pools.people[rng.random_range(0..pools.people.len())];
    match scenario {
        Scenario::Get => record(since, client.send(Method::GET, &format!("/api/v1/beneficiaries/{person}"), None, None).await.is_ok()),
        Scenario::Baseline => record(since, client.send(Method::GET, &format!("/beneficiaries/{person}"), None, None).await.is_ok()),
        Scenario::List => {
            let township = &pools.townships[rng.random_range(0..pools.townships.len())];
            let path = format!("/api/v1/beneficiaries?region_code={township}&category=subsistence_allowance&limit=20");
            let first = client.send(Method::GET, &path, None, None).await;
            record(since, first.is_ok());
            if let Some(cursor) = first.ok().and_then(|page| page["next_cursor"].as_str().map(String::from)) {
                let again = Instant::now();
                let second = client.send(Method::GET, &format!("{path}&cursor={cursor}"), None, None).await;
                record(again, second.is_ok());
            }
        }
        Scenario::Create | Scenario::BaselineCreate => {
            let body = json!({"channel": "walk_in", "beneficiary_id": person,
                "consent": {"given": true, "date": "2026-06-01", "method": "written"},
                "items": [{"kind": "service", "service_code": "meals"},
                          {"kind": "transfer", "matter": "medical_assistance", "description": "住院自付费用较高（压测）"}]});
            let key = Uuid::from_u128(rng.random()).to_string();
            let path = if scenario == Scenario::Create { "/api/v1/applications" } else { "/applications" };
            record(since, client.send(Method::POST, path, Some(body), Some(key)).await.is_ok());
        }
        Scenario::Summary => {
            let county = ["640202", "640205", "640221"][rng.random_range(0..3)];
            let path = format!("/api/v1/needs/summary?region_code={county}&group_by=service");
            record(since, client.send(Method::GET, &path, None, None).await.is_ok());
        }
        Scenario::Match => {
            let need = pools.needs[rng.random_range(0..pools.needs.len())];
            record(since, client.send(Method::POST, "/api/v1/matches", Some(json!({"need_id": need})), None).await.is_ok());
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let pools = Rc::new(load_pools(&args.database_url).await?);
    if pools.people.is_empty() || (args.scenario == Scenario::Match && pools.needs.is_empty()) {
        return Err("the database has no people or open needs: run `jiuzhu seed-synthetic` first".into());
    }
    let connector = awc::Connector::new().limit(512).timeout(Duration::from_secs(5));
    let http = awc::Client::builder().connector(connector).timeout(Duration::from_secs(30)).finish();
    let mut client = Client { http, url: args.url.trim_end_matches('/').to_string(), token: String::new() };
    if !matches!(args.scenario, Scenario::Baseline | Scenario::BaselineCreate) {
        let login = json!({"grant_type": "password", "username": "admin", "password": args.password});
        let token = client.send(awc::http::Method::POST, "/api/v1/auth/token", Some(login), None).await?;
        client.token = token["access_token"].as_str().ok_or("no access_token")?.to_string();
    }
    let client = Rc::new(client);
    let samples: Samples = Rc::new(RefCell::new(Vec::new()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    let mut tasks = Vec::new();
    match args.rate {
        Some(rate) => {
            let operations = (rate * args.seconds).round() as u64;
            for i in 0..operations {
                let at = started + Duration::from_secs_f64(i as f64 / rate);
                actix_web::rt::time::sleep_until(at.into()).await;
                let (client, pools, samples) = (client.clone(), pools.clone(), samples.clone());
                let mut rng = StdRng::seed_from_u64(i);
                tasks.push(actix_web::rt::spawn(async move { operate(args.scenario, &client, &pools, &mut rng, at, &samples).await }));
            }
        }
        None => {
            for worker in 0..args.connections {
                let (client, pools, samples) = (client.clone(), pools.clone(), samples.clone());
                let mut rng = StdRng::seed_from_u64(worker as u64);
                tasks.push(actix_web::rt::spawn(async move {
                    while Instant::now() < deadline {
                        operate(args.scenario, &client, &pools, &mut rng, Instant::now(), &samples).await;
                    }
                }));
            }
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let samples = samples.borrow();
    let errors = samples.iter().filter(|(_, failed, _)| *failed).count();
    let mut latencies: Vec<u64> = samples.iter().map(|(micros, _, _)| *micros).collect();
    latencies.sort_unstable();
    // The ten slowest requests, as [ms into the run, latency in ms], to tell
    // one stall (neighbouring offsets) from slow requests spread over the run.
    let mut slowest: Vec<(u64, Instant)> = samples.iter().map(|(micros, _, began)| (*micros, *began)).collect();
    slowest.sort_unstable_by_key(|(micros, _)| std::cmp::Reverse(*micros));
    let slowest: Vec<[f64; 2]> = slowest
        .iter()
        .take(10)
        .map(|(micros, began)| [began.saturating_duration_since(started).as_millis() as f64, *micros as f64 / 1000.0])
        .collect();
    let report = json!({
        "scenario": format!("{:?}", args.scenario).to_lowercase(),
        "mode": if args.rate.is_some() { "fixed_rate" } else { "max_throughput" },
        "offered_ops_per_s": args.rate,
        "connections": args.rate.is_none().then_some(args.connections),
        "requests": latencies.len(),
        "achieved_req_per_s": (latencies.len() as f64 / elapsed).round(),
        "p50_ms": percentile(&latencies, 0.50),
        "p90_ms": percentile(&latencies, 0.90),
        "p99_ms": percentile(&latencies, 0.99),
        "max_ms": percentile(&latencies, 1.0),
        "slowest_at_ms": slowest,
        "error_rate": if latencies.is_empty() { 0.0 } else { errors as f64 / latencies.len() as f64 },
    });
    println!("{report}");
    Ok(())
}
