//! `/procurement-projects/{id}/bids`, `/panel` and `/award`: bids, the
//! evaluation panel, scores and the award (procurement's bids and panel).

use crate::extract::{Ctx, IfMatch, ListQuery, with_etag};
use crate::json::ValidJson;
use crate::openapi::InvalidTransition;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_procurement::projects::ProjectView;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

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
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
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
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    request_body(content = jiuzhu_procurement::bids::AwardInput, content_type = "application/json"),
    responses((status = 200, description = "Awarded; `award` holds the ranking", body = ProjectView), InvalidTransition)
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

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_bid).service(list_bids).service(form_panel).service(score_bid).service(award_project);
}
