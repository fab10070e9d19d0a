//! Demo content for `jiuzhu seed-demo` and `make run`, on top of the
//! platform's demo regions and accounts: people on the service target list
//! with assessments (so the needs list has content), two providers, a fund
//! account with its sources, and an accepted application whose transfer is
//! a referral to the medical-insurance bureau. All of it is invented and
//! written through the same use cases as real data. Running it twice adds
//! nothing.

use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Actor, Clock, Context, DomainError, RegionCode, Role, SystemClock, citizen_id::check_character};
use jiuzhu_intake::applications::{self, ActionInput, Channel, Consent, ConsentMethod, CreateApplication, ItemInput, ItemKind};
use jiuzhu_intake::beneficiaries::{self, Category, CategoryRecord, CreateBeneficiary, Group, SupportMode};
use jiuzhu_intake::rules::Matter;
use jiuzhu_needs_assessment::assessments::{self, CreateAssessment, Score};
use jiuzhu_needs_assessment::rules::INDICATORS;
use jiuzhu_platform::Db;
use jiuzhu_platform::demo::DEMO_PASSWORD;
use jiuzhu_platform::user_admin::{self, CreateUser};
use jiuzhu_platform::users;
use jiuzhu_procurement::funds::{self, CreateFundAccount};
use jiuzhu_procurement::rules::{FundSource, Funding};
use jiuzhu_supply::providers::{self, ContactInput, RegisterProvider};
use jiuzhu_supply::rules::OrgType;

fn synthetic_id(birth: &str, sequence: u32) -> String {
    let first17 = format!("640202{birth}{sequence:03}");
    format!("{first17}{}", check_character(first17.as_bytes()))
}

fn credit_code(n: u32) -> String {
    let first17 = format!("52640202MJ{n:07}");
    let check = jiuzhu_core::credit_code::check_character(first17.as_bytes()).unwrap_or('0');
    format!("{first17}{check}")
}

/// The demo account of the first demo provider (a `provider` login).
pub const DEMO_PROVIDER_USERNAME: &str = "demo-provider";

