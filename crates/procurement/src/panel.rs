//! The panel that scores a project's bids (评标委员会、谈判小组、磋商小组):
//! formed once by the buying officer from accounts that sign sheets, to the
//! floors of the project's method (`rules::check_panel`); each member then
//! scores under their own account, and the award waits for every member.

use crate::entity::procurement_project;
use crate::projects::{ProjectView, view};
use crate::rules::{ProjectStatus, SeatKind, check_panel};
use jiuzhu_core::codes::parse_code;
use jiuzhu_core::stored_json::{from_column, to_column};
use jiuzhu_core::{Actor, Context, DomainError, Permission, RegionCode};
use jiuzhu_platform::Db;
use jiuzhu_platform::duties::{seat_accounts, seat_of};
use jiuzhu_platform::record::{Change, authorize, record};
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// One seat: the account that signs its sheets, the name they show, and
/// whether it is the purchaser's representative or an expert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PanelSeat {
    pub user_id: Uuid,
    /// The account's display name, as its sheets show it.
    pub name: String,
    pub seat: SeatKind,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatInput {
    /// An active account whose role signs sheets (`sheet:sign`), working in
    /// the project's region or above it.
    pub user_id: Uuid,
    pub seat: SeatKind,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"members": [
    {"user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9aa1", "seat": "purchaser_rep"},
    {"user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9aa2", "seat": "expert"},
    {"user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9aa3", "seat": "expert"}]}))]
pub struct FormPanel {
    #[validate(length(min = 1, max = 25))]
    #[schema(min_items = 1, max_items = 25)]
    pub members: Vec<SeatInput>,
}

/// The seats stored on a project (none before the panel is formed).
pub(crate) fn seats(project: &procurement_project::Model) -> Result<Vec<PanelSeat>, DomainError> {
    seats_in(project.panel.as_deref())
}

/// The seats in a stored `panel` column.
pub(crate) fn seats_in(panel: Option<&str>) -> Result<Vec<PanelSeat>, DomainError> {
    panel.map(|text| from_column("procurement_projects.panel", text)).transpose().map(Option::unwrap_or_default)
}

/// The seat the caller holds on the project's panel (`not_a_member` otherwise).
pub(crate) fn caller_seat(actor: &Actor, project: &procurement_project::Model) -> Result<PanelSeat, DomainError> {
    let seats = seats(project)?;
    let at = seat_of(actor, seats.iter().map(|s| Some(s.user_id)))?;
    Ok(seats[at].clone())
}

/// Forms the panel, once, while the project takes or has closed bids and
/// before any sheet: the members are checked as accounts and against the
/// method's floors. Needs `If-Match`.
pub async fn form(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, input: FormPanel) -> Result<ProjectView, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    let txn = db.begin_write().await?;
    let current = crate::projects::locked_at(&*txn, ctx, id, if_match).await?;
    let status: ProjectStatus = parse_code(&current.status)?;
    if !matches!(status, ProjectStatus::Published | ProjectStatus::BiddingClosed) {
        return Err(DomainError::invalid_transition("project", &current.status, "form its panel"));
    }
    if current.panel.is_some() {
        return Err(DomainError::conflict("panel_exists", "the panel is formed already"));
    }
    let method = parse_code(&current.method)?;
    check_panel(method, &input.members.iter().map(|m| m.seat).collect::<Vec<_>>())?;
    let region = RegionCode::parse(&current.region_code).map_err(DomainError::Internal)?;
    let named: Vec<(String, Uuid)> = input.members.iter().enumerate().map(|(i, m)| (format!("members[{i}].user_id"), m.user_id)).collect();
    let holders = seat_accounts(&*txn, &named, &region).await?;
    let panel: Vec<PanelSeat> = holders
        .into_iter()
        .zip(&input.members)
        .map(|(holder, input)| PanelSeat { user_id: holder.user_id, name: holder.display_name, seat: input.seat })
        .collect();
    let mut model: procurement_project::ActiveModel = current.clone().into();
    model.panel = Set(Some(to_column(&panel)?));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let change = Change::audited("procurement_project.panel_formed", "procurement_project", updated.id, &updated.region_code)
        .with_detail(serde_json::json!({"members": panel.len()}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(updated)
}
