//! `/fund-accounts` and `/procurement-projects`: funds under the 3% cap and
//! the projects that spend them.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use jiuzhu_core::Page;
use jiuzhu_procurement::contracts::{self, Book, ContractView, CreateContract, EntryInput, EntryView, SanctionInput, SanctionView};
use jiuzhu_procurement::funds::{self, CreateFundAccount, FundAccountView, PatchFundAccount};
use jiuzhu_procurement::projects::{self, CreateProject, DraftProposal, ProjectView, PublicProject};
use jiuzhu_procurement::rules::{ProjectAction, ProjectStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    pub year: Option<i32>,
}

/// Open a fund account
///
/// One per funding region (the city or a county) per year. The purchase cap
/// is 3% (300 bp) of last year's assistance subsidy total; only a
/// `city_admin` may set a lower `cap_bp`, and never above 300. The base is
/// a finance figure: the finance side (`finance_officer`) opens the account,
/// not the officer who buys with it.
///
/// Permission: `fund_base:write`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "createFundAccount",
    request_body(content = CreateFundAccount, content_type = "application/json"),
    responses(
        (status = 201, description = "Opened", body = FundAccountView,
            headers(("Location" = String, description = "URL of the account"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The region already has an account for that year"),
    )
)]
#[post("/fund-accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateFundAccount>,
) -> Result<HttpResponse, ApiError> {
    let account = funds::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/fund-accounts/{}", account.id), account.version, &account))
}

/// List fund accounts
///
/// With each account's cap, committed money and what remains.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listFundAccounts",
    params(AccountQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<FundAccountView>))
)]
#[get("/fund-accounts")]
pub async fn list_accounts(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<AccountQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(funds::list(&state.db, &ctx, query.year, list.page()?).await?))
}

/// Get a fund account
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getFundAccount",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 200, description = "The account", body = FundAccountView, headers(("ETag" = String, description = "The account's version"))), (status = 404, description = "No such account in the caller's region"))
)]
#[get("/fund-accounts/{id}")]
pub async fn get_account(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let account = funds::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, account.version, &account))
}

/// Update a fund account
///
/// A merge patch with `If-Match`. A cap below what is already committed
/// answers 422 `cap_below_committed`. Last year's assistance total (the
/// cap's base) is changed only by the finance side, with a `reason`
/// (`reason`: `required`); the change, from and to, and its reason go to
/// the audit log and the `fund_account.updated` event.
///
/// Permission: `fund_base:write` for `prior_year_assistance_total_fen`;
/// `procurement:manage` for `sources` and `cap_bp` (`cap_bp`: city_admin only).
#[utoipa::path(
    tag = "procurement",
    operation_id = "patchFundAccount",
    params(("id" = Uuid, Path, description = "Account id"), ("If-Match" = String, Header, description = "The version you read")),
    request_body(content = PatchFundAccount, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = FundAccountView))
)]
#[patch("/fund-accounts/{id}")]
pub async fn patch_account(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<PatchFundAccount>,
) -> Result<HttpResponse, ApiError> {
    let account = funds::patch(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, account.version, &account))
}

/// Create a procurement project
///
/// A draft, funded from its region's account for the year. Funding must add
/// up to the budget; fiscal-assistance money beyond what remains under the
/// cap answers 422 `purchase_cap_exceeded` with the figures in `details`.
/// The price weight must be 1000–3000 bp (`price_weight_out_of_range`);
/// `single_source` needs a justification.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "createProcurementProject",
    request_body(content = CreateProject, content_type = "application/json"),
    responses((status = 201, description = "Created as a draft", body = ProjectView,
        headers(("Location" = String, description = "URL of the project"), ("ETag" = String, description = "Its version"))))
)]
#[post("/procurement-projects")]
pub async fn create_project(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateProject>) -> Result<HttpResponse, ApiError> {
    let project = projects::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/procurement-projects/{}", project.id), project.version, &project))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    pub region_code: String,
    /// Comma-separated service codes.
    pub service_codes: String,
}

