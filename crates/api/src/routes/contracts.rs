//! `/contracts`: contracts from awards and their books: the provider's
//! ledger, the purchaser's supervision record with its inspections, and
//! payments (procurement's contracts).

use crate::extract::{Ctx, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_procurement::contracts::{self, Book, ContractView, CreateContract, EntryInput, EntryView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Sign a contract from an award
///
/// The contract goes to the chosen bid's provider, which it binds: orders
/// under it go only to that provider (不得转包). The price may not exceed
/// the budget or the awarded bid (`contract_price_too_high`). Every term is
/// required and written out: a term of white space is `blank`. The contract
/// buys only its project's services, each once and at least one unit
/// (`services[i].service_code`: `service_outside_project`, `service_duplicate`).
/// `instalments` state the settlement term: shares of the price that add up
/// to 10000 bp, an advance released on signing, progress on signing or a
/// passed mid-term evaluation, and one final balance on acceptance; without
/// them the whole price is paid after acceptance.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "createContract",
    request_body(content = CreateContract, content_type = "application/json"),
    responses(
        (status = 201, description = "Signed", body = ContractView, headers(("Location" = String, description = "URL of the contract"))),
        (status = 409, description = "The project is not awarded (`invalid_transition`)"),
        (status = 422, description = "A term is blank, a service is outside the project, or the price is too high (`blank`, `service_outside_project`, `contract_price_too_high`)"),
    )
)]
#[post("/contracts")]
pub async fn create_contract(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateContract>) -> Result<HttpResponse, ApiError> {
    let contract = contracts::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/contracts/{}", contract.id), contract.version, &contract))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractQuery {
    pub project_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub status: Option<jiuzhu_procurement::rules::ContractStatus>,
}

/// List contracts
///
/// Officers see the contracts of their region; a provider sees its own (the
/// way it finds the contract its orders go under). Oldest first, a page at
/// a time; narrow by project, provider or status.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listContracts",
    params(ContractQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<ContractView>))
)]
#[get("/contracts")]
pub async fn list_contracts(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ContractQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = contracts::ContractFilter { project_id: query.project_id, provider_id: query.provider_id, status: query.status };
    Ok(HttpResponse::Ok().json(contracts::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get a contract
///
/// Officers see contracts in their region; a provider sees its own.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getContract",
    params(("id" = Uuid, Path, description = "Contract id")),
    responses(
        (status = 200, description = "The contract, with what has been paid", body = ContractView, headers(("ETag" = String, description = "The contract's version"))),
        (status = 404, description = "Not visible to the caller"),
    )
)]
#[get("/contracts/{id}")]
pub async fn get_contract(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let contract = contracts::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, contract.version, &contract))
}

async fn append(state: &AppState, ctx: &jiuzhu_core::Context, id: Uuid, book: Book, input: EntryInput) -> Result<HttpResponse, ApiError> {
    // A passed mid-term evaluation may release a progress payment; evaluation knows.
    let project = match book {
        Book::Payment => contracts::project_of(state.db.conn(), ctx, id).await?,
        Book::Ledger | Book::Supervision => None,
    };
    let mid_term_passed = match project {
        Some(project) => jiuzhu_evaluation::evaluations::mid_term_passed(state.db.conn(), project).await?,
        None => false,
    };
    Ok(HttpResponse::Created().json(contracts::append(&state.db, ctx, id, book, input, mid_term_passed).await?))
}

/// Add to the project ledger
///
/// The provider's append-only ledger (项目台帐): services delivered, staff
/// hours and spending. An entry's `service_code` is one of the contract's
/// services (`service_outside_contract`); a `service_delivered` entry must
/// name one.
///
/// Permission: `bid:submit` (the provider) or `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "addLedgerEntry",
    params(("id" = Uuid, Path, description = "Contract id")),
    request_body(content = EntryInput, content_type = "application/json"),
    responses((status = 201, description = "Added", body = EntryView), (status = 404, description = "Not visible to the caller"), (status = 409, description = "The contract is not active"))
)]
#[post("/contracts/{id}/ledger")]
pub async fn add_ledger(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<EntryInput>,
) -> Result<HttpResponse, ApiError> {
    append(&state, &ctx, *id, Book::Ledger, body.0).await
}

/// Record supervision
///
/// Regular meetings, site visits, random checks and inspections, by the purchaser.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "addSupervision",
    params(("id" = Uuid, Path, description = "Contract id")),
    request_body(content = EntryInput, content_type = "application/json"),
    responses((status = 201, description = "Recorded", body = EntryView), (status = 404, description = "Not visible to the caller"), (status = 409, description = "The contract is not active"))
)]
#[post("/contracts/{id}/supervisions")]
pub async fn add_supervision(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<EntryInput>,
) -> Result<HttpResponse, ApiError> {
    append(&state, &ctx, *id, Book::Supervision, body.0).await
}

/// Record a payment
///
/// `advance`, `progress` or `final`; the total never exceeds the contract
/// price (`payment_exceeds_contract`), and the final payment needs a passed
/// acceptance (`acceptance_required`). Payments follow the contract's
/// settlement term (`instalments`): the payments of a kind never run ahead
/// of what its instalments' releases (signing, a passed mid-term
/// evaluation, acceptance) have released (`payment_not_released`, with
/// `released_fen`, `paid_fen` and `amount_fen`); the balance is paid after
/// acceptance (验收合格后结清).
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "addPayment",
    params(("id" = Uuid, Path, description = "Contract id")),
    request_body(content = EntryInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = EntryView),
        (status = 404, description = "Not visible to the caller"),
        (status = 422, description = "The payment runs ahead of the settlement term or over the price (`payment_not_released`, `acceptance_required`, `payment_exceeds_contract`)"),
    )
)]
#[post("/contracts/{id}/payments")]
pub async fn add_payment(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<EntryInput>,
) -> Result<HttpResponse, ApiError> {
    append(&state, &ctx, *id, Book::Payment, body.0).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookQuery {
    pub book: Book,
}

/// Read a contract's book
///
/// The ledger, the supervision records (with the contract's inspections)
/// or the payments, oldest first, a page at a time.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listContractEntries",
    params(("id" = Uuid, Path, description = "Contract id"), BookQuery, ListQuery),
    responses((status = 200, description = "One page of entries", body = Page<EntryView>), (status = 404, description = "Not visible to the caller"))
)]
#[get("/contracts/{id}/entries")]
pub async fn list_entries(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    query: web::Query<BookQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(jiuzhu_workflows::supervision::entries(&state.db, &ctx, *id, query.book, list.page()?).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_contract)
        .service(list_contracts)
        .service(get_contract)
        .service(add_ledger)
        .service(add_supervision)
        .service(add_payment)
        .service(list_entries);
}
