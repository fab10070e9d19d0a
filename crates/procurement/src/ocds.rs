//! The OCDS 1.1 release package of a procurement project: planning, tender,
//! award, contract and implementation (payments), with the rated criteria.
//! OCDS amounts are decimal yuan; they are converted from fen at this
//! boundary only.

use crate::contracts::Book;
use crate::entity::{contract, contract_entry, procurement_project};
use crate::rules::{Criteria, Method, ProjectStatus};
use jiuzhu_core::codes::parse_code;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::scope::InScope;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

/// `(OCDS procurementMethod, the statutory Chinese name)`.
pub fn method_of(method: Method) -> (&'static str, &'static str) {
    match method {
        Method::OpenTender => ("open", "公开招标"),
        Method::InvitedTender => ("selective", "邀请招标"),
        Method::CompetitiveNegotiation => ("limited", "竞争性谈判"),
        Method::CompetitiveConsultation => ("limited", "竞争性磋商"),
        Method::SingleSource => ("direct", "单一来源"),
    }
}

fn amount(fen: i64) -> Value {
    json!({"amount": fen as f64 / 100.0, "currency": "CNY"})
}

fn criteria_details(c: &Criteria) -> String {
    format!(
        "综合评分法：价格 {}%，能力 {}%，质量 {}%，其他 {}%",
        c.price_bp / 100,
        c.capability_bp / 100,
        c.quality_bp / 100,
        c.other_bp / 100
    )
}

/// The release package; `ocid_prefix` is the publisher's registered prefix.
pub async fn release_package(db: &Db, ctx: &Context, id: Uuid, ocid_prefix: &str) -> Result<Value, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let conn = db.conn();
    let project = procurement_project::Entity::find_by_id(id).in_scope(&ctx.actor).one(conn).await?.ok_or(DomainError::NotFound)?;
    let view = crate::projects::view(project.clone())?;
    let status: ProjectStatus = parse_code(&project.status)?;
    let buyer_id = format!("CN-GOV-{}", project.region_code);
    let buyer = json!({"id": buyer_id, "name": format!("{} 民政局", project.region_code)});
    let mut parties = vec![json!({"id": buyer_id, "name": buyer["name"], "roles": ["buyer", "procuringEntity"]})];
    let mut tags = vec!["planning"];
    let (method, method_zh) = method_of(view.method);
    let mut release = json!({
        "ocid": format!("{ocid_prefix}{}", project.id),
        "id": format!("{}-{}", project.id, project.version),
        "date": project.updated_at.to_rfc3339(),
        "language": "zh",
        "initiationType": "tender",
        "buyer": buyer,
        "planning": {"budget": {"amount": amount(view.budget_fen), "description": "政府购买社会救助服务"}, "rationale": view.needs_basis.to_string()},
    });
    if view.published_at.is_some() {
        tags.push("tender");
        release["tender"] = json!({
            "id": project.id.to_string(),
            "title": view.title,
            "status": if status == ProjectStatus::Published { "active" } else { "complete" },
            "procurementMethod": method,
            "procurementMethodDetails": method_zh,
            "procurementMethodRationale": view.justification,
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": criteria_details(&view.evaluation_criteria),
            "value": amount(view.budget_fen),
            "eligibilityCriteria": view.bidder_requirements,
            "tenderPeriod": {"startDate": view.published_at.map(|t| t.to_rfc3339())},
        });
    }
    if let Some(award) = view.award.as_ref() {
        tags.push("award");
        let mut tenderers = Vec::new();
        for ranked in &award.ranking {
            let provider = jiuzhu_supply::providers::find(conn, ranked.provider_id).await?;
            let name = provider.as_ref().map(|p| p.name.clone()).unwrap_or_default();
            let roles = if ranked.bid_id == award.chosen_bid_id { json!(["tenderer", "supplier"]) } else { json!(["tenderer"]) };
            let mut party = json!({"id": ranked.provider_id.to_string(), "name": name, "roles": roles});
            if let Some(p) = provider {
                party["identifier"] = json!({"scheme": "CN-USCC", "id": p.credit_code, "legalName": p.name});
            }
            parties.push(party);
            tenderers.push(json!({"id": ranked.provider_id.to_string(), "name": name}));
        }
        if let Some(tender) = release.get_mut("tender") {
            tender["numberOfTenderers"] = json!(tenderers.len());
            tender["tenderers"] = json!(tenderers);
        }
        let chosen = award
            .ranking
            .iter()
            .find(|r| r.bid_id == award.chosen_bid_id)
            .ok_or_else(|| DomainError::Internal("award without its bid".into()))?;
        release["awards"] = json!([{
            "id": award.chosen_bid_id.to_string(),
            "status": "active",
            "value": amount(chosen.price_fen),
            "suppliers": [{"id": chosen.provider_id.to_string()}],
            "description": format!("综合得分 {:.2}；{}", f64::from(chosen.total) / 100.0, award.reason.clone().unwrap_or_default()),
        }]);
    }
    if let Some(signed) = contract::Entity::find().filter(contract::Column::ProjectId.eq(project.id)).one(conn).await? {
        tags.push("contract");
        let payments = contract_entry::Entity::find()
            .filter(contract_entry::Column::ContractId.eq(signed.id))
            .filter(contract_entry::Column::Book.eq(Book::Payment.code()))
            .order_by_asc(contract_entry::Column::Id)
            .all(conn)
            .await?;
        let mut entry = json!({
            "id": signed.id.to_string(),
            "awardID": signed.bid_id.to_string(),
            "status": match (signed.status.as_str(), status) {
                (_, ProjectStatus::Settled) => "terminated",
                ("active", _) => "active",
                ("terminated", _) => "cancelled",
                _ => "terminated",
            },
            "value": amount(signed.price_fen),
            "period": {"startDate": format!("{}T00:00:00Z", signed.term_start), "endDate": format!("{}T23:59:59Z", signed.term_end)},
        });
        if !payments.is_empty() {
            tags.push("implementation");
            entry["implementation"] = json!({"transactions": payments.iter().map(|p| json!({
                "id": p.id.to_string(),
                "date": p.created_at.to_rfc3339(),
                "value": amount(p.amount_fen.unwrap_or(0)),
                "payer": {"id": buyer_id},
                "payee": {"id": signed.provider_id.to_string()},
                "uri": format!("urn:jiuzhu:payment:{}:{}", p.kind, p.id),
            })).collect::<Vec<_>>()});
        }
        release["contracts"] = json!([entry]);
    }
    release["tag"] = json!(tags);
    release["parties"] = json!(parties);
    Ok(json!({
        "uri": format!("urn:jiuzhu:procurement-project:{}:ocds", project.id),
        "version": "1.1",
        "publishedDate": ctx.now.to_rfc3339(),
        "publisher": {"name": "jiuzhu 救助"},
        "releases": [release],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_map_to_ocds_and_keep_the_statutory_name() {
        assert_eq!(method_of(Method::OpenTender), ("open", "公开招标"));
        assert_eq!(method_of(Method::InvitedTender).0, "selective");
        assert_eq!(method_of(Method::CompetitiveConsultation), ("limited", "竞争性磋商"));
        assert_eq!(method_of(Method::SingleSource).0, "direct");
    }
}