/// Propose a project from the open needs
///
/// Counts the open needs for the services in the region and proposes the
/// beneficiary count, the service volume and the needs basis to start a
/// project from. Nothing is saved.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "draftProjectFromNeeds",
    params(DraftQuery),
    responses((status = 200, description = "The proposal", body = DraftProposal), (status = 404, description = "The region is outside the caller's"))
)]
#[post("/procurement-projects/draft-from-needs")]
pub async fn draft_from_needs(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<DraftQuery>) -> Result<HttpResponse, ApiError> {
    let codes = query.service_codes.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    Ok(HttpResponse::Ok().json(projects::draft_from_needs(&state.db, &ctx, &query.region_code, codes).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    pub status: Option<ProjectStatus>,
}

/// List procurement projects
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listProcurementProjects",
    params(ProjectQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<ProjectView>))
)]
#[get("/procurement-projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ProjectQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(projects::list(&state.db, &ctx, query.status, list.page()?).await?))
}

/// Get a procurement project
///
/// A provider does not see the panel's seats.
///
/// Permission: `procurement:read`, or a seat on the project's panel.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getProcurementProject",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView, headers(("ETag" = String, description = "The project's version"))), (status = 404, description = "No such project in the caller's region"))
)]
#[get("/procurement-projects/{id}")]
pub async fn get_project(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let project = projects::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

async fn project_action(
    state: &AppState,
    ctx: &jiuzhu_core::Context,
    id: Uuid,
    if_match: IfMatch,
    action: ProjectAction,
) -> Result<HttpResponse, ApiError> {
    let project = projects::act(&state.db, ctx, id, if_match.0, action).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

/// Publish a project
///
/// `draft → published`: the content, standards, budget, evaluation method
/// and requirements are frozen and the project appears on the public list.
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "publishProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "Published", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"))
)]
#[post("/procurement-projects/{id}/publish")]
pub async fn publish_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Publish).await
}

/// Close bidding
///
/// `published → bidding_closed`. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "closeBidding",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "Bidding closed", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"))
)]
#[post("/procurement-projects/{id}/close-bidding")]
pub async fn close_bidding(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::CloseBidding).await
}

/// Declare a project failed
///
/// `bidding_closed → failed` when no valid bid came; its money is released.
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "failProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "Failed", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"))
)]
#[post("/procurement-projects/{id}/fail")]
pub async fn fail_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Fail).await
}

/// Terminate a project
///
/// Any live project → `terminated`; its money is released. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "terminateProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "Terminated", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"))
)]
#[post("/procurement-projects/{id}/terminate")]
pub async fn terminate_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Terminate).await
}

/// Accept a project (项目验收)
///
/// At the end of the term (实施期满后验收), against the contract, with the
/// records handed over. Before the contract's `term_end` it needs an
/// `early_completion_reason` (`term_not_ended`, with `term_end` and
/// `today`). Needs the project's approved final evaluation
/// (`final_evaluation_required`). Passing allows the final payment. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "acceptProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    request_body(content = jiuzhu_procurement::projects::AcceptanceInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded", body = ProjectView),
        (status = 409, description = "Not allowed in the current status (`invalid_transition`)"),
        (status = 422, description = "The term has not ended and no early completion is given, or the final evaluation is missing (`term_not_ended`, `final_evaluation_required`)"),
    )
)]
#[post("/procurement-projects/{id}/acceptance")]
pub async fn accept_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<jiuzhu_procurement::projects::AcceptanceInput>,
) -> Result<HttpResponse, ApiError> {
    let project = jiuzhu_workflows::acceptance::accept_project(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

/// The OCDS release package
///
/// An OCDS 1.1 release package of the project: planning, tender, award,
/// contract and implementation (payments), with `awardCriteria:
/// ratedCriteria` and the weights, and the statutory method name in
/// `procurementMethodDetails`.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getProjectOcds",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The release package", body = serde_json::Value), (status = 404, description = "No such project in the caller's region"))
)]
#[get("/procurement-projects/{id}/ocds")]
pub async fn project_ocds(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(jiuzhu_procurement::ocds::release_package(&state.db, &ctx, *id, &state.settings.ocid_prefix).await?))
}

