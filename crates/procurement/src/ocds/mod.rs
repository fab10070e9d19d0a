//! The OCDS 1.1 release package of a procurement project: planning, tender
//! (with the services bought as items), the bids with their scores, award,
//! contract and implementation (payments). OCDS amounts are decimal yuan;
//! they are converted from fen at this boundary only. The types are in
//! `model`; this module fills them from the project's records.

pub mod model;

use crate::contracts::Book;
use crate::entity::{bid, contract, contract_entry, procurement_project};
use crate::rules::{Criteria, Method, ProjectStatus};
use jiuzhu_core::{Context, DomainError, Permission, RegionCode, catalogue};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::regions;
use jiuzhu_platform::scope::InScope;
use model::*;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The official bids extension (v1.1.5), whose schema tests merge in.
pub const BIDS_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json";
/// Where this server publishes its own bid evaluation extension, below its public base address.
pub const BID_EVALUATION_EXTENSION_PATH: &str = "/api/v1/public/ocds/extensions/bid-evaluation/extension.json";
/// The bid evaluation extension's files, served at `BID_EVALUATION_EXTENSION_PATH` and beside it.
pub const BID_EVALUATION_EXTENSION_JSON: &str = include_str!("../../schemas/ocds_bid_evaluation_extension/extension.json");
pub const BID_EVALUATION_RELEASE_SCHEMA: &str = include_str!("../../schemas/ocds_bid_evaluation_extension/release-schema.json");

/// How this deployment publishes: its registered `ocid` prefix, the public
/// base address of the server, and the data's licence and publication
/// policy (configuration).
#[derive(Debug, Clone)]
pub struct Publication {
    pub ocid_prefix: String,
    pub base_url: String,
    pub license: String,
    pub publication_policy: String,
}

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

/// The OCDS tender status of a project that has been published.
pub fn tender_status(status: ProjectStatus) -> &'static str {
    match status {
        ProjectStatus::Draft | ProjectStatus::Published => "active",
        ProjectStatus::Failed => "unsuccessful",
        ProjectStatus::Terminated => "cancelled",
        _ => "complete",
    }
}

/// The unit of a service volume (`per_visit`, …) as the tender's item
/// unit: its Chinese label, e.g. 次.
fn unit_name(unit: &str) -> Option<&'static str> {
    jiuzhu_supply::catalogue::Unit::from_code(unit).map(|unit| unit.label_zh())
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

/// Hundredths of a point as points.
fn points(hundredths: u32) -> f64 {
    f64::from(hundredths) / 100.0
}

/// The release package of a project in the caller's region.
pub async fn release_package(db: &Db, ctx: &Context, id: Uuid, publication: &Publication) -> Result<OcdsReleasePackage, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let project = procurement_project::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    package_of(db.conn(), project, publication, ctx.now).await
}

