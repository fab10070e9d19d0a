//! `jiuzhu seed-synthetic`: a deterministic, city-scale data set for the
//! benchmarks. People, households, assessments with the needs the real
//! rules derive, providers, fund accounts and service orders, spread over
//! generated townships and villages of the three demo counties. Every value
//! is invented; ID numbers pass the GB 11643 checksum. The same seed gives
//! the same rows, ids included, except the ids of providers and fund
//! accounts, which their use cases assign (orders still go to the same
//! providers, by credit code). Bulk rows go in with multi-row inserts, one
//! transaction per chunk of people.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_core::catalogue::GUIDANCE_CATALOGUE;
use jiuzhu_core::citizen_id::check_character;
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Actor, Context, DomainError, RegionCode, Role};
use jiuzhu_intake::beneficiaries::{self, BeneficiaryView, Category, CategoryRecord, CreateBeneficiary, Group, SupportMode};
use jiuzhu_intake::seeding as intake_rows;
use jiuzhu_matching::rules::OrderStatus;
use jiuzhu_matching::seeding::{self as order_rows, GeneratedOrder};
use jiuzhu_needs_assessment::assessments::{self, Assessed, CreateAssessment, Score};
use jiuzhu_needs_assessment::rules::INDICATORS;
use jiuzhu_needs_assessment::seeding as need_rows;
use jiuzhu_platform::Db;
use jiuzhu_platform::audit::{Entry, Outcome, Who};
use jiuzhu_platform::record::audit_alone;
use jiuzhu_procurement::funds::{self, CreateFundAccount};
use jiuzhu_supply::providers::{self, ContactInput, RegisterProvider};
use jiuzhu_supply::rules::OrgType;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use uuid::Uuid;

/// People per transaction.
const CHUNK: usize = 5_000;

/// What was generated.
#[derive(Debug, Default, Clone, Copy)]
pub struct Generated {
    pub beneficiaries: usize,
    pub households: usize,
    pub assessments: usize,
    pub needs: usize,
    pub providers: usize,
    pub orders: usize,
}

/// The villages of `root`'s real tree the people live in, and the counties
/// they lie in (which issue their ID numbers and hold the providers).
struct Tree {
    villages: Vec<String>,
    counties: Vec<String>,
}

async fn tree_of(db: &Db, root: &RegionCode) -> Result<Tree, DomainError> {
    let villages: Vec<String> = jiuzhu_platform::regions::active_villages_under(db.conn(), root).await?;
    let mut counties: Vec<String> = villages.iter().map(|v| v[..6].to_string()).collect();
    counties.dedup();
    if villages.is_empty() {
        return Err(DomainError::Rule {
            code: "no_villages",
            message: format!("the region tree under {root} has no villages; load it with `jiuzhu load-regions` first"),
        });
    }
    Ok(Tree { villages, counties })
}

/// The n-th person's ID number: unique for n below 29 million times the
/// number of counties. The county prefix rotates, birth dates run over
/// 1930–2009 and the sequence takes the rest.
fn citizen_id(n: usize, counties: &[String]) -> String {
    let county = &counties[n % counties.len()];
    let k = n / counties.len();
    let born = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap_or_default() + Duration::days((k % 29_000) as i64);
    let first17 = format!("{county}{}{:03}", born.format("%Y%m%d"), (k / 29_000) % 1000);
    format!("{first17}{}", check_character(first17.as_bytes()))
}

