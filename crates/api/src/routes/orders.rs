//! `/service-orders`: sending a provider or volunteer to a person, and the
//! order's life: acceptance, deliveries and feedback (matching's orders).

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::openapi::InvalidTransition;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_intake::referrals::ReasonInput;
use jiuzhu_matching::orders::{self, CreateOrder, DeliveryView, FeedbackView, GiveFeedback, OrderView, RecordDelivery};
use jiuzhu_matching::rules::{OrderAction, OrderStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Send a service order
///
/// To a provider (under its contract, for a government-purchased service)
/// or a volunteer. Refused with 422 when the service repeats the person's
/// material assistance (`duplicate_of_material_assistance`), the provider
/// is not the contract's (`subcontracting_prohibited`), the contract is not
/// active (a settled contract is `completed`) or does not cover the service
/// and region, or the provider is barred. Orders under a contract stay
/// within the quantity it bought of their service; declined and cancelled
/// orders give theirs back (`contract_quantity_exceeded`, with
/// `contracted`, `ordered`, `requested` and `remaining`). A provider's
/// orders of one month stay within the monthly capacity it declared for the
/// service (`provider_capacity_exceeded`, with `monthly_capacity`,
/// `ordered`, `requested` and `remaining`; `provider_capacity_undeclared`
/// when it declares none).
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "createServiceOrder",
    request_body(content = CreateOrder, content_type = "application/json"),
    responses(
        (status = 201, description = "Assigned", body = OrderView,
            headers(("Location" = String, description = "URL of the order"), ("ETag" = String, description = "Its version"))),
        (status = 422, description = "A contract or assistance rule refuses the order (`contract_quantity_exceeded`, `provider_capacity_exceeded`, `provider_capacity_undeclared`, `subcontracting_prohibited`, `contract_scope`, `contract_not_active`, `duplicate_of_material_assistance`, `provider_barred`)"),
    )
)]
#[post("/service-orders")]
pub async fn create_order(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateOrder>) -> Result<HttpResponse, ApiError> {
    let order = jiuzhu_workflows::ordering::create_order(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/service-orders/{}", order.id), order.version, &order))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    /// One person's orders.
    pub beneficiary_id: Option<Uuid>,
    /// The orders under one contract.
    pub contract_id: Option<Uuid>,
}

/// List service orders
///
/// Staff see orders in their region; a provider sees the orders sent to it.
///
/// Permission: `order:read`.
#[utoipa::path(
    tag = "orders",
    operation_id = "listServiceOrders",
    params(OrderQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<OrderView>))
)]
#[get("/service-orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<OrderQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = orders::OrderFilter { status: query.status, beneficiary_id: query.beneficiary_id, contract_id: query.contract_id };
    Ok(HttpResponse::Ok().json(orders::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get a service order
///
/// Permission: `order:read`.
#[utoipa::path(
    tag = "orders",
    operation_id = "getServiceOrder",
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, description = "The order", body = OrderView, headers(("ETag" = String, description = "The order's version"))), (status = 404, description = "Not visible to the caller"))
)]
#[get("/service-orders/{id}")]
pub async fn get_order(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let order = orders::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, order.version, &order))
}

async fn act(
    state: &AppState,
    ctx: &jiuzhu_core::Context,
    id: Uuid,
    if_match: IfMatch,
    action: OrderAction,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let order = orders::act(&state.db, ctx, id, if_match.0, action, reason, i64::from(state.settings.follow_up_days)).await?;
    Ok(with_etag(StatusCode::OK, order.version, &order))
}

macro_rules! order_action {
    ($name:ident, $path:literal, $op:literal, $summary:literal, $action:expr) => {
        #[doc = $summary]
        #[doc = ""]
        #[doc = "Moves the order on; each step emits an event. Needs `If-Match`."]
        #[doc = ""]
        #[doc = "Permission: `order:write`."]
        #[utoipa::path(
                                                    tag = "orders",
                                                    operation_id = $op,
                                                    params(("id" = Uuid, Path, description = "Order id"), IfMatch),
                                                    responses((status = 200, description = "Done", body = OrderView), InvalidTransition)
                                                )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            Ctx(ctx): Ctx,
            id: web::Path<Uuid>,
            if_match: IfMatch,
        ) -> Result<HttpResponse, ApiError> {
            act(&state, &ctx, *id, if_match, $action, None).await
        }
    };
}

order_action!(accept_order, "/service-orders/{id}/accept", "acceptServiceOrder", "Accept a service order", OrderAction::Accept);
order_action!(start_order, "/service-orders/{id}/start", "startServiceOrder", "Start a service order", OrderAction::Start);
order_action!(
    complete_order,
    "/service-orders/{id}/complete",
    "completeServiceOrder",
    "Complete a service order (schedules the follow-up visit)",
    OrderAction::Complete
);

/// Decline a service order
///
/// `assigned → declined`, with the reason. Needs `If-Match`.
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "declineServiceOrder",
    params(("id" = Uuid, Path, description = "Order id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses((status = 200, description = "Declined", body = OrderView), InvalidTransition)
)]
#[post("/service-orders/{id}/decline")]
pub async fn decline_order(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, OrderAction::Decline, Some(body.0.reason)).await
}

/// Cancel a service order
///
/// Any open order → `cancelled`, with the reason. Needs `If-Match`.
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "cancelServiceOrder",
    params(("id" = Uuid, Path, description = "Order id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses((status = 200, description = "Cancelled", body = OrderView), InvalidTransition)
)]
#[post("/service-orders/{id}/cancel")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, OrderAction::Cancel, Some(body.0.reason)).await
}

/// Record a delivery
///
/// Only on an accepted or running order (`order_not_accepted`), with
/// `ended_at` not before `started_at` and not in the future (`in_future`:
/// a delivery is recorded once it has happened), and within the order: the
/// deliveries of an order add up to at most its quantity
/// (`delivery_exceeds_order`, with `ordered`, `delivered` and `remaining`).
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "recordDelivery",
    params(("id" = Uuid, Path, description = "Order id")),
    request_body(content = RecordDelivery, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = DeliveryView),
        (status = 404, description = "Not visible to the caller"),
        (status = 422, description = "The order takes no delivery now, or this one is in the future or beyond the order (`order_not_accepted`, `in_future`, `delivery_exceeds_order`)"),
    )
)]
#[post("/service-orders/{id}/deliveries")]
pub async fn record_delivery(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<RecordDelivery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(orders::record_delivery(&state.db, &ctx, *id, body.0).await?))
}

/// Collect satisfaction feedback
///
/// Satisfaction 1–5 with the channel and the collector; collected by staff
/// once the service has been delivered.
///
/// Permission: `order:write` (not providers).
#[utoipa::path(
    tag = "orders",
    operation_id = "giveFeedback",
    params(("id" = Uuid, Path, description = "Order id")),
    request_body(content = GiveFeedback, content_type = "application/json"),
    responses((status = 201, description = "Collected", body = FeedbackView), (status = 404, description = "Not visible to the caller"))
)]
#[post("/service-orders/{id}/feedback")]
pub async fn give_feedback(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<GiveFeedback>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(orders::give_feedback(&state.db, &ctx, *id, body.0).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(accept_order)
        .service(start_order)
        .service(complete_order)
        .service(decline_order)
        .service(cancel_order)
        .service(record_delivery)
        .service(give_feedback);
}