/// The release package of a published project, for everyone (主动向社会公开):
/// it names organisations only, no person. A draft is not found.
pub async fn public_release_package(
    db: &Db,
    id: Uuid,
    publication: &Publication,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OcdsReleasePackage, DomainError> {
    let project = procurement_project::Entity::find_by_id(id)
        .filter(procurement_project::Column::PublishedAt.is_not_null())
        .one(db.conn())
        .await?
        .ok_or(DomainError::NotFound)?;
    package_of(db.conn(), project, publication, now).await
}

async fn package_of(
    conn: &impl ConnectionTrait,
    project: procurement_project::Model,
    publication: &Publication,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OcdsReleasePackage, DomainError> {
    let view = crate::projects::view(project)?;
    let status = view.status;
    let region = RegionCode::parse(&view.region_code).map_err(DomainError::Internal)?;
    let region_name = regions::find(conn, &region).await?.map(|r| r.name_zh).unwrap_or_else(|| view.region_code.clone());
    let buyer = OcdsOrganizationReference { id: format!("CN-GOV-{}", view.region_code), name: format!("{region_name}民政局") };
    let mut tags = vec!["planning"];
    let mut parties =
        vec![OcdsParty { id: buyer.id.clone(), name: buyer.name.clone(), roles: vec!["buyer", "procuringEntity"], identifier: None }];
    let service_names: Vec<String> = view.service_codes.iter().map(|code| service_name(code)).collect();
    let planning = OcdsPlanning {
        budget: OcdsBudget { amount: OcdsAmount::of_fen(view.budget_fen), description: "政府购买社会救助服务".into() },
        rationale: format!("为 {} 名服务对象购买{}，依据服务需求清单测算。", view.beneficiary_count, service_names.join("、")),
    };

    let mut tender = None;
    if let Some(published_at) = view.published_at {
        tags.push(if matches!(status, ProjectStatus::Failed | ProjectStatus::Terminated) { "tenderUpdate" } else { "tender" });
        let (method, method_zh) = method_of(view.method);
        let items = view
            .service_codes
            .iter()
            .enumerate()
            .map(|(n, code)| {
                let volume = view.service_volume.iter().find(|v| &v.service_code == code);
                OcdsItem {
                    id: (n + 1).to_string(),
                    description: service_name(code),
                    classification: OcdsClassification { scheme: "X-JIUZHU-SERVICE", id: code.clone(), description: service_name(code) },
                    quantity: volume.map(|v| v.quantity),
                    unit: volume.and_then(|v| unit_name(&v.unit)).map(|name| OcdsUnit { name }),
                }
            })
            .collect();
        tender = Some(OcdsTender {
            id: view.id.to_string(),
            title: view.title.clone(),
            status: tender_status(status),
            status_details: view.failure_reason.clone().filter(|_| status == ProjectStatus::Failed).map(|reason| format!("流标：{reason}")),
            main_procurement_category: "services",
            items,
            procurement_method: method,
            procurement_method_details: method_zh,
            procurement_method_rationale: view.justification.clone().filter(|j| !j.trim().is_empty()),
            award_criteria: "ratedCriteria",
            award_criteria_details: criteria_details(&view.evaluation_criteria),
            value: OcdsAmount::of_fen(view.budget_fen),
            eligibility_criteria: Some(view.bidder_requirements.clone()).filter(|r| !r.trim().is_empty()),
            tender_period: OcdsPeriod {
                start_date: Some(published_at.to_rfc3339()),
                end_date: view.bidding_closed_at.map(|t| t.to_rfc3339()),
            },
            number_of_tenderers: None,
            tenderers: Vec::new(),
        });
    }

    let submitted = bid::Entity::find().filter(bid::Column::ProjectId.eq(view.id)).order_by_asc(bid::Column::Id).all(conn).await?;
    let ranking = view.award.as_ref().map(|a| a.ranking.as_slice()).unwrap_or_default();
    let mut details = Vec::new();
    let mut tenderers: Vec<OcdsOrganizationReference> = Vec::new();
    for b in &submitted {
        let provider = jiuzhu_supply::providers::find(conn, b.provider_id).await?;
        let tenderer = OcdsOrganizationReference {
            id: b.provider_id.to_string(),
            name: provider.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        };
        if !parties.iter().any(|p| p.id == tenderer.id) {
            parties.push(OcdsParty {
                id: tenderer.id.clone(),
                name: tenderer.name.clone(),
                roles: vec!["tenderer"],
                identifier: provider.map(|p| OcdsIdentifier { scheme: "CN-USCC", id: p.credit_code, legal_name: p.name }),
            });
            tenderers.push(tenderer.clone());
        }
        let ranked = ranking.iter().position(|r| r.bid_id == b.id).map(|rank| (rank, &ranking[rank]));
        details.push(OcdsBid {
            id: b.id.to_string(),
            date: b.created_at.to_rfc3339(),
            status: if ranked.is_some() { "valid" } else { "pending" },
            tenderers: vec![tenderer],
            value: OcdsAmount::of_fen(b.price_fen),
            evaluation: ranked.map(|(rank, r)| OcdsBidEvaluation {
                rank: rank as u32 + 1,
                price_score: points(r.price_score),
                capability_score: points(r.capability),
                quality_score: points(r.quality),
                other_score: points(r.other),
                total_score: points(r.total),
            }),
        });
    }
    let bids = (!details.is_empty()).then(|| {
        let valid: Vec<i64> = ranking.iter().map(|r| r.price_fen).collect();
        let statistic = |measure: &'static str, value: f64, currency: Option<&'static str>| OcdsBidStatistic {
            id: measure.into(),
            measure,
            value,
            currency,
        };
        let mut statistics = vec![statistic("bids", details.len() as f64, None), statistic("validBids", valid.len() as f64, None)];
        if let (Some(low), Some(high)) = (valid.iter().min(), valid.iter().max()) {
            statistics.push(statistic("lowestValidBidValue", OcdsAmount::of_fen(*low).amount, Some("CNY")));
            statistics.push(statistic("highestValidBidValue", OcdsAmount::of_fen(*high).amount, Some("CNY")));
        }
        OcdsBids { statistics, details }
    });
    if let Some(tender) = tender.as_mut().filter(|_| !tenderers.is_empty()) {
        tender.number_of_tenderers = Some(tenderers.len());
        tender.tenderers = tenderers;
    }

    let mut awards = Vec::new();
    let mut supplier = None;
    if let Some(award) = view.award.as_ref() {
        tags.push("award");
        let chosen = ranking
            .iter()
            .find(|r| r.bid_id == award.chosen_bid_id)
            .ok_or_else(|| DomainError::Internal("award without its bid".into()))?;
        let party = parties.iter_mut().find(|p| p.id == chosen.provider_id.to_string());
        let name = party.as_ref().map(|p| p.name.clone()).unwrap_or_default();
        if let Some(party) = party {
            party.roles.push("supplier");
        }
        let reference = OcdsOrganizationReference { id: chosen.provider_id.to_string(), name };
        awards.push(OcdsAward {
            id: award.chosen_bid_id.to_string(),
            status: "active",
            date: award.awarded_at.map(|t| t.to_rfc3339()),
            value: OcdsAmount::of_fen(chosen.price_fen),
            suppliers: vec![reference.clone()],
            related_bid: award.chosen_bid_id.to_string(),
            description: format!("综合得分 {:.2}；{}", points(chosen.total), award.reason.clone().unwrap_or_else(|| "综合得分最高".into())),
        });
        supplier = Some(reference);
    }

    let mut contracts = Vec::new();
    let mut last_change = view.updated_at;
    if let Some(signed) = contract::Entity::find().filter(contract::Column::ProjectId.eq(view.id)).one(conn).await? {
        tags.push("contract");
        let payments = contract_entry::Entity::find()
            .filter(contract_entry::Column::ContractId.eq(signed.id))
            .filter(contract_entry::Column::Book.eq(Book::Payment.code()))
            .order_by_asc(contract_entry::Column::Id)
            .all(conn)
            .await?;
        let payee = supplier.clone().unwrap_or(OcdsOrganizationReference { id: signed.provider_id.to_string(), name: String::new() });
        let implementation = (!payments.is_empty()).then(|| OcdsImplementation {
            transactions: payments
                .iter()
                .map(|p| OcdsTransaction {
                    id: p.id.to_string(),
                    date: p.created_at.to_rfc3339(),
                    value: OcdsAmount::of_fen(p.amount_fen.unwrap_or(0)),
                    payer: buyer.clone(),
                    payee: payee.clone(),
                    uri: format!("urn:jiuzhu:payment:{}:{}", p.kind, p.id),
                })
                .collect(),
        });
        last_change = payments.iter().map(|p| p.created_at).chain([signed.created_at, last_change]).max().unwrap_or(last_change);
        if implementation.is_some() {
            tags.push("implementation");
            parties[0].roles.push("payer");
            if let Some(party) = parties.iter_mut().find(|p| p.id == payee.id) {
                party.roles.push("payee");
            }
        }
        contracts.push(OcdsContract {
            id: signed.id.to_string(),
            award_id: signed.bid_id.to_string(),
            status: match (signed.status.as_str(), status) {
                (_, ProjectStatus::Settled) => "terminated",
                ("active", _) => "active",
                ("terminated", _) => "cancelled",
                _ => "terminated",
            },
            date_signed: signed.created_at.to_rfc3339(),
            value: OcdsAmount::of_fen(signed.price_fen),
            period: OcdsPeriod {
                start_date: Some(format!("{}T00:00:00+08:00", signed.term_start)),
                end_date: Some(format!("{}T23:59:59+08:00", signed.term_end)),
            },
            implementation,
        });
    }

    let mut release = OcdsRelease {
        ocid: format!("{}{}", publication.ocid_prefix, view.id),
        id: String::new(),
        date: last_change.to_rfc3339(),
        tag: tags,
        language: "zh",
        initiation_type: "tender",
        parties,
        buyer,
        planning,
        tender,
        bids,
        awards,
        contracts,
    };
    // OCDS wants a new release id whenever the release changes, and a
    // payment or a signature changes it without touching the project.
    let content = serde_json::to_string(&release).map_err(|e| DomainError::Internal(format!("OCDS release: {e}")))?;
    release.id = format!("{}-{}", view.id, &jiuzhu_platform::hash::sha256_hex(&[content.as_bytes()])[..16]);
    let base = publication.base_url.trim_end_matches('/');
    Ok(OcdsReleasePackage {
        uri: format!("{base}/api/v1/public/procurement-projects/{}/ocds", view.id),
        version: "1.1",
        published_date: now.to_rfc3339(),
        publisher: OcdsPublisher { name: "jiuzhu 救助".into() },
        license: publication.license.clone(),
        publication_policy: publication.publication_policy.clone(),
        extensions: vec![BIDS_EXTENSION.to_string(), format!("{base}{BID_EVALUATION_EXTENSION_PATH}")],
        releases: vec![release],
    })
}

/// A service's catalogue name, or its code for a local service.
fn service_name(code: &str) -> String {
    catalogue::find(code).map(|entry| entry.3.to_string()).unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_tender_is_unsuccessful_and_a_terminated_one_cancelled() {
        assert_eq!(tender_status(ProjectStatus::Published), "active");
        assert_eq!(tender_status(ProjectStatus::Failed), "unsuccessful");
        assert_eq!(tender_status(ProjectStatus::Terminated), "cancelled");
        assert_eq!(tender_status(ProjectStatus::Settled), "complete");
    }

    #[test]
    fn volumes_carry_their_units() {
        assert_eq!((unit_name("per_visit"), unit_name("per_month"), unit_name("per_parsec")), (Some("次"), Some("月"), None));
        assert_eq!(OcdsAmount::of_fen(123_456).amount, 1234.56);
    }

    #[test]
    fn methods_map_to_ocds_and_keep_the_statutory_name() {
        assert_eq!(method_of(Method::OpenTender), ("open", "公开招标"));
        assert_eq!(method_of(Method::InvitedTender).0, "selective");
        assert_eq!(method_of(Method::CompetitiveConsultation), ("limited", "竞争性磋商"));
        assert_eq!(method_of(Method::SingleSource).0, "direct");
    }
}
