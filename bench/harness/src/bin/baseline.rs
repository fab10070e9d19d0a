//! The "nothing but HTTP and the database" baseline: actix-web answering
//! `GET /beneficiaries/{id}` with one primary-key read through sqlx, and
//! (PostgreSQL) `POST /applications` inserting the rows an application
//! create writes, in one transaction: the application and its items, its
//! audit row and its event (into the relay's inboxes) and the answer under
//! its `Idempotency-Key`; with no auth, validation, scope check, masking,
//! chaining or lookup of the key.
//! jiuzhu's single-record reads and writes are reported as ratios of it.

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;
use sea_orm::sqlx::{self, PgPool, Row, SqlitePool};
use serde::Serialize;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// `sqlite://…` or `postgres://…`: the same database jiuzhu serves.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "127.0.0.1:18199")]
    bind: String,
    #[arg(long, default_value_t = 10)]
    pool: u32,
}

#[derive(Clone)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

#[derive(Serialize)]
struct Person {
    id: Uuid,
    name: String,
    id_number: String,
    region_code: String,
    categories: String,
    status: String,
    version: i64,
}

const QUERY_PG: &str = "SELECT id, name, id_number, region_code, categories, status, version FROM beneficiaries WHERE id = $1";
const QUERY_SQLITE: &str = "SELECT id, name, id_number, region_code, categories, status, version FROM beneficiaries WHERE id = ?";

fn person<R: Row>(row: &R) -> Result<Person, sqlx::Error>
where
    for<'r> Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Ok(Person {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        id_number: row.try_get(2)?,
        region_code: row.try_get(3)?,
        categories: row.try_get(4)?,
        status: row.try_get(5)?,
        version: row.try_get(6)?,
    })
}

async fn get(pool: web::Data<Pool>, id: web::Path<Uuid>) -> HttpResponse {
    let id = id.into_inner();
    let found = match pool.get_ref() {
        Pool::Postgres(pool) => sqlx::query(QUERY_PG).bind(id).fetch_optional(pool).await.and_then(|r| r.map(|r| person(&r)).transpose()),
        Pool::Sqlite(pool) => sqlx::query(QUERY_SQLITE).bind(id).fetch_optional(pool).await.and_then(|r| r.map(|r| person(&r)).transpose()),
    };
    match found {
        Ok(Some(person)) => HttpResponse::Ok().json(person),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct NewApplication {
    beneficiary_id: Uuid,
    channel: String,
    consent: serde_json::Value,
    items: Vec<serde_json::Value>,
}

const INSERT_APPLICATION: &str = "INSERT INTO applications (id, beneficiary_id, region_code, channel, submitted_by, proxy, consent, status, \
     reason, outcome, version, created_at, updated_at) VALUES ($1, $2, '640202001001', $3, 'baseline', NULL, $4, 'submitted', NULL, NULL, 1, $5, $5)";
const INSERT_AUDIT: &str = "INSERT INTO audit_inbox (id, occurred_at, actor, actor_role, action, entity_type, entity_id, region_code, \
     outcome, request_id, detail) VALUES ($1, $2, 'baseline', 'township_officer', 'application.created', 'application', $3, '640202001001', \
     'success', '', '{}')";
const INSERT_EVENT: &str = "INSERT INTO event_inbox (id, event_type, occurred_at, region_code, subject_id, data, department, provider_id) \
     VALUES ($1, 'application.created', $2, '640202001001', $3, '{}', NULL, NULL)";
const INSERT_ANSWER: &str = "INSERT INTO idempotency_keys (owner, key, request_hash, state, response_status, response_body, response_headers, \
     created_at) VALUES ('baseline', $1, '', 'done', 201, $2, '[]', $3)";
const INSERT_ITEM: &str = "INSERT INTO application_items (id, application_id, position, kind, service_code, matter, department, description, \
     resolved_by_assessment) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL)";

async fn insert_application(pool: &PgPool, new: NewApplication, key: String) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let mut txn = pool.begin().await?;
    sqlx::query(INSERT_APPLICATION)
        .bind(id)
        .bind(new.beneficiary_id)
        .bind(&new.channel)
        .bind(new.consent.to_string())
        .bind(now)
        .execute(&mut *txn)
        .await?;
    for (position, item) in new.items.iter().enumerate() {
        let text = |field: &str| item[field].as_str().map(str::to_string);
        sqlx::query(INSERT_ITEM)
            .bind(Uuid::now_v7())
            .bind(id)
            .bind(position as i32)
            .bind(text("kind").unwrap_or_default())
            .bind(text("service_code"))
            .bind(text("matter"))
            .bind(text("description").unwrap_or_default())
            .execute(&mut *txn)
            .await?;
    }
    sqlx::query(INSERT_AUDIT).bind(Uuid::now_v7()).bind(now).bind(id.to_string()).execute(&mut *txn).await?;
    sqlx::query(INSERT_EVENT).bind(Uuid::now_v7()).bind(now).bind(id).execute(&mut *txn).await?;
    let answer = serde_json::json!({"id": id}).to_string();
    sqlx::query(INSERT_ANSWER).bind(key).bind(answer).bind(now).execute(&mut *txn).await?;
    txn.commit().await?;
    Ok(id)
}

async fn create(pool: web::Data<Pool>, request: actix_web::HttpRequest, body: web::Json<NewApplication>) -> HttpResponse {
    let Pool::Postgres(pool) = pool.get_ref() else {
        return HttpResponse::NotImplemented().body("the write baseline is PostgreSQL's");
    };
    let key =
        request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map_or_else(|| Uuid::now_v7().to_string(), str::to_string);
    match insert_application(pool, body.into_inner(), key).await {
        Ok(id) => HttpResponse::Created().json(serde_json::json!({"id": id})),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let failed = |e: sqlx::Error| std::io::Error::other(e.to_string());
    let pool = if args.database_url.starts_with("postgres") {
        Pool::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(args.pool).connect(&args.database_url).await.map_err(failed)?)
    } else {
        Pool::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(args.pool).connect(&args.database_url).await.map_err(failed)?)
    };
    let data = web::Data::new(pool);
    println!("baseline listening on {}", args.bind);
    HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/beneficiaries/{id}", web::get().to(get)).route("/applications", web::post().to(create))
    })
    .bind(&args.bind)?
    .run()
    .await
}
