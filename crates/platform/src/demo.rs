//! Demo data for `jiuzhu seed-demo` and `make run`: one demo account per
//! staff role, one for a department's system, and outside members who sit
//! on a bid panel or an evaluation group, all in the real regions of
//! 石嘴山市 that ship with jiuzhu (the accounts, not the regions, are
//! invented). Running it again changes nothing.

use crate::users::{self, NewUser};
use jiuzhu_core::{Clock, DomainError, RegionCode, Role};
use sea_orm::ConnectionTrait;

/// The password of every demo account. Demo data is for trying jiuzhu out,
/// never for production.
pub const DEMO_PASSWORD: &str = "jiuzhu-demo-2024";

/// Where the demo lives: 石嘴山市 (its real tree ships with jiuzhu).
pub const DEMO_CITY: &str = "640200";
/// The demo's township, 长胜街道 of 大武口区, and its village, 骏马社区.
pub const DEMO_TOWNSHIP: &str = "640202001";
pub const DEMO_VILLAGE: &str = "640202001001";

/// `(username, display name, role, region, department)`.
const DEMO_USERS: [(&str, &str, Role, &str, Option<&str>); 12] = [
    ("demo-county", "大武口区民政（演示）", Role::CountyOfficer, "640202", None),
    ("demo-township", "长胜街道经办（演示）", Role::TownshipOfficer, DEMO_TOWNSHIP, None),
    ("demo-village", "骏马社区协理员（演示）", Role::VillageWorker, DEMO_VILLAGE, None),
    ("demo-auditor", "市财政审计（演示）", Role::Auditor, DEMO_CITY, None),
    ("demo-evaluator", "评估人员（演示）", Role::Evaluator, DEMO_CITY, None),
    ("demo-finance", "大武口区财政局（演示）", Role::FinanceOfficer, "640202", None),
    ("demo-department", "市医疗保障局系统（演示）", Role::Department, DEMO_CITY, Some("medical_insurance")),
    // Outside members who sign their own sheets: a bid panel's experts and
    // an evaluation group's accountant and beneficiaries' representative.
    ("demo-expert-1", "评审专家甲（演示）", Role::ReviewMember, "640202", None),
    ("demo-expert-2", "评审专家乙（演示）", Role::ReviewMember, "640202", None),
    ("demo-expert-3", "评审专家丙（演示）", Role::ReviewMember, "640202", None),
    ("demo-accountant", "评估小组会计（演示）", Role::ReviewMember, "640202", None),
    ("demo-resident-rep", "服务对象代表（演示）", Role::ReviewMember, "640202", None),
];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub users_added: usize,
    pub usernames: Vec<&'static str>,
}

/// Seeds the demo accounts; the deployment's `root` must hold 石嘴山市.
pub async fn seed(conn: &impl ConnectionTrait, clock: &dyn Clock, root: &RegionCode) -> Result<DemoReport, DomainError> {
    let city = RegionCode::parse(DEMO_CITY).map_err(DomainError::Internal)?;
    if !city.is_within(root) {
        return Err(DomainError::Rule {
            code: "demo_outside_root",
            message: format!("the demo data lives in 石嘴山市 ({DEMO_CITY}), outside this deployment's root {root}"),
        });
    }
    let mut report = DemoReport::default();
    for (username, display_name, role, region, department) in DEMO_USERS {
        report.usernames.push(username);
        if users::find_by_username(conn, username).await?.is_some() {
            continue;
        }
        let region_code = RegionCode::parse(region).map_err(DomainError::Internal)?;
        users::insert(
            conn,
            clock,
            NewUser { username, display_name, role, region_code: &region_code, department, password: DEMO_PASSWORD },
        )
        .await?;
        report.users_added += 1;
    }
    Ok(report)
}
