//! Demo data for `jiuzhu seed-demo` and `make run`: invented townships and
//! villages under the real counties (marked `is_demo`), one demo account
//! per staff role, one for a department's system, and outside members who
//! sit on a bid panel or an evaluation group. Running it again changes nothing.

use crate::regions;
use crate::users::{self, NewUser};
use jiuzhu_core::{Clock, DomainError, RegionCode, Role};
use sea_orm::ConnectionTrait;

/// The password of every demo account. Demo data is for trying jiuzhu out,
/// never for production.
pub const DEMO_PASSWORD: &str = "jiuzhu-demo-2024";

/// Invented townships and villages, each marked as demo.
const DEMO_REGIONS: [(&str, &str); 6] = [
    ("640202001", "示范街道（演示）"),
    ("640202001001", "示范社区（演示）"),
    ("640202002", "朝阳街道（演示）"),
    ("640205100", "红果子镇（演示）"),
    ("640205100201", "红果子村（演示）"),
    ("640221100", "城关镇（演示）"),
];

/// `(username, display name, role, region, department)`.
const DEMO_USERS: [(&str, &str, Role, &str, Option<&str>); 12] = [
    ("demo-county", "大武口区民政（演示）", Role::CountyOfficer, "640202", None),
    ("demo-township", "示范街道经办（演示）", Role::TownshipOfficer, "640202001", None),
    ("demo-village", "示范社区协理员（演示）", Role::VillageWorker, "640202001001", None),
    ("demo-auditor", "市财政审计（演示）", Role::Auditor, "640200", None),
    ("demo-evaluator", "评估人员（演示）", Role::Evaluator, "640200", None),
    ("demo-finance", "大武口区财政局（演示）", Role::FinanceOfficer, "640202", None),
    ("demo-department", "市医疗保障局系统（演示）", Role::Department, "640200", Some("medical_insurance")),
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
    pub regions_added: usize,
    pub users_added: usize,
    pub usernames: Vec<&'static str>,
}

pub async fn seed(conn: &impl ConnectionTrait, clock: &dyn Clock) -> Result<DemoReport, DomainError> {
    let mut report = DemoReport::default();
    for (code, name) in DEMO_REGIONS {
        let code = RegionCode::parse(code).map_err(DomainError::Internal)?;
        if regions::find(conn, &code).await?.is_none() {
            regions::ensure(conn, clock, &code, name, true).await?;
            report.regions_added += 1;
        }
    }
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
