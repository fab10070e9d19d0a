//! Reference data every installation needs: the pilot city and its counties,
//! and the member departments of the plan (§四(二)).

use crate::m20261129_000001_foundation::{Departments, Regions};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(code, name, level, parent)`: 石嘴山市 and its three counties.
const REGIONS: [(&str, &str, &str, Option<&str>); 4] = [
    ("640200", "石嘴山市", "city", None),
    ("640202", "大武口区", "county", Some("640200")),
    ("640205", "惠农区", "county", Some("640200")),
    ("640221", "平罗县", "county", Some("640200")),
];

/// `(code, 中文名, English name, duties)`, as the plan assigns them.
const DEPARTMENTS: [(&str, &str, &str, &str); 15] = [
    ("publicity", "市委宣传部", "Publicity Department", "宣传引导，营造服务类社会救助良好氛围"),
    ("education", "教育局", "Education Bureau", "教育救助，学费减免"),
    ("civil_affairs", "民政局", "Civil Affairs Bureau", "牵头协调，统筹服务类社会救助"),
    ("justice", "司法局", "Justice Bureau", "法律援助，社区矫正对象帮扶"),
    ("finance", "财政局", "Finance Bureau", "资金保障与监管"),
    ("hrss", "人社局", "Human Resources and Social Security Bureau", "就业服务，社会保险"),
    ("housing", "住建局", "Housing and Urban-Rural Development Bureau", "住房保障"),
    ("health", "卫健委", "Health Commission", "重特大疾病和慢性病照护，家庭医生签约"),
    ("emergency", "应急局", "Emergency Management Bureau", "受灾救助与数据共享"),
    ("medical_insurance", "医保局", "Medical Insurance Bureau", "医疗救助"),
    ("trade_union", "总工会", "Federation of Trade Unions", "困难职工认定与帮扶"),
    ("youth_league", "团市委", "Communist Youth League Committee", "青少年关爱"),
    ("womens_federation", "妇联", "Women's Federation", "妇女儿童关爱"),
    ("disabled_persons_federation", "残联", "Disabled Persons' Federation", "残疾认定与残疾人政策落实"),
    ("county_government", "县区人民政府", "County governments", "属地责任，组织实施"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let seeded_at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_731_456_000, 0).unwrap_or_default();
        let mut regions = Query::insert();
        regions.into_table(Regions::Table).columns([
            Regions::Code,
            Regions::NameZh,
            Regions::Level,
            Regions::ParentCode,
            Regions::IsDemo,
            Regions::CreatedAt,
        ]);
        for (code, name, level, parent) in REGIONS {
            regions.values_panic([code.into(), name.into(), level.into(), parent.into(), false.into(), seeded_at.into()]);
        }
        manager.exec_stmt(regions).await?;
        let mut departments = Query::insert();
        departments.into_table(Departments::Table).columns([
            Departments::Code,
            Departments::NameZh,
            Departments::NameEn,
            Departments::DutiesZh,
        ]);
        for (code, zh, en, duties) in DEPARTMENTS {
            departments.values_panic([code.into(), zh.into(), en.into(), duties.into()]);
        }
        manager.exec_stmt(departments).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.exec_stmt(Query::delete().from_table(Departments::Table).to_owned()).await?;
        manager.exec_stmt(Query::delete().from_table(Regions::Table).to_owned()).await
    }
}