fn uuid_from(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// A weighted choice: `weights` are per mille and sum to 1000.
fn pick<T: Copy>(rng: &mut StdRng, weights: &[(u32, T)]) -> T {
    let mut roll = rng.random_range(0..1000);
    for (weight, value) in weights {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    weights[weights.len() - 1].1
}

/// One invented person: category shares follow the usual make-up of a
/// city's low-income list (most on subsistence allowance).
fn person(rng: &mut StdRng, n: usize, village: &str, counties: &[String]) -> CreateBeneficiary {
    let category = pick(
        rng,
        &[
            (550, Category::SubsistenceAllowance),
            (200, Category::Marginal),
            (120, Category::ExtremePoverty),
            (100, Category::RigidExpenditure),
            (30, Category::PovertyReturnMonitoring),
        ],
    );
    let valid_from = NaiveDate::from_ymd_opt(2020 + rng.random_range(0..6), rng.random_range(1..=12), 1).unwrap_or_default();
    let record = CategoryRecord {
        category,
        support_mode: (category == Category::ExtremePoverty)
            .then(|| if rng.random_bool(0.2) { SupportMode::Centralized } else { SupportMode::Dispersed }),
        valid_from,
        valid_to: (category == Category::PovertyReturnMonitoring).then(|| NaiveDate::from_ymd_opt(2027, 12, 31).unwrap_or_default()),
    };
    let mut groups = Vec::new();
    let disabled = rng.random_bool(0.12);
    if disabled {
        groups.push(Group::Disabled);
    }
    if rng.random_bool(0.06) {
        groups.push(Group::SeriouslyIll);
    }
    if rng.random_bool(0.08) {
        groups.push(Group::LivingAlone);
    }
    CreateBeneficiary {
        name: format!("合成{n}"),
        id_number: citizen_id(n, counties),
        phone: rng.random_bool(0.7).then(|| format!("13{:09}", rng.random_range(0..1_000_000_000u32))),
        region_code: village.to_string(),
        address: format!("合成路{}号", rng.random_range(1..500)),
        categories: vec![record],
        groups,
        disability_level: disabled.then(|| rng.random_range(1..=4)),
        material_assistance: vec![],
    }
}

/// Scores skewed low, with one or two hardships per person.
fn scores(rng: &mut StdRng) -> Vec<Score> {
    INDICATORS
        .iter()
        .map(|indicator| {
            let level = pick(rng, &[(550, 0), (250, 1), (150, 2), (50, 3)]);
            Score {
                indicator: indicator.to_string(), level, evidence: if level >= 2 { "入户核实（合成）".into() } else { String::new() }
            }
        })
        .collect()
}

/// Registers `providers` providers (through the use case, so they are
/// audited like real ones), each serving eight services in its county.
async fn seed_providers(
    db: &Db,
    ctx: &Context,
    rng: &mut StdRng,
    count: usize,
    counties: &[String],
) -> Result<HashMap<(String, String), Vec<Uuid>>, DomainError> {
    let mut offering: HashMap<(String, String), Vec<Uuid>> = HashMap::new();
    for n in 0..count {
        let county = &counties[n % counties.len()];
        let mut services: Vec<String> = Vec::new();
        while services.len() < 8 {
            let code = GUIDANCE_CATALOGUE[rng.random_range(0..GUIDANCE_CATALOGUE.len())].1.to_string();
            if !services.contains(&code) {
                services.push(code);
            }
        }
        let first17 = format!("52{county}MJ{n:07}");
        let credit_code = format!("{first17}{}", jiuzhu_core::credit_code::check_character(first17.as_bytes()).unwrap_or('0'));
        let org_type = pick(rng, &[(500, OrgType::SocialOrganization), (400, OrgType::Enterprise), (100, OrgType::RuralCollective)]);
        let registered = providers::register(
            db,
            ctx,
            RegisterProvider {
                name: format!("合成服务机构{n}"),
                credit_code,
                org_type,
                eligible_for_purchase: true,
                service_codes: services.clone(),
                service_regions: vec![county.to_string()],
                monthly_capacity: services.iter().map(|s| (s.clone(), 5_000)).collect(),
                qualifications: vec![],
                contact: ContactInput { name: "联系人（合成）".into(), phone: None },
            },
        )
        .await?;
        for service in services {
            offering.entry((county.to_string(), service)).or_default().push(registered.id);
        }
    }
    Ok(offering)
}

/// Generates `count` people (and what hangs off them) with `seed`, living
/// in the villages of `root`'s real tree. Refuses when the seed's first
/// person is already registered.
pub async fn seed(db: &Db, root: &RegionCode, count: usize, seed: u64, base: DateTime<Utc>) -> Result<Generated, DomainError> {
    let tree = tree_of(db, root).await?;
    let first = citizen_id(0, &tree.counties);
    let city = root.clone();
    let ctx = Context {
        actor: Actor { subject: "synthetic-seed".into(), role: Role::CityAdmin, region: city.clone(), department: None, provider_id: None },
        request_id: format!("synthetic-seed-{seed}"),
        now: base,
    };
    if !beneficiaries::by_id_numbers(db.conn(), &ctx, std::slice::from_ref(&first), Pii::Masked).await?.is_empty() {
        return Err(DomainError::Rule {
            code: "already_seeded",
            message: format!("synthetic people are already loaded (ID {first} exists); use an empty database"),
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    jiuzhu_needs_assessment::models::ensure_default(db, base).await?;
    let (model_version, spec) = jiuzhu_needs_assessment::models::current_spec(db.conn()).await?;
    let mut generated = Generated { providers: (count / 2_000).clamp(20, 500), ..Generated::default() };
    let offering = seed_providers(db, &ctx, &mut rng, generated.providers, &tree.counties).await?;
    for year in [base.year() - 1, base.year()] {
        for county in &tree.counties {
            let account = CreateFundAccount {
                region_code: county.clone(),
                year,
                prior_year_assistance_total_fen: rng.random_range(80_000_000..200_000_000),
                cap_bp: None,
                sources: vec![],
            };
            funds::create(db, &ctx, account).await?;
        }
    }
    let villages = &tree.villages;
    let today = base.date_naive();
    for start in (0..count).step_by(CHUNK) {
        let (mut people, mut households, mut assessed, mut needs, mut orders) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for n in start..(start + CHUNK).min(count) {
            // Neighbours in pairs: person 2k and 2k+1 share a village, and a third of pairs a household.
            let village = &villages[(n / 2 * 7919) % villages.len()];
            let mut model = beneficiaries::registration(&ctx, person(&mut rng, n, village, &tree.counties), "")?;
            model.id = uuid_from(&mut rng);
            model.created_at = base - Duration::days(rng.random_range(0..700));
            model.updated_at = model.created_at;
            if n % 2 == 1 && n % 6 == 1 {
                let head = people.last_mut().ok_or_else(|| DomainError::Internal("pair without head".into()))?;
                households.push(intake_rows::pair_into_household(head, &mut model, uuid_from(&mut rng)));
            }
            if rng.random_bool(0.4) {
                let assessed_on = today - Duration::days(rng.random_range(1..365));
                let view = BeneficiaryView::from_model(model.clone(), Pii::Masked, assessed_on)?;
                let input =
                    CreateAssessment { beneficiary_id: model.id, assessed_on, scores: scores(&mut rng), notes: "合成评估".into() };
                let levels = assessments::check_scores(&input.scores)?;
                let Assessed { mut assessment, needs: found, .. } = assessments::assess(&ctx, &view, model_version, &spec, &levels, input)?;
                assessment.id = uuid_from(&mut rng);
                assessment.created_at = DateTime::from_naive_utc_and_offset(assessed_on.and_hms_opt(9, 0, 0).unwrap_or_default(), Utc);
                for mut need in found {
                    need.id = uuid_from(&mut rng);
                    need.assessment_id = assessment.id;
                    need.created_at = assessment.created_at;
                    need.updated_at = assessment.created_at;
                    let county = &need.region_code[..6];
                    let providers = offering.get(&(county.to_string(), need.service_code.clone()));
                    if let Some(providers) = providers.filter(|_| rng.random_bool(0.5)) {
                        let status = pick(
                            &mut rng,
                            &[
                                (500, OrderStatus::Completed),
                                (200, OrderStatus::InProgress),
                                (150, OrderStatus::Accepted),
                                (150, OrderStatus::Assigned),
                            ],
                        );
                        need_rows::set_status(&mut need, status.need_status());
                        let order = GeneratedOrder {
                            id: uuid_from(&mut rng),
                            need_id: need.id,
                            beneficiary_id: need.beneficiary_id,
                            region_code: need.region_code.clone(),
                            service_code: need.service_code.clone(),
                            provider_id: providers[rng.random_range(0..providers.len())],
                            scheduled_for: assessed_on + Duration::days(rng.random_range(1..30)),
                            quantity: rng.random_range(1..=8),
                            status,
                            created_by: ctx.actor.subject.clone(),
                            created_at: need.created_at,
                        };
                        orders.push(order_rows::Order::from(order));
                    }
                    needs.push(need);
                }
                assessed.push(assessment);
            }
            people.push(model);
        }
        generated.beneficiaries += people.len();
        generated.households += households.len();
        generated.assessments += assessed.len();
        generated.needs += needs.len();
        generated.orders += orders.len();
        let txn = db.begin_write().await?;
        intake_rows::load(&*txn, people, households).await?;
        need_rows::load(&*txn, assessed, needs).await?;
        order_rows::load(&*txn, orders).await?;
        txn.commit().await?;
    }
    for table in ["beneficiaries", "households", "assessments", "needs", "service_orders"] {
        db.refresh_statistics(table).await?;
    }
    let detail = serde_json::json!({"seed": seed, "beneficiaries": generated.beneficiaries, "households": generated.households,
        "assessments": generated.assessments, "needs": generated.needs, "providers": generated.providers, "orders": generated.orders});
    let entry = Entry {
        action: "synthetic.seeded".into(),
        entity_type: "dataset".into(),
        entity_id: Some(format!("seed-{seed}")),
        region_code: city.to_string(),
        outcome: Outcome::Success,
        detail,
    };
    audit_alone(db, &Who::from(&ctx), entry).await?;
    Ok(generated)
}

/// A fixed clock start for a seed, so timestamps repeat too.
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 8, 0, 0).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_id_numbers_pass_the_checksum_and_do_not_repeat() {
        let counties = ["640202".to_string(), "640205".into(), "640221".into()];
        let ids: std::collections::HashSet<String> = (0..200_000).step_by(97).map(|n| citizen_id(n, &counties)).collect();
        assert_eq!(ids.len(), (0..200_000).step_by(97).count());
        for n in [0, 1, 86_999, 1_000_000, 86_999_999] {
            assert!(jiuzhu_core::CitizenId::parse(&citizen_id(n, &counties)).is_ok(), "{}", citizen_id(n, &counties));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50)
                .map(|n| serde_json::to_string(&person(&mut rng, n, "640202001001", &["640202".into()]).categories).unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn weighted_choices_follow_their_weights() {
        let mut rng = StdRng::seed_from_u64(1);
        let hits = (0..10_000).filter(|_| pick(&mut rng, &[(700, true), (300, false)])).count();
        assert!((6_700..7_300).contains(&hits), "{hits}");
    }
}
