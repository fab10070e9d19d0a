//! `Role`: who a caller is to jiuzhu. Who may grant which role follows from
//! the permissions each holds (`permission::can_grant`).

use std::str::FromStr;

crate::coded_enum! {
    pub enum Role as "role" {
        CityAdmin = "city_admin", "市民政", "City civil-affairs administrator";
        CountyOfficer = "county_officer", "县区民政", "County civil-affairs officer";
        TownshipOfficer = "township_officer", "乡镇街道经办", "Township officer";
        VillageWorker = "village_worker", "村居协理员", "Village worker";
        Department = "department", "成员单位系统", "Department system";
        Provider = "provider", "承接主体", "Service provider";
        Evaluator = "evaluator", "评估人员", "Evaluator";
        /// 财政审计（只读）
        Auditor = "auditor", "财政审计", "Finance or audit (read-only)";
        /// 财政部门：上年度救助资金总额（3%上限的基数）
        FinanceOfficer = "finance_officer", "财政部门", "Finance department (sets the base of the purchase cap)";
        DataExchange = "data_exchange", "数据交换作业", "Data-exchange job";
        /// 评审成员：评标委员会、评估小组的外聘专家或代表
        ReviewMember = "review_member", "评审成员", "Panel or group member (outside expert or representative)";
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::from_code(s).ok_or_else(|| format!("unknown role {s}"))
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
