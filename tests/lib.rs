//! Test support: `spawn_app()` builds the server through the same code path
//! as `jiuzhu serve`, binds port 0 and gives each test its own database: a
//! temporary SQLite file, or (with `JIUZHU_TEST_DATABASE_URL=postgres://…`)
//! a PostgreSQL database cloned from a migrated template and dropped after.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod database;
pub mod logs;

use awc::http::header;
use jiuzhu_api::config::Config;
use jiuzhu_api::server;
use jiuzhu_core::{Clock, SystemClock};
use jiuzhu_platform::Db;
use serde_json::Value;
use std::sync::Arc;

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
/// The audit chain key of every test server (one process holds one key).
pub const AUDIT_KEY: &str = "test-audit-key-that-is-long-enough-0123456789";

pub struct TestApp {
    pub address: String,
    pub db: Db,
    /// The test database's own URL, for a second connection beside the server's pool.
    pub database_url: String,
    pub admin_password: String,
    /// Where this server's signed audit checkpoints are written.
    pub audit_checkpoint_file: String,
    client: awc::Client,
    pub config: Config,
    database: Arc<database::TestDatabase>,
    replica: Option<Arc<database::TestDatabase>>,
}

/// A response with its body read: status, headers and JSON (or `Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body's bytes, for binary answers such as XLSX.
    pub raw: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// Asserts an RFC 9457 problem with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.content_type(), "application/problem+json", "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert!(self.body["type"].as_str().unwrap().starts_with("https://jiuzhu.example/problems/"));
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        assert_eq!(self.body["request_id"].as_str(), self.header("x-request-id"), "the problem quotes the request id");
    }
}

/// A node whose reports and exports read from a second database standing
/// in for a replica (PostgreSQL): a copy of the migrated template, but
/// empty, so a test can tell which of the two a read went to.
pub async fn spawn_app_with_stand_in_replica() -> TestApp {
    let replica = database::TestDatabase::create().await;
    let url = replica.url.clone();
    let mut app = spawn_app_with(|c| c.read_database_url = Some(url)).await;
    app.replica = Some(Arc::new(replica));
    app
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with a chance to change the configuration first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    logs::capture();
    let database = database::TestDatabase::create().await;
    let admin_password = jiuzhu_platform::password::generate(16);
    let mut config = Config {
        database_url: database.url.clone(),
        admin_password: Some(admin_password.as_str().into()),
        bind: "127.0.0.1:0".into(),
        max_connections: 5,
        // The tests' webhook receivers listen on loopback.
        webhook_allowed_networks: vec!["127.0.0.0/8".into()],
        audit_key: Some(AUDIT_KEY.into()),
        audit_checkpoint_file: std::env::temp_dir()
            .join(format!("jiuzhu-checkpoints-{}.ndjson", jiuzhu_core::id::new_id()))
            .display()
            .to_string(),
        ..Config::default()
    };
    adjust(&mut config);
    node(config, Arc::new(database), admin_password).await
}

/// Migrates (under the start-up lock, as every node does) and serves one
/// node, through the start-up path `serve` takes.
async fn node(config: Config, database: Arc<database::TestDatabase>, admin_password: String) -> TestApp {
    let db = server::connect(&config).await.expect("connect to the test database");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    server::prepare_database(&db, clock.as_ref(), &config).await.expect("prepare the test database");
    let started = server::start(db.clone(), clock, &config, JWT_SECRET.as_bytes()).expect("start the server");
    let address = format!("http://{}", started.address);
    actix_web::rt::spawn(started.server);
    let client = awc::Client::builder().timeout(std::time::Duration::from_secs(30)).finish();
    TestApp {
        address,
        db,
        database_url: config.database_url.clone(),
        admin_password,
        audit_checkpoint_file: config.audit_checkpoint_file.clone(),
        client,
        config,
        database,
        replica: None,
    }
}

