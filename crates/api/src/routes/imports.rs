//! `/imports`: bulk uploads that run as jobs. The body streams to a
//! temporary file (never into memory whole), the job answers 202 at once,
//! and a background task processes the rows in batches.

use crate::extract::{Ctx, ListQuery};
use crate::problem::{ApiError, HttpFailure};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use jiuzhu_core::{DomainError, Page, Permission};
use jiuzhu_intake::import::{self, Format};
use jiuzhu_platform::imports::{self, ImportKind, JobView, RowError};
use jiuzhu_platform::record::authorize;
use serde::Deserialize;
use std::io::Write;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// What the rows are.
    pub kind: ImportKind,
    /// The rows' format when the body is a file sent as
    /// `application/octet-stream`, as generated clients upload files; a
    /// `text/csv` or `application/x-ndjson` body says its format itself.
    pub format: Option<Format>,
}

/// The upload's format: from its content type, or for a file sent as
/// `application/octet-stream`, from the `format` parameter.
fn format_of(req: &HttpRequest, asked: Option<Format>) -> Result<Format, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/x-ndjson" | "application/jsonl" => Ok(Format::Ndjson),
        "text/csv" => Ok(Format::Csv),
        "application/octet-stream" => asked.ok_or_else(|| {
            DomainError::field("format", "required", "a file sent as application/octet-stream needs format=csv or format=ndjson").into()
        }),
        _ => {
            Err(HttpFailure::UnsupportedMediaType(if content_type.is_empty() { "no content type".into() } else { content_type.into() })
                .into())
        }
    }
}

/// Removes the upload file when the job is done with it, however it ends.
struct Upload(std::path::PathBuf);

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn store(mut payload: web::Payload, path: &std::path::Path, limit: usize) -> Result<(), ApiError> {
    let mut file = std::fs::File::create(path).map_err(|e| DomainError::Internal(format!("upload file: {e}")))?;
    let mut written = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::from(HttpFailure::MalformedBody(format!("body could not be read: {e}"))))?;
        written += chunk.len();
        if written > limit {
            return Err(HttpFailure::PayloadTooLarge(limit).into());
        }
        file.write_all(&chunk).map_err(|e| DomainError::Internal(format!("upload file: {e}")))?;
    }
    file.flush().map_err(|e| DomainError::Internal(format!("upload file: {e}")))?;
    Ok(())
}

/// Start a bulk import
///
/// The body is NDJSON (`application/x-ndjson`, one registration per line, the
/// shape of `POST /beneficiaries`) or CSV (`text/csv`, UTF-8 with a header:
/// `name,id_number,phone,region_code,address,category,support_mode,valid_from,valid_to,groups,disability_level`,
/// `groups` separated by `;`), or either as a file sent as
/// `application/octet-stream` with `format=csv` or `format=ndjson`, as
/// generated clients upload files. Answers 202 with the job; poll
/// `GET /imports/{id}`. Each row is upserted by `id_number` on its own: good
/// rows land, bad rows are reported by line. Re-running a file changes
/// nothing. Rows outside the caller's region fail. Before the job is made,
/// the upload must look like rows (422 naming `body`): `no_rows` for none,
/// a CSV header with unknown or missing columns, `not_ndjson` when the
/// first line is not a JSON object, `not_a_row` when it lacks a row's
/// fields or has others.
///
/// Permission: `import:write` (and `beneficiary:write`).
#[utoipa::path(
    tag = "imports",
    operation_id = "startImport",
    params(ImportQuery),
    request_body(
        description = "Rows in NDJSON or CSV, up to 64 MiB (the setting `import_limit_bytes`)",
        content(
            (String = "application/x-ndjson", example = json!("{\"name\":\"张秀兰\",\"id_number\":\"11010519491231002X\",\"region_code\":\"640202001001\",\"categories\":[{\"category\":\"marginal\",\"valid_from\":\"2024-01-01\"}]}")),
            (String = "text/csv", example = json!("name,id_number,region_code,category,valid_from\n张秀兰,11010519491231002X,640202001001,marginal,2024-01-01\n")),
            (String = "application/octet-stream", example = json!("name,id_number,region_code,category,valid_from\n张秀兰,11010519491231002X,640202001001,marginal,2024-01-01\n"))
        )
    ),
    responses((status = 202, description = "The job, queued", body = JobView, headers(("Location" = String, description = "URL of the job"))))
)]
#[post("/imports")]
pub async fn start_import(
    req: HttpRequest,
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ImportKind::Beneficiaries = query.kind;
    authorize(&state.db, &ctx, Permission::ImportWrite).await?;
    authorize(&state.db, &ctx, Permission::BeneficiaryWrite).await?;
    let format = format_of(&req, query.format)?;
    let upload = Upload(std::env::temp_dir().join(format!("jiuzhu-import-{}", jiuzhu_core::id::new_id())));
    store(payload, &upload.0, state.settings.import_limit_bytes).await?;
    import::check_header(&upload.0, format)?;
    let job = imports::create_job(&state.db, &ctx, query.kind, format).await?;
    let id = job.id;
    let (db, clock) = (state.db.background(), state.clock.clone());
    crate::jobs::spawn(async move {
        // The job beats while it runs, also while a batch waits on a lock,
        // so that housekeeping on any node leaves it alone.
        let heartbeat = {
            let (db, clock) = (db.clone(), clock.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(imports::HEARTBEAT_EVERY).await;
                    if let Err(error) = imports::beat(&db, id, clock.now()).await {
                        tracing::warn!(job = %id, %error, "import heartbeat failed");
                    }
                }
            })
        };
        let outcome = import::run_job(&db, &ctx, clock.as_ref(), id, &upload.0, format).await;
        heartbeat.abort();
        if let Err(error) = outcome {
            tracing::error!(job = %id, error = %error, "import failed");
            let message = "the import stopped on an error after the rows counted here; rows already imported are complete. Upload the file again: they stay unchanged and the rest are added";
            if let Err(error) = imports::fail(&db, id, message.to_string(), clock.now()).await {
                tracing::error!(job = %id, %error, "could not mark the import failed; housekeeping will");
            }
        }
        drop(upload);
    });
    Ok(HttpResponse::Accepted().insert_header((header::LOCATION, format!("/api/v1/imports/{id}"))).json(JobView::try_from(job)?))
}

/// Get an import job
///
/// Progress and counts. Only the caller that started it sees it.
///
/// Permission: `import:write`.
#[utoipa::path(
    tag = "imports",
    operation_id = "getImport",
    params(("id" = Uuid, Path, description = "Job id")),
    responses((status = 200, description = "The job", body = JobView), (status = 404, description = "No such job of the caller's"))
)]
#[get("/imports/{id}")]
pub async fn get_import(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    authorize(&state.db, &ctx, Permission::ImportWrite).await?;
    Ok(HttpResponse::Ok().json(imports::get(&state.db, &ctx, *id).await?))
}

/// List an import's rejected rows
///
/// `{line, field, code, message}` by line.
///
/// Permission: `import:write`.
#[utoipa::path(
    tag = "imports",
    operation_id = "listImportErrors",
    params(("id" = Uuid, Path, description = "Job id"), ListQuery),
    responses((status = 200, description = "One page", body = Page<RowError>), (status = 404, description = "No such job of the caller's"))
)]
#[get("/imports/{id}/errors")]
pub async fn list_import_errors(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state.db, &ctx, Permission::ImportWrite).await?;
    Ok(HttpResponse::Ok().json(imports::errors(&state.db, &ctx, *id, list.page()?).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(start_import).service(get_import).service(list_import_errors);
}