/// Seeds the demo content once; answers how many people were added. The
/// demo application's referral is due in `referral_due_working_days`, as
/// the server's setting of that name would make it.
pub async fn seed_domain(db: &Db, referral_due_working_days: u32) -> Result<usize, DomainError> {
    let city = RegionCode::parse(jiuzhu_platform::demo::DEMO_CITY).map_err(DomainError::Internal)?;
    let ctx = Context {
        actor: Actor { subject: "demo-seed".into(), role: Role::CityAdmin, region: city, department: None, provider_id: None },
        request_id: "demo-seed".into(),
        now: SystemClock.now(),
    };
    let first = synthetic_id("19440301", 900);
    if !beneficiaries::by_id_numbers(db.conn(), &ctx, std::slice::from_ref(&first), Pii::Masked).await?.is_empty() {
        ensure_provider_account(db, &ctx).await?;
        return Ok(0);
    }
    let since = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let category = |category, support_mode| CategoryRecord { category, support_mode, valid_from: since, valid_to: None };
    let people = [
        (
            "张秀兰（演示）",
            first.clone(),
            category(Category::ExtremePoverty, Some(SupportMode::Dispersed)),
            vec![Group::LivingAlone, Group::Disabled],
            Some(2),
            [("disability", 2), ("family_structure", 2)],
        ),
        (
            "李建国（演示）",
            synthetic_id("19500615", 903),
            category(Category::SubsistenceAllowance, None),
            vec![Group::SeriouslyIll],
            None,
            [("illness", 2), ("income", 2)],
        ),
        (
            "王桂芝（演示）",
            synthetic_id("19380920", 904),
            category(Category::ExtremePoverty, Some(SupportMode::Centralized)),
            vec![Group::LivingAlone],
            None,
            [("family_structure", 3), ("housing", 2)],
        ),
    ];
    let mut added = 0;
    let mut first_person = None;
    for (name, id_number, record, groups, level, levels) in people {
        let person = beneficiaries::create(
            db,
            &ctx,
            CreateBeneficiary {
                name: name.into(),
                id_number,
                phone: Some("13900001111".into()),
                region_code: jiuzhu_platform::demo::DEMO_VILLAGE.into(),
                address: "示范社区（演示）".into(),
                categories: vec![record],
                groups,
                disability_level: level,
                material_assistance: vec![],
            },
        )
        .await?;
        first_person.get_or_insert(person.id);
        let scores = INDICATORS
            .iter()
            .map(|indicator| {
                let level = levels.iter().find(|(k, _)| k == indicator).map(|(_, l)| *l).unwrap_or(0);
                Score {
                    indicator: indicator.to_string(),
                    level,
                    evidence: if level >= 2 { "入户核实（演示）".into() } else { String::new() },
                }
            })
            .collect();
        let assessed_on = ctx.now.date_naive();
        assessments::create(db, &ctx, CreateAssessment { beneficiary_id: person.id, assessed_on, scores, notes: "演示评估".into() })
            .await?;
        added += 1;
    }
    for (n, name, org_type) in
        [(1, "示范爱心助老服务中心（演示）", OrgType::SocialOrganization), (2, "示范家政服务有限公司（演示）", OrgType::Enterprise)]
    {
        providers::register(
            db,
            &ctx,
            RegisterProvider {
                name: name.into(),
                credit_code: credit_code(n),
                org_type,
                eligible_for_purchase: true,
                service_codes: vec!["meals".into(), "bathing".into(), "cleaning".into(), "emergency_call".into()],
                service_regions: vec!["640202".into()],
                monthly_capacity: [
                    ("meals".to_string(), 3000),
                    ("bathing".to_string(), 200),
                    ("cleaning".to_string(), 300),
                    ("emergency_call".to_string(), 500),
                ]
                .into_iter()
                .collect(),
                qualifications: vec![],
                contact: ContactInput { name: "联系人（演示）".into(), phone: None },
            },
        )
        .await?;
    }
    ensure_provider_account(db, &ctx).await?;
    let year = chrono::Datelike::year(&ctx.now.date_naive());
    funds::create(
        db,
        &ctx,
        CreateFundAccount {
            region_code: "640202".into(),
            year,
            prior_year_assistance_total_fen: 120_000_000,
            cap_bp: None,
            sources: vec![
                Funding { source: FundSource::FiscalAssistance, amount_fen: 3_000_000 },
                Funding { source: FundSource::Donation, amount_fen: 500_000 },
            ],
        },
    )
    .await?;
    if let Some(person) = first_person {
        let filed = applications::create(
            db,
            &ctx,
            CreateApplication {
                channel: Channel::WalkIn,
                beneficiary_id: Some(person),
                applicant: None,
                region_code: None,
                proxy: None,
                consent: Consent { given: true, date: ctx.now.date_naive(), method: ConsentMethod::Written },
                items: vec![
                    ItemInput {
                        kind: ItemKind::Service,
                        service_code: Some("meals".into()),
                        matter: None,
                        description: String::new(),
                        member_id: None,
                    },
                    ItemInput {
                        kind: ItemKind::Transfer,
                        service_code: None,
                        matter: Some(Matter::MedicalAssistance),
                        description: "住院自付费用较高（演示）".into(),
                        member_id: None,
                    },
                ],
            },
        )
        .await?;
        let accept = ActionInput::Accept { due_working_days: referral_due_working_days };
        applications::act(db, &ctx, filed.id, Some(filed.version), accept).await?;
    }
    Ok(added)
}

/// The first demo provider's login, added also to demo data seeded before
/// the account existed.
async fn ensure_provider_account(db: &Db, ctx: &Context) -> Result<(), DomainError> {
    if users::find_by_username(db.conn(), DEMO_PROVIDER_USERNAME).await?.is_some() {
        return Ok(());
    }
    let code = credit_code(1);
    let Some(provider_id) = providers::id_by_credit_code(db.conn(), &code).await? else {
        return Ok(());
    };
    let account = CreateUser {
        username: DEMO_PROVIDER_USERNAME.into(),
        display_name: "示范爱心助老服务中心账号（演示）".into(),
        role: Role::Provider,
        region_code: "640202".into(),
        department: None,
        provider_id: Some(provider_id),
        phone: None,
        password: DEMO_PASSWORD.into(),
    };
    let link = providers::account_link(db.conn(), provider_id).await?;
    user_admin::create(db, ctx, account, link).await.map(|_| ())
}