impl TestApp {
    /// A second node on the same database with the same configuration, as
    /// behind a load balancer. Concurrent writes through two nodes need
    /// PostgreSQL: an SQLite file has one writing process.
    pub async fn another_node(&self) -> TestApp {
        let mut node = node(self.config.clone(), self.database.clone(), self.admin_password.clone()).await;
        node.replica = self.replica.clone();
        node
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: awc::http::Method, path: &str) -> awc::ClientRequest {
        self.client.request(method, self.url(path))
    }

    pub async fn send(&self, request: awc::ClientRequest, body: Option<(&str, Vec<u8>)>) -> Reply {
        // The masking scan: no answer carries a full ID or phone number
        // unless the request asked to reveal them.
        let sent = body.as_ref().map(|(_, bytes)| String::from_utf8_lossy(bytes).to_string()).unwrap_or_default();
        let asked_to_reveal = request.get_uri().query().is_some_and(|q| q.contains("reveal="))
            || sent.contains("\"reveal\"")
            || request.get_uri().path() == "/openapi.json"
            // A department's audited read of a referral's identifiers is a reveal by its nature.
            || request.get_uri().path().ends_with("/identifiers");
        let described = format!("{} {}", request.get_method(), request.get_uri());
        let response = match body {
            Some((content_type, bytes)) => request.insert_header((header::CONTENT_TYPE, content_type)).send_body(bytes).await,
            None => request.send().await,
        };
        let mut response = response.expect("request failed");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("read body");
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        // What the caller sent itself (a registry search's references) is not a leak.
        if !asked_to_reveal && let Some(found) = unmasked_pii(&text).filter(|(_, value)| !sent.contains(value.as_str())) {
            panic!(
                "{described} answered an unmasked {} ({}) without a reveal: {}",
                found.0,
                found.1,
                text.chars().take(400).collect::<String>()
            );
        }
        remember_id_numbers(&sent);
        if !asked_to_reveal && let Some(id) = rebuildable_id(&text).filter(|id| !sent.contains(id.as_str())) {
            panic!(
                "{described} answered the masked ID number of {id} with its birth date, which rebuilds it: {}",
                text.chars().take(400).collect::<String>()
            );
        }
        Reply { status: response.status().as_u16(), headers: response.headers().clone(), body, text, raw: bytes.to_vec() }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.request(awc::http::Method::GET, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request, None).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.post_json_with(path, token, body, &[]).await
    }