/// Published procurement projects
///
/// The public list of published projects: content, budget, method,
/// evaluation criteria and requirements. No authentication.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "procurement",
    operation_id = "listPublicProcurementProjects",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<PublicProject>))
)]
#[get("/public/procurement-projects")]
pub async fn public_projects(state: web::Data<AppState>, list: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(projects::public_list(&state.db, list.page()?).await?))
}

/// Bid on a project
///
/// By the provider itself, or recorded by an officer with `provider_id`.
/// Refused with 422 when the provider is ineligible
/// (`provider_type_ineligible`), barred (`provider_barred`, with
/// `barred_until`), above the budget (`bid_above_budget`), not invited to
/// an invited tender (`provider_not_invited`), or the project is not
/// accepting bids (`not_accepting_bids`). To a provider, a project that is
/// not yet published does not exist (404), as it is not public.
///
/// Permission: `bid:submit`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "submitBid",
    params(("id" = Uuid, Path, description = "Project id")),
    request_body(content = jiuzhu_procurement::bids::SubmitBid, content_type = "application/json"),
    responses(
        (status = 201, description = "Submitted", body = jiuzhu_procurement::bids::BidView),
        (status = 404, description = "No such project for the caller"),
        (status = 409, description = "The provider has bid already (`bid_exists`)"),
    )
)]
#[post("/procurement-projects/{id}/bids")]
pub async fn submit_bid(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<jiuzhu_procurement::bids::SubmitBid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(jiuzhu_procurement::bids::submit(&state.db, &ctx, *id, body.0).await?))
}

/// A project's bids
///
/// Officers and the project's panel members see every bid; a provider sees
/// only its own.
///
/// Permission: `procurement:read`, or a seat on the project's panel.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listBids",
    params(("id" = Uuid, Path, description = "Project id"), ListQuery),
    responses((status = 200, description = "One page of bids, oldest first", body = Page<jiuzhu_procurement::bids::BidView>), (status = 404, description = "No such project for the caller"))
)]
#[get("/procurement-projects/{id}/bids")]
pub async fn list_bids(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(jiuzhu_procurement::bids::list(&state.db, &ctx, *id, list.page()?).await?))
}

/// Form the bid panel
///
/// Seats the panel that scores the bids (评标委员会、谈判小组、磋商小组),
/// once, while the project is `published` or `bidding_closed`. Each member
/// is an active account whose role signs sheets (`sheet:sign`: an outside
/// expert or representative gets a `review_member` account, which reads
/// only the projects it sits on), working in the project's region or above
/// (`members[i]`: `account_unknown`, `cannot_sign`, `outside_region`,
/// `seat_duplicate`). The method sets the floors (422 with the figures and
/// the provision): open and invited tendering, five or more, an odd number,
/// experts at least two thirds (财政部令第87号 第四十七条); competitive
/// negotiation and consultation, three or more, odd, experts two thirds
/// (政府采购法 第三十八条; 财库〔2014〕214号 第十四条); single source, one
/// or more (`panel_too_small`, `panel_size_even`, `panel_lacks_experts`).
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "formBidPanel",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    request_body(content = jiuzhu_procurement::panel::FormPanel, content_type = "application/json"),
    responses(
        (status = 200, description = "Formed; `panel` holds the seats", body = ProjectView),
        (status = 404, description = "No such project for the caller"),
        (status = 409, description = "Formed already (`panel_exists`) or not allowed in the current status (`invalid_transition`)"),
    )
)]
#[post("/procurement-projects/{id}/panel")]
pub async fn form_panel(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<jiuzhu_procurement::panel::FormPanel>,
) -> Result<HttpResponse, ApiError> {
    let project = jiuzhu_procurement::panel::form(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

/// Score a bid
///
/// The caller's own sheet, as a member of the project's panel, for
/// capability, quality and other (0–100 each), after bidding closes: one
/// per member per bid, signed by the member's account (`not_a_member`
/// when the caller holds no seat). The price score is computed at the
/// award, never entered.
///
/// Permission: `sheet:sign`, and a seat on the project's panel.
#[utoipa::path(
    tag = "procurement",
    operation_id = "scoreBid",
    params(("id" = Uuid, Path, description = "Project id"), ("bid_id" = Uuid, Path, description = "Bid id")),
    request_body(content = jiuzhu_procurement::bids::ScoreSheet, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored", body = jiuzhu_procurement::bids::ScoreSheetView),
        (status = 404, description = "No such bid"),
        (status = 409, description = "The member has scored this bid, or bidding is not closed"),
    )
)]
#[post("/procurement-projects/{id}/bids/{bid_id}/scores")]
pub async fn score_bid(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    path: web::Path<(Uuid, Uuid)>,
    body: ValidJson<jiuzhu_procurement::bids::ScoreSheet>,
) -> Result<HttpResponse, ApiError> {
    let (project, bid) = path.into_inner();
    Ok(HttpResponse::Created().json(jiuzhu_procurement::bids::score(&state.db, &ctx, project, bid, body.0).await?))
}

