//! The "nothing but HTTP and the database" baseline: actix-web answering
//! `GET /beneficiaries/{id}` with one primary-key read through sqlx, with
//! no auth, scope check, masking or audit. jiuzhu's single-record reads are
//! reported as a ratio of its throughput.

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
    HttpServer::new(move || App::new().app_data(data.clone()).route("/beneficiaries/{id}", web::get().to(get)))
        .bind(&args.bind)?
        .run()
        .await
}