    /// POST with extra headers, e.g. `If-Match` or `Idempotency-Key`.
    pub async fn post_json_with(&self, path: &str, token: Option<&str>, body: &Value, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.request(awc::http::Method::POST, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        self.send(request, Some(("application/json", serde_json::to_vec(body).unwrap()))).await
    }

    /// PATCH with a merge-patch body and an optional `If-Match`.
    pub async fn patch_json(&self, path: &str, token: &str, body: &Value, if_match: Option<&str>) -> Reply {
        let mut request = self.request(awc::http::Method::PATCH, path).bearer_auth(token);
        if let Some(version) = if_match {
            request = request.insert_header(("If-Match", version));
        }
        self.send(request, Some(("application/merge-patch+json", serde_json::to_vec(body).unwrap()))).await
    }

    /// Makes sure a region exists (as the administrator): created when
    /// missing, kept when the shipped tree of 石嘴山市 holds it already.
    pub async fn add_region(&self, admin: &str, code: &str, name: &str) {
        let reply = self.post_json("/api/v1/regions", Some(admin), &serde_json::json!({"code": code, "name_zh": name})).await;
        let exists = reply.status == 409 && reply.body["code"] == "region_exists";
        assert!(reply.status == 201 || exists, "region {code}: {}", reply.text);
    }

    /// Registers a department API client and returns a token for it.
    pub async fn department_token(&self, admin: &str, department: &str) -> String {
        let body = serde_json::json!({"name": department, "role": "department", "department": department, "region_code": "640200"});
        self.client_token(admin, &body).await.1
    }

    /// Registers an API client from `body` and returns its creation answer and a token for it.
    pub async fn client_token(&self, admin: &str, body: &Value) -> (Value, String) {
        let created = self.post_json("/api/v1/clients", Some(admin), body).await;
        assert_eq!(created.status, 201, "client {body}: {}", created.text);
        let grant = serde_json::json!({"grant_type": "client_credentials", "client_id": created.body["client"]["client_id"], "client_secret": created.body["client_secret"]});
        let token = self.post_json("/api/v1/auth/token", None, &grant).await;
        (created.body, token.body["access_token"].as_str().unwrap().to_string())
    }

    /// A fund account, a provider and a project bought by competitive
    /// consultation, taken through bidding, a panel of three outside experts
    /// who each score under their own account, award and contract (the
    /// project is then at version 6): returns `(project_id, contract_id, provider_id)`.
    pub async fn contracted_project(&self, admin: &str, n: u32) -> (String, String, String) {
        self.contracted_project_until(admin, n, "2026-03-31").await
    }

    /// `contracted_project` with a contract term ending on `term_end`.
    pub async fn contracted_project_until(&self, admin: &str, n: u32, term_end: &str) -> (String, String, String) {
        use serde_json::json;
        let first17 = format!("52640200MJ{n:07}");
        let credit = format!("{first17}{}", jiuzhu_core::credit_code::check_character(first17.as_bytes()).unwrap());
        let provider = self
            .post_json("/api/v1/providers", Some(admin), &json!({"name": format!("机构{n}"), "credit_code": credit, "org_type": "social_organization",
                "service_codes": ["meals"], "service_regions": ["640202"], "monthly_capacity": {"meals": 100}, "contact": {"name": "联系人"}}))
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_string();
        self.post_json(
            "/api/v1/fund-accounts",
            Some(admin),
            &json!({"region_code": "640202", "year": 2025, "prior_year_assistance_total_fen": 10_000_000}),
        )
        .await;
        let project = self
            .post_json(
                "/api/v1/procurement-projects",
                Some(admin),
                &json!({"title": "助餐", "region_code": "640202", "year": 2025, "service_codes": ["meals"], "beneficiary_count": 10,
                "budget_fen": 100_000, "funding": [{"source": "fiscal_assistance", "amount_fen": 100_000}], "method": "competitive_consultation",
                "evaluation_criteria": {"price_bp": 2000, "capability_bp": 4000, "quality_bp": 4000, "other_bp": 0}}),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let step = |action: &str| format!("/api/v1/procurement-projects/{project}/{action}");
        self.post_json_with(&step("publish"), Some(admin), &json!({}), &[("If-Match", "\"1\"")]).await;
        let bid = self
            .post_json(
                &step("bids"),
                Some(admin),
                &json!({"provider_id": provider, "price_fen": 90_000, "proposal": "方案", "services": ["meals"]}),
            )
            .await
            .body;
        let panel = self.seat_panel(admin, &project, 2, 3).await;
        self.post_json_with(&step("close-bidding"), Some(admin), &json!({}), &[("If-Match", "\"3\"")]).await;
        let sheet = json!({"capability": 80, "quality": 80, "other": 80});
        self.panel_scores(&panel, &project, bid["id"].as_str().unwrap(), &sheet).await;
        let awarded = self.post_json_with(&step("award"), Some(admin), &json!({}), &[("If-Match", "\"4\"")]).await;
        assert_eq!(awarded.status, 200, "{}", awarded.text);
        let contract = self
            .post_json("/api/v1/contracts", Some(admin), &json!({"project_id": project, "term_start": "2025-04-01", "term_end": term_end, "services": [{"service_code": "meals", "quantity": 100}],
                "instalments": [{"kind": "advance", "share_bp": 4000, "released_by": "signing"},
                    {"kind": "progress", "share_bp": 2000, "released_by": "mid_term_evaluation"}, {"kind": "final", "share_bp": 4000, "released_by": "acceptance"}],
                "quality_standards": "准时", "price_fen": 90_000, "settlement_method": "按季", "rights_and_obligations": "履约", "breach_liability": "扣减"}))
            .await;
        assert_eq!(contract.status, 201, "{}", contract.text);
        (project, contract.body["id"].as_str().unwrap().to_string(), provider)
    }

    /// Seats a panel of `experts` outside experts (fresh `review_member`
    /// accounts in 640202) on a project at `version`; answers their tokens.
    pub async fn seat_panel(&self, admin: &str, project: &str, version: i64, experts: usize) -> Vec<String> {
        let mut members = Vec::new();
        let mut tokens = Vec::new();
        for _ in 0..experts {
            let username = format!("expert.{}", NEXT_EXPERT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let account = self.add_user(admin, &username, "review_member", "640202", serde_json::json!({})).await;
            members.push(serde_json::json!({"user_id": account["id"], "seat": "expert"}));
            tokens.push(self.login(&username, "password-1234").await);
        }
        let if_match = format!("\"{version}\"");
        let path = format!("/api/v1/procurement-projects/{project}/panel");
        let formed = self.post_json_with(&path, Some(admin), &serde_json::json!({"members": members}), &[("If-Match", &if_match)]).await;
        assert_eq!(formed.status, 200, "panel: {}", formed.text);
        tokens
    }

    /// Each member of `panel` signs `sheet` for the bid under their own account.
    pub async fn panel_scores(&self, panel: &[String], project: &str, bid: &str, sheet: &Value) {
        for member in panel {
            let signed = self.post_json(&format!("/api/v1/procurement-projects/{project}/bids/{bid}/scores"), Some(member), sheet).await;
            assert_eq!(signed.status, 201, "sheet: {}", signed.text);
        }
    }

    /// Creates an account and returns its representation.
    pub async fn add_user(&self, token: &str, username: &str, role: &str, region: &str, extra: Value) -> Value {
        let mut body = serde_json::json!({"username": username, "display_name": username, "role": role, "region_code": region, "password": "password-1234"});
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let reply = self.post_json("/api/v1/users", Some(token), &body).await;
        assert_eq!(reply.status, 201, "user {username}: {}", reply.text);
        reply.body
    }

    /// Logs in with a password and returns the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self
            .post_json(
                "/api/v1/auth/token",
                None,
                &serde_json::json!({"grant_type": "password", "username": username, "password": password}),
            )
            .await;
        assert_eq!(reply.status, 200, "login failed: {}", reply.text);
        reply.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.login("admin", &self.admin_password).await
    }
}

/// Numbers the outside experts `seat_panel` makes, so usernames never repeat.
static NEXT_EXPERT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Every ID number a test has sent, so that answers can be checked for
/// the birth date beside the masked number (its hidden digits).
static SENT_ID_NUMBERS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn remember_id_numbers(sent: &str) {
    let mut rest = sent;
    let mut found = Vec::new();
    while let Some((_, id)) = unmasked_pii(rest).filter(|(kind, _)| *kind == "ID number") {
        let at = rest.find(&id).map_or(rest.len(), |i| i + id.len());
        found.push(id);
        rest = &rest[at..];
    }
    if !found.is_empty() {
        let mut known = SENT_ID_NUMBERS.lock().unwrap_or_else(|e| e.into_inner());
        for id in found {
            if !known.contains(&id) {
                known.push(id);
            }
        }
    }
}

/// A sent ID number whose masked form appears in `text` together with its
/// birth date (as `YYYY-MM-DD` or `YYYYMMDD`): what masking must prevent.
pub fn rebuildable_id(text: &str) -> Option<String> {
    const STARS: &str = "********";
    let masked: Vec<&str> = text.match_indices(STARS).filter_map(|(at, _)| text.get(at.checked_sub(6)?..at + STARS.len() + 4)).collect();
    if masked.is_empty() {
        return None;
    }
    let known = SENT_ID_NUMBERS.lock().unwrap_or_else(|e| e.into_inner());
    known
        .iter()
        .find(|id| {
            let digits = &id[6..14];
            let dashed = format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]);
            masked.iter().any(|m| m[..6] == id[..6] && m[14..] == id[14..]) && (text.contains(digits) || text.contains(&dashed))
        })
        .cloned()
}