/// Award a project
///
/// Ranks the scored bids by the weighted total (price scored as lowest
/// valid price / price × 100, weighted 10–30%) and awards the highest; a
/// different choice needs a written `reason`. The ranking is recorded.
/// Refused with 422 until the panel is formed (`panel_not_formed`) and
/// every member has scored every bid (`bids_unscored`, naming who is
/// missing), and when open or invited tendering has fewer than three bids
/// (`too_few_bids`, 政府采购法 第三十六条: declare the project failed and
/// buy again). Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "awardProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    request_body(content = jiuzhu_procurement::bids::AwardInput, content_type = "application/json"),
    responses((status = 200, description = "Awarded; `award` holds the ranking", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"))
)]
#[post("/procurement-projects/{id}/award")]
pub async fn award_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<jiuzhu_procurement::bids::AwardInput>,
) -> Result<HttpResponse, ApiError> {
    let project = jiuzhu_procurement::bids::award(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

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

/// Sanction a provider
///
/// Once fraud or unfair competition is proven, in one transaction: the
/// provider's contracts of that year and its open orders inside the
/// caller's region are terminated and cancelled. Every effect stays inside
/// the caller's region: a county's finding ends only the county's contracts
/// and orders (`barred_until` is `null`); the bar from purchased
/// social-assistance projects for three years from `decided_on` is a
/// city-wide consequence, taken only by a city-level decision.
///
/// Permission: `procurement:manage` (city_admin or county_officer).
#[utoipa::path(
    tag = "procurement",
    operation_id = "sanctionProvider",
    params(("id" = Uuid, Path, description = "Provider id")),
    request_body(content = SanctionInput, content_type = "application/json"),
    responses((status = 201, description = "Sanctioned", body = SanctionView), (status = 404, description = "No such provider for the caller"))
)]
#[post("/providers/{id}/sanctions")]
pub async fn sanction_provider(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<SanctionInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(jiuzhu_workflows::sanctions::sanction_provider(&state.db, &ctx, *id, body.0).await?))
}

/// Start the service
///
/// `contracted → in_service` when the provider begins. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "startProjectService",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "In service", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"))
)]
#[post("/procurement-projects/{id}/start-service")]
pub async fn start_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::StartService).await
}

/// Settle a project
///
/// `accepted → settled` once the contract is paid in full
/// (`settlement_incomplete`). Settlement closes the contract (`completed`):
/// no order, ledger entry or supervision record goes under it afterwards.
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "settleProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "Settled", body = ProjectView), (status = 409, description = "Not allowed in the current status (`invalid_transition`)"), (status = 422, description = "The contract is not paid in full (`settlement_incomplete`, with `price_fen` and `paid_fen`)"))
)]
#[post("/procurement-projects/{id}/settle")]
pub async fn settle_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Settle).await
}
