//! `Role`: who a caller is to jiuzhu. Who may grant which role follows from
//! the permissions each holds (`permission::can_grant`).

use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 市民政
    CityAdmin,
    /// 县区民政
    CountyOfficer,
    /// 乡镇街道经办
    TownshipOfficer,
    /// 村居协理员
    VillageWorker,
    /// 成员单位系统
    Department,
    /// 承接主体
    Provider,
    /// 评估人员
    Evaluator,
    /// 财政审计（只读）
    Auditor,
    /// 财政部门：上年度救助资金总额（3%上限的基数）
    FinanceOfficer,
    /// 数据交换作业
    DataExchange,
    /// 评审成员：评标委员会、评估小组的外聘专家或代表
    ReviewMember,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::CityAdmin,
        Role::CountyOfficer,
        Role::TownshipOfficer,
        Role::VillageWorker,
        Role::Department,
        Role::Provider,
        Role::Evaluator,
        Role::Auditor,
        Role::FinanceOfficer,
        Role::DataExchange,
        Role::ReviewMember,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::CountyOfficer => "county_officer",
            Role::TownshipOfficer => "township_officer",
            Role::VillageWorker => "village_worker",
            Role::Department => "department",
            Role::Provider => "provider",
            Role::Evaluator => "evaluator",
            Role::Auditor => "auditor",
            Role::FinanceOfficer => "finance_officer",
            Role::DataExchange => "data_exchange",
            Role::ReviewMember => "review_member",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::CityAdmin => "市民政",
            Role::CountyOfficer => "县区民政",
            Role::TownshipOfficer => "乡镇街道经办",
            Role::VillageWorker => "村居协理员",
            Role::Department => "成员单位系统",
            Role::Provider => "承接主体",
            Role::Evaluator => "评估人员",
            Role::Auditor => "财政审计",
            Role::FinanceOfficer => "财政部门",
            Role::DataExchange => "数据交换作业",
            Role::ReviewMember => "评审成员",
        }
    }
}

impl Role {
    pub fn label_en(self) -> &'static str {
        match self {
            Role::CityAdmin => "City civil-affairs administrator",
            Role::CountyOfficer => "County civil-affairs officer",
            Role::TownshipOfficer => "Township officer",
            Role::VillageWorker => "Village worker",
            Role::Department => "Department system",
            Role::Provider => "Service provider",
            Role::Evaluator => "Evaluator",
            Role::Auditor => "Finance or audit (read-only)",
            Role::FinanceOfficer => "Finance department (sets the base of the purchase cap)",
            Role::DataExchange => "Data-exchange job",
            Role::ReviewMember => "Panel or group member (outside expert or representative)",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.code() == s).ok_or_else(|| format!("unknown role {s}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{}\"", role.code()));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