/// A full citizen ID (valid checksum) or mobile number in `text`, if any:
/// what masking must never let through.
pub fn unmasked_pii(text: &str) -> Option<(&'static str, String)> {
    let bytes = text.as_bytes();
    let is_digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    // Numbers inside longer tokens (UUIDs, hashes) are not IDs or phones.
    let word = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-');
    let mut start = 0;
    while start < bytes.len() {
        if !is_digit(start) || word(start.checked_sub(1)) {
            start += 1;
            continue;
        }
        let mut end = start;
        while is_digit(end) {
            end += 1;
        }
        let run = &text[start..end];
        let with_check = run.len() == 17 && matches!(bytes.get(end), Some(b'X' | b'x'));
        let (candidate, after) = if with_check { (&text[start..end + 1], end + 1) } else { (run, end) };
        if !word(Some(after)) {
            if candidate.len() == 18 && jiuzhu_core::CitizenId::parse(candidate).is_ok() {
                return Some(("ID number", candidate.to_string()));
            }
            if run.len() == 11 && run.starts_with('1') && matches!(bytes[start + 1], b'3'..=b'9') {
                return Some(("phone", run.to_string()));
            }
        }
        start = end;
    }
    None
}

/// A valid citizen ID for someone born on `born` (`YYYY-MM-DD`) in 大武口区.
pub fn id_born(born: &str, sequence: u32) -> String {
    let first17 = format!("640202{}{sequence:03}", born.replace('-', ""));
    format!("{first17}{}", jiuzhu_core::citizen_id::check_character(first17.as_bytes()))
}

/// A valid unified social credit code for the n-th synthetic provider.
pub fn credit_code(n: u32) -> String {
    let first17 = format!("52640200MJ{n:07}");
    let check = jiuzhu_core::credit_code::check_character(first17.as_bytes()).unwrap();
    format!("{first17}{check}")
}

/// Scores for all ten indicators: the listed levels, 0 elsewhere, with
/// evidence from level 2 as the model requires.
pub fn scores(levels: &[(&str, u8)]) -> Value {
    let all = [
        "income",
        "housing",
        "illness",
        "disability",
        "education",
        "employment",
        "social_security",
        "social_participation",
        "children_youth",
        "family_structure",
    ];
    Value::Array(
        all.iter()
            .map(|i| {
                let level = levels.iter().find(|(k, _)| k == i).map(|(_, l)| *l).unwrap_or(0);
                serde_json::json!({"indicator": i, "level": level, "evidence": if level >= 2 { "入户核实" } else { "" }})
            })
            .collect(),
    )
}

/// The first worksheet's XML of an XLSX answer.
pub fn xlsx_sheet(reply: &Reply) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(reply.raw.clone())).expect("an XLSX is a zip archive");
    let mut xml = String::new();
    archive.by_name("xl/worksheets/sheet1.xml").expect("one worksheet").read_to_string(&mut xml).unwrap();
    xml
}

/// The first sheet of an XLSX answer, read as a spreadsheet program reads it.
pub fn xlsx_cells(reply: &Reply) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(reply.raw.clone())).expect("a readable workbook");
    workbook.worksheet_range_at(0).expect("one worksheet").expect("a readable worksheet")
}

/// Waits, if need be, until the current minute has at least `needed` left:
/// the limits count in fixed one-minute windows, so a check that straddles
/// a minute's end would see the count start again from nothing.
pub async fn room_in_this_minute(needed: std::time::Duration) {
    let into_minute = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() % 60_000).unwrap_or(0);
    let left = std::time::Duration::from_millis(60_000 - into_minute as u64);
    if left < needed {
        actix_web::rt::time::sleep(left + std::time::Duration::from_millis(50)).await;
    }
}
