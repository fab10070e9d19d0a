//! Pure procurement rules, without I/O: the 3% purchase cap, the price
//! weight band that keeps the lowest price from simply winning, evaluation
//! criteria and funding sums, the price score of MOF Order No. 87, and the
//! project state machine.

use jiuzhu_core::{DomainError, FieldError, Money};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The plan's cap: 3% of the previous year's assistance subsidy total.
pub const MAX_CAP_BP: u32 = 300;
/// Price weight band for services (Cai Ku [2014] No. 214), applied to every purchase.
pub const PRICE_WEIGHT_MIN_BP: u32 = 1000;
pub const PRICE_WEIGHT_MAX_BP: u32 = 3000;

jiuzhu_core::coded_enum! {
    pub enum FundSource as "fund_source" {
        /// 当年救助资金（财政）
        FiscalAssistance = "fiscal_assistance", "当年救助资金", "Fiscal assistance";
        Donation = "donation", "社会捐赠", "Donation";
        WelfareLottery = "welfare_lottery", "福彩公益金", "Welfare lottery";
        Other = "other", "其他", "Other";
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub source: FundSource,
    /// A positive amount, in fen.
    #[schema(minimum = 1)]
    pub amount_fen: i64,
}

/// The cap in fen: `prior_total × cap_bp / 10000`, rounded down.
pub fn purchase_cap(prior_year_total_fen: i64, cap_bp: u32) -> Option<i64> {
    Money::from_fen(prior_year_total_fen).share_bp(cap_bp.min(MAX_CAP_BP)).map(Money::fen)
}

/// Refuses a commitment of fiscal money beyond what remains under the cap,
/// naming the cap, what is committed and what was asked.
pub fn check_cap(cap_fen: i64, committed_fen: i64, requested_fen: i64) -> Result<(), DomainError> {
    let after = committed_fen
        .checked_add(requested_fen)
        .ok_or_else(|| DomainError::field("funding", "amount_overflow", "the amounts are too large"))?;
    if after > cap_fen {
        return Err(DomainError::RuleWithDetails {
            code: "purchase_cap_exceeded",
            message: format!(
                "fiscal assistance money would reach {after} fen, over the purchase cap of {cap_fen} fen (3% of last year's assistance total); {} fen remain",
                (cap_fen - committed_fen).max(0)
            ),
            details: serde_json::json!({"cap_fen": cap_fen, "committed_fen": committed_fen, "requested_fen": requested_fen, "remaining_fen": (cap_fen - committed_fen).max(0)}),
        });
    }
    Ok(())
}

/// A change of a fund account's base names its reason.
pub fn base_change_reason(reason: Option<&str>) -> Result<&str, DomainError> {
    match reason.map(str::trim) {
        Some(reason) if !reason.is_empty() => Ok(reason),
        _ => Err(DomainError::field("reason", "required", "a change of last year's assistance total gives its reason")),
    }
}

/// A cap (after a change of its base or rate) still covers what projects
/// have already committed.
pub fn check_cap_covers_committed(cap_fen: i64, committed_fen: i64) -> Result<(), DomainError> {
    if cap_fen >= committed_fen {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "cap_below_committed",
        message: format!("the new cap of {cap_fen} fen is below the {committed_fen} fen already committed"),
        details: serde_json::json!({"cap_fen": cap_fen, "committed_fen": committed_fen}),
    })
}

/// The fiscal-assistance share of a project's funding.
pub fn fiscal_share(funding: &[Funding]) -> i64 {
    funding.iter().filter(|f| f.source == FundSource::FiscalAssistance).map(|f| f.amount_fen).sum()
}

/// Weights of the comprehensive scoring method, in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// 1000 to 3000 (10% to 30%): price counts, but never alone.
    #[schema(minimum = 1000, maximum = 3000)]
    pub price_bp: u32,
    #[schema(maximum = 10000)]
    pub capability_bp: u32,
    #[schema(maximum = 10000)]
    pub quality_bp: u32,
    #[schema(maximum = 10000)]
    pub other_bp: u32,
}

/// Funding that adds up to the budget, positive amounts, weights summing to
/// 10000 with price between 10% and 30%.
pub fn check_plan(budget_fen: i64, funding: &[Funding], criteria: &Criteria) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    if budget_fen <= 0 {
        errors.push(FieldError::new("budget_fen", "range", "the budget is a positive number of fen"));
    }
    for (i, f) in funding.iter().enumerate() {
        if f.amount_fen <= 0 {
            errors.push(FieldError::new(format!("funding[{i}].amount_fen"), "range", "amounts are positive"));
        }
    }
    let total = Money::checked_sum(funding.iter().map(|f| Money::from_fen(f.amount_fen))).map(Money::fen);
    if total != Some(budget_fen) {
        errors.push(FieldError::new(
            "funding",
            "funding_mismatch",
            format!("funding adds up to {} fen, the budget is {budget_fen} fen", total.unwrap_or(i64::MAX)),
        ));
    }
    let sum: u64 = [criteria.price_bp, criteria.capability_bp, criteria.quality_bp, criteria.other_bp].into_iter().map(u64::from).sum();
    if sum != 10_000 {
        errors.push(FieldError::new(
            "evaluation_criteria",
            "criteria_sum",
            format!("criteria weights must sum to 10000 basis points, got {sum}"),
        ));
    }
    if !(PRICE_WEIGHT_MIN_BP..=PRICE_WEIGHT_MAX_BP).contains(&criteria.price_bp) {
        errors.push(FieldError::new(
            "evaluation_criteria.price_bp",
            "price_weight_out_of_range",
            format!("the price weight must be 1000 to 3000 basis points (10% to 30%), got {}", criteria.price_bp),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// MOF Order No. 87 art. 55: the lowest valid price scores 100, every other
/// `lowest / price × 100`, in hundredths of a point (10000 = 100.00).
pub fn price_score(lowest_fen: i64, price_fen: i64) -> u32 {
    if lowest_fen <= 0 || price_fen <= 0 {
        return 0;
    }
    u32::try_from(i128::from(lowest_fen) * 10_000 / i128::from(price_fen)).unwrap_or(0).min(10_000)
}

/// The weighted total in hundredths of a point, from scores in hundredths.
pub fn weighted_total(criteria: &Criteria, price: u32, capability: u32, quality: u32, other: u32) -> u32 {
    let sum = u64::from(criteria.price_bp) * u64::from(price)
        + u64::from(criteria.capability_bp) * u64::from(capability)
        + u64::from(criteria.quality_bp) * u64::from(quality)
        + u64::from(criteria.other_bp) * u64::from(other);
    u32::try_from(sum / 10_000).unwrap_or(u32::MAX)
}

jiuzhu_core::coded_enum! {
    #[schema(as = ProcurementMethod)]
    pub enum Method as "procurement_method" {
        OpenTender = "open_tender", "公开招标", "Open tender";
        InvitedTender = "invited_tender", "邀请招标", "Invited tender";
        CompetitiveNegotiation = "competitive_negotiation", "竞争性谈判", "Competitive negotiation";
        CompetitiveConsultation = "competitive_consultation", "竞争性磋商", "Competitive consultation";
        SingleSource = "single_source", "单一来源", "Single source";
    }
}

jiuzhu_core::coded_enum! {
    pub enum ProjectStatus as "project_status" {
        Draft = "draft", "草案", "Draft";
        Published = "published", "已发布", "Published";
        BiddingClosed = "bidding_closed", "投标截止", "Bidding closed";
        Awarded = "awarded", "已定标", "Awarded";
        Contracted = "contracted", "已签约", "Contracted";
        InService = "in_service", "服务中", "In service";
        Accepted = "accepted", "已验收", "Accepted";
        Settled = "settled", "已结算", "Settled";
        Terminated = "terminated", "已终止", "Terminated";
        Failed = "failed", "流标", "Failed";
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    Publish,
    CloseBidding,
    Fail,
    Terminate,
    StartService,
    Settle,
}

impl ProjectStatus {
    /// Money stays committed against the cap unless the project ended without spending.
    pub fn commits_funds(self) -> bool {
        !matches!(self, ProjectStatus::Terminated | ProjectStatus::Failed)
    }

    pub fn after(self, action: ProjectAction) -> Option<ProjectStatus> {
        use ProjectAction as A;
        use ProjectStatus as S;
        match (self, action) {
            (S::Draft, A::Publish) => Some(S::Published),
            (S::Published, A::CloseBidding) => Some(S::BiddingClosed),
            (S::BiddingClosed, A::Fail) => Some(S::Failed),
            (S::Contracted, A::StartService) => Some(S::InService),
            (S::Accepted, A::Settle) => Some(S::Settled),
            (S::Draft | S::Published | S::BiddingClosed | S::Awarded | S::Contracted | S::InService, A::Terminate) => Some(S::Terminated),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_three_percent_rounded_down_and_never_more() {
        assert_eq!(purchase_cap(10_000_000, 300), Some(300_000));
        assert_eq!(purchase_cap(10_000_033, 300), Some(300_000));
        assert_eq!(purchase_cap(10_000_000, 500), Some(300_000), "never above 300 bp");
        assert_eq!(purchase_cap(10_000_000, 150), Some(150_000));
    }

    #[test]
    fn the_cap_admits_exactly_up_to_its_amount() {
        assert!(check_cap(300_000, 0, 300_000).is_ok());
        let DomainError::RuleWithDetails { code, details, .. } = check_cap(300_000, 0, 300_001).unwrap_err() else { panic!() };
        assert_eq!(code, "purchase_cap_exceeded");
        assert_eq!(details["remaining_fen"], 300_000);
        assert!(check_cap(300_000, 200_000, 100_001).is_err());
        assert!(check_cap(300_000, 200_000, 100_000).is_ok());
    }

    #[test]
    fn only_fiscal_assistance_counts_against_the_cap() {
        let funding = [
            Funding { source: FundSource::FiscalAssistance, amount_fen: 100 },
            Funding { source: FundSource::Donation, amount_fen: 50 },
            Funding { source: FundSource::WelfareLottery, amount_fen: 25 },
        ];
        assert_eq!(fiscal_share(&funding), 100);
    }

    fn criteria(price_bp: u32) -> Criteria {
        Criteria { price_bp, capability_bp: 4000, quality_bp: 6000 - price_bp, other_bp: 0 }
    }

    #[test]
    fn the_price_weight_stays_between_10_and_30_percent() {
        let funding = [Funding { source: FundSource::FiscalAssistance, amount_fen: 1000 }];
        assert!(check_plan(1000, &funding, &criteria(1000)).is_ok());
        assert!(check_plan(1000, &funding, &criteria(3000)).is_ok());
        for bad in [999, 3001, 0] {
            let DomainError::Validation(errors) = check_plan(1000, &funding, &criteria(bad)).unwrap_err() else { panic!() };
            assert_eq!(errors[0].code, "price_weight_out_of_range", "{bad}");
        }
    }

    #[test]
    fn criteria_near_the_integer_limit_are_refused_not_overflowed() {
        let funding = [Funding { source: FundSource::FiscalAssistance, amount_fen: 1000 }];
        let huge = Criteria { price_bp: 2000, capability_bp: u32::MAX, quality_bp: u32::MAX, other_bp: u32::MAX };
        let DomainError::Validation(errors) = check_plan(1000, &funding, &huge).unwrap_err() else { panic!() };
        assert_eq!(errors.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["criteria_sum"]);
    }

    #[test]
    fn funding_must_add_up_and_criteria_must_sum() {
        let funding = [Funding { source: FundSource::FiscalAssistance, amount_fen: 900 }];
        let DomainError::Validation(errors) =
            check_plan(1000, &funding, &Criteria { price_bp: 2000, capability_bp: 2000, quality_bp: 2000, other_bp: 0 }).unwrap_err()
        else {
            panic!()
        };
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["funding_mismatch", "criteria_sum"]);
    }

    #[test]
    fn price_scores_follow_order_87() {
        assert_eq!(price_score(80_000, 80_000), 10_000);
        assert_eq!(price_score(80_000, 100_000), 8_000);
        assert_eq!(price_score(80_000, 160_000), 5_000);
        assert_eq!(price_score(0, 1), 0);
        let c = Criteria { price_bp: 3000, capability_bp: 4000, quality_bp: 3000, other_bp: 0 };
        // A cheap weak bid loses to a dearer strong one: price is at most 30%.
        let cheap = weighted_total(&c, 10_000, 5_000, 5_000, 0);
        let strong = weighted_total(&c, 8_000, 9_000, 9_000, 0);
        assert_eq!((cheap, strong), (6_500, 8_700));
    }

    #[test]
    fn project_transitions() {
        use ProjectAction as A;
        use ProjectStatus as S;
        assert_eq!(S::Draft.after(A::Publish), Some(S::Published));
        assert_eq!(S::Published.after(A::Publish), None);
        assert_eq!(S::Draft.after(A::CloseBidding), None);
        assert_eq!(S::Settled.after(A::Terminate), None);
        assert_eq!(S::Contracted.after(A::StartService), Some(S::InService));
        assert_eq!(S::Accepted.after(A::Settle), Some(S::Settled));
        assert_eq!(S::InService.after(A::Settle), None, "settlement follows acceptance");
        assert!(!S::Terminated.commits_funds() && S::Draft.commits_funds());
    }
}

/// A bid as the award sees it: its price and the panel's mean scores, in
/// hundredths of a point (0–10000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BidFacts {
    pub id: uuid::Uuid,
    pub provider_id: uuid::Uuid,
    pub price_fen: i64,
    pub capability: u32,
    pub quality: u32,
    pub other: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RankedBid {
    pub bid_id: uuid::Uuid,
    pub provider_id: uuid::Uuid,
    pub price_fen: i64,
    /// `lowest valid price / this price × 100`, in hundredths.
    pub price_score: u32,
    pub capability: u32,
    pub quality: u32,
    pub other: u32,
    /// The weighted total, in hundredths of a point.
    pub total: u32,
}

/// Ranks bids by weighted total (then lower price, then id), with the price
/// scored against the lowest valid price.
pub fn rank_bids(criteria: &Criteria, bids: &[BidFacts]) -> Vec<RankedBid> {
    let lowest = bids.iter().map(|b| b.price_fen).filter(|p| *p > 0).min().unwrap_or(0);
    let mut ranked: Vec<RankedBid> = bids
        .iter()
        .map(|b| {
            let price_score = price_score(lowest, b.price_fen);
            RankedBid {
                bid_id: b.id,
                provider_id: b.provider_id,
                price_fen: b.price_fen,
                price_score,
                capability: b.capability,
                quality: b.quality,
                other: b.other,
                total: weighted_total(criteria, price_score, b.capability, b.quality, b.other),
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.total.cmp(&a.total).then(a.price_fen.cmp(&b.price_fen)).then(a.bid_id.cmp(&b.bid_id)));
    ranked
}

#[cfg(test)]
mod award_tests {
    use super::*;

    #[test]
    fn a_better_dearer_bid_beats_a_weak_cheap_one() {
        let criteria = Criteria { price_bp: 3000, capability_bp: 4000, quality_bp: 3000, other_bp: 0 };
        let cheap = BidFacts {
            id: uuid::Uuid::from_u128(1),
            provider_id: uuid::Uuid::from_u128(11),
            price_fen: 80_000,
            capability: 5_000,
            quality: 5_000,
            other: 0,
        };
        let strong = BidFacts {
            id: uuid::Uuid::from_u128(2),
            provider_id: uuid::Uuid::from_u128(12),
            price_fen: 100_000,
            capability: 9_000,
            quality: 9_000,
            other: 0,
        };
        let ranked = rank_bids(&criteria, &[cheap, strong]);
        assert_eq!(ranked[0].bid_id, strong.id);
        assert_eq!((ranked[0].price_score, ranked[1].price_score), (8_000, 10_000));
        assert_eq!((ranked[0].total, ranked[1].total), (8_700, 6_500));
    }
}

jiuzhu_core::coded_enum! {
    /// Where a contract stands.
    pub enum ContractStatus as "contract_status" {
        Active = "active", "履行中", "Active";
        Completed = "completed", "已结算完成", "Completed";
        Terminated = "terminated", "已终止", "Terminated";
    }
}

jiuzhu_core::coded_enum! {
    /// A seat on the panel that scores the bids (评标委员会、谈判小组、磋商小组).
    pub enum SeatKind as "seat_kind" {
        PurchaserRep = "purchaser_rep", "采购人代表", "Purchaser representative";
        Expert = "expert", "评审专家", "Expert";
    }
}

/// What a method asks of the panel and of the bids before an award, and
/// the provision it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct MethodFloors {
    /// The smallest panel.
    pub min_panel: usize,
    /// The panel has an odd number of members.
    pub odd_panel: bool,
    /// Experts are at least two thirds of the panel.
    pub experts_two_thirds: bool,
    /// The fewest bids an award may rank; fewer and the project fails (流标).
    pub min_bids: usize,
    pub basis: &'static str,
}

/// The floors of each method.
pub fn floors(method: Method) -> MethodFloors {
    match method {
        Method::OpenTender | Method::InvitedTender => MethodFloors {
            min_panel: 5,
            odd_panel: true,
            experts_two_thirds: true,
            min_bids: 3,
            basis: "政府采购货物和服务招标投标管理办法（财政部令第87号）第四十七条：评标委员会五人以上单数，评审专家不少于三分之二；\
                    政府采购法第三十六条：对招标文件作实质响应的供应商不足三家的，予以废标",
        },
        Method::CompetitiveNegotiation => MethodFloors {
            min_panel: 3,
            odd_panel: true,
            experts_two_thirds: true,
            min_bids: 1,
            basis: "政府采购法第三十八条：谈判小组由采购人的代表和有关专家共三人以上的单数组成，专家不少于三分之二",
        },
        Method::CompetitiveConsultation => MethodFloors {
            min_panel: 3,
            odd_panel: true,
            experts_two_thirds: true,
            min_bids: 1,
            basis: "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）第十四条：磋商小组三人以上单数，评审专家不少于三分之二",
        },
        Method::SingleSource => MethodFloors {
            min_panel: 1,
            odd_panel: false,
            experts_two_thirds: false,
            min_bids: 1,
            basis: "政府采购法第三十一条、第三十九条：单一来源须有法定情形（立项时写明理由），由采购人与供应商协商确定",
        },
    }
}

/// The panel meets its method's floors: size, odd number, experts' share.
pub fn check_panel(method: Method, seats: &[SeatKind]) -> Result<(), DomainError> {
    let floor = floors(method);
    let members = seats.len();
    let experts = seats.iter().filter(|s| **s == SeatKind::Expert).count();
    let experts_needed = if floor.experts_two_thirds { (members * 2).div_ceil(3) } else { 0 };
    let details = serde_json::json!({"method": method, "members": members, "experts": experts, "min_panel": floor.min_panel,
        "odd_panel": floor.odd_panel, "experts_needed": experts_needed, "basis": floor.basis});
    let refuse = |code: &'static str, message: String| Err(DomainError::RuleWithDetails { code, message, details: details.clone() });
    if members < floor.min_panel {
        return refuse("panel_too_small", format!("this method needs a panel of at least {}; it has {members}", floor.min_panel));
    }
    if floor.odd_panel && members.is_multiple_of(2) {
        return refuse("panel_size_even", format!("this method needs an odd number of members; it has {members}"));
    }
    if experts < experts_needed {
        return refuse(
            "panel_lacks_experts",
            format!("experts are at least two thirds of the panel: {experts_needed} of {members}; it has {experts}"),
        );
    }
    Ok(())
}

/// Enough bids for the method to award; otherwise the project fails.
pub fn check_bid_count(method: Method, bids: usize) -> Result<(), DomainError> {
    let floor = floors(method);
    if bids >= floor.min_bids {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "too_few_bids",
        message: format!(
            "this method needs at least {} bids to award; there are {bids}: declare the project failed (流标) and buy again",
            floor.min_bids
        ),
        details: serde_json::json!({"method": method, "bids": bids, "min_bids": floor.min_bids, "basis": floor.basis}),
    })
}

#[cfg(test)]
mod panel_tests {
    use super::*;
    use SeatKind::{Expert, PurchaserRep};

    fn code(result: Result<(), DomainError>) -> &'static str {
        match result {
            Ok(()) => "ok",
            Err(DomainError::RuleWithDetails { code, .. }) => code,
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn tendering_needs_five_or_more_odd_with_two_thirds_experts() {
        assert_eq!(code(check_panel(Method::OpenTender, &[Expert])), "panel_too_small");
        assert_eq!(code(check_panel(Method::InvitedTender, &[Expert; 3])), "panel_too_small");
        assert_eq!(code(check_panel(Method::OpenTender, &[Expert; 6])), "panel_size_even");
        assert_eq!(code(check_panel(Method::OpenTender, &[PurchaserRep, PurchaserRep, Expert, Expert, Expert])), "panel_lacks_experts");
        assert_eq!(code(check_panel(Method::OpenTender, &[PurchaserRep, Expert, Expert, Expert, Expert])), "ok");
    }

    #[test]
    fn negotiation_and_consultation_need_three_or_more_odd_and_single_source_one() {
        assert_eq!(code(check_panel(Method::CompetitiveConsultation, &[PurchaserRep, Expert, Expert])), "ok");
        assert_eq!(code(check_panel(Method::CompetitiveNegotiation, &[PurchaserRep, Expert])), "panel_too_small");
        assert_eq!(code(check_panel(Method::CompetitiveNegotiation, &[PurchaserRep, PurchaserRep, Expert])), "panel_lacks_experts");
        assert_eq!(code(check_panel(Method::SingleSource, &[PurchaserRep, PurchaserRep])), "ok");
        assert_eq!(code(check_panel(Method::SingleSource, &[])), "panel_too_small");
    }

    #[test]
    fn tenders_award_from_three_bids() {
        assert_eq!(code(check_bid_count(Method::OpenTender, 2)), "too_few_bids");
        assert_eq!(code(check_bid_count(Method::InvitedTender, 3)), "ok");
        assert_eq!(code(check_bid_count(Method::CompetitiveConsultation, 1)), "ok");
        assert_eq!(code(check_bid_count(Method::SingleSource, 0)), "too_few_bids");
    }
}

/// A contract buys only its project's services, each once and in a
/// quantity of at least one (`services[i]` names the offending entry).
pub fn check_contract_services(project_services: &[String], services: &[(&str, u32)]) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    for (index, (code, quantity)) in services.iter().enumerate() {
        if !project_services.iter().any(|s| s == code) {
            let message = format!("{code} is not among the project's services ({})", project_services.join(", "));
            errors.push(FieldError::new(format!("services[{index}].service_code"), "service_outside_project", message));
        } else if services[..index].iter().any(|(earlier, _)| earlier == code) {
            errors.push(FieldError::new(format!("services[{index}].service_code"), "service_duplicate", format!("{code} is listed twice")));
        }
        if *quantity == 0 {
            errors.push(FieldError::new(format!("services[{index}].quantity"), "at_least_one", "a contract buys at least one unit"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// Every written term of a contract says something: a term of nothing but
/// white space is as missing as an empty one (合同应当明确…).
pub fn check_terms_written(terms: &[(&str, &str)]) -> Result<(), DomainError> {
    let errors: Vec<FieldError> = terms
        .iter()
        .filter(|(_, text)| text.trim().is_empty())
        .map(|(field, _)| FieldError::new(*field, "blank", "this term of the contract must be written out"))
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// Acceptance comes when the term is over (实施期满后验收), or earlier as an
/// early completion with its reason.
pub fn check_acceptance_time(
    today: chrono::NaiveDate,
    term_end: chrono::NaiveDate,
    early_completion_reason: Option<&str>,
) -> Result<(), DomainError> {
    if today >= term_end || early_completion_reason.is_some_and(|reason| !reason.trim().is_empty()) {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "term_not_ended",
        message: format!("the contract term runs until {term_end}; accept then, or give early_completion_reason"),
        details: serde_json::json!({"term_end": term_end, "today": today}),
    })
}

/// A ledger entry names one of the contract's services; a delivered-service
/// entry must name one.
pub fn check_ledger_service(kind: &str, service_code: Option<&str>, contract_services: &[String]) -> Result<(), DomainError> {
    match service_code {
        None if kind == "service_delivered" => {
            Err(DomainError::field("service_code", "required", "a delivered-service entry names the service"))
        }
        Some(code) if !contract_services.iter().any(|s| s == code) => Err(DomainError::field(
            "service_code",
            "service_outside_contract",
            format!("{code} is not among the contract's services ({})", contract_services.join(", ")),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod contract_rule_tests {
    use super::*;

    fn codes(error: DomainError) -> Vec<(String, String)> {
        match error {
            DomainError::Validation(fields) => fields.into_iter().map(|f| (f.field, f.code)).collect(),
            DomainError::RuleWithDetails { code, .. } => vec![(String::new(), code.to_string())],
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_base_change_has_a_reason_and_the_cap_still_covers_commitments() {
        assert_eq!(base_change_reason(Some(" 决算调整 ")).unwrap(), "决算调整");
        assert_eq!(codes(base_change_reason(None).unwrap_err()), vec![("reason".to_string(), "required".to_string())]);
        assert_eq!(codes(base_change_reason(Some("  ")).unwrap_err()), vec![("reason".to_string(), "required".to_string())]);
        assert!(check_cap_covers_committed(300_000, 300_000).is_ok());
        assert_eq!(
            codes(check_cap_covers_committed(299_999, 300_000).unwrap_err()),
            vec![(String::new(), "cap_below_committed".to_string())]
        );
    }

    #[test]
    fn a_contract_buys_only_its_projects_services() {
        let project = vec!["meals".to_string(), "bathing".to_string()];
        assert!(check_contract_services(&project, &[("meals", 100), ("bathing", 200)]).is_ok());
        assert_eq!(
            codes(check_contract_services(&project, &[("meals", 1), ("cleaning", 5), ("meals", 2), ("bathing", 0)]).unwrap_err()),
            vec![
                ("services[1].service_code".to_string(), "service_outside_project".to_string()),
                ("services[2].service_code".to_string(), "service_duplicate".to_string()),
                ("services[3].quantity".to_string(), "at_least_one".to_string()),
            ]
        );
    }

    #[test]
    fn blank_terms_are_missing_terms() {
        assert!(check_terms_written(&[("quality_standards", "准时率98%")]).is_ok());
        assert_eq!(
            codes(
                check_terms_written(&[("quality_standards", " "), ("breach_liability", "\n\t"), ("settlement_method", "季度")])
                    .unwrap_err()
            ),
            vec![("quality_standards".to_string(), "blank".to_string()), ("breach_liability".to_string(), "blank".to_string())]
        );
    }

    #[test]
    fn acceptance_waits_for_the_term_or_an_early_completion() {
        let end = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let before = end - chrono::Duration::days(30);
        assert!(check_acceptance_time(end, end, None).is_ok());
        assert!(check_acceptance_time(end + chrono::Duration::days(1), end, None).is_ok());
        assert_eq!(codes(check_acceptance_time(before, end, None).unwrap_err()), vec![(String::new(), "term_not_ended".to_string())]);
        assert!(check_acceptance_time(before, end, Some(" ")).is_err(), "a blank reason is no reason");
        assert!(check_acceptance_time(before, end, Some("服务对象全部迁出，提前完成")).is_ok());
    }

    #[test]
    fn ledger_entries_name_the_contracts_services() {
        let services = vec!["meals".to_string()];
        assert!(check_ledger_service("service_delivered", Some("meals"), &services).is_ok());
        assert!(check_ledger_service("staff_hours", None, &services).is_ok());
        assert_eq!(
            codes(check_ledger_service("service_delivered", None, &services).unwrap_err()),
            vec![("service_code".into(), "required".into())]
        );
        assert_eq!(
            codes(check_ledger_service("spending", Some("cleaning"), &services).unwrap_err()),
            vec![("service_code".into(), "service_outside_contract".into())]
        );
    }
}

jiuzhu_core::coded_enum! {
    /// A kind of payment under a contract.
    pub enum PaymentKind as "payment_kind" {
        Advance = "advance", "预付款", "Advance";
        Progress = "progress", "进度款", "Progress";
        /// 尾款（验收合格后结清）
        Final = "final", "尾款", "Final";
    }
}

jiuzhu_core::coded_enum! {
    /// What releases an instalment.
    pub enum Release as "release" {
        Signing = "signing", "合同签订", "Contract signed";
        MidTermEvaluation = "mid_term_evaluation", "中期评估合格", "Mid-term evaluation passed";
        Acceptance = "acceptance", "验收合格", "Acceptance passed";
    }
}

/// One instalment of a contract's settlement term: a share of the price
/// for one kind of payment, released by one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "advance", "share_bp": 3000, "released_by": "signing"}))]
pub struct Instalment {
    pub kind: PaymentKind,
    /// Basis points of the price, 1 to 10000.
    #[schema(minimum = 1, maximum = 10000)]
    pub share_bp: u32,
    pub released_by: Release,
}

/// The plan's default settlement: the whole price after acceptance.
pub const ALL_ON_ACCEPTANCE: [Instalment; 1] =
    [Instalment { kind: PaymentKind::Final, share_bp: 10_000, released_by: Release::Acceptance }];

/// A settlement term adds up to the price, pays its balance (`final`,
/// exactly one) only on acceptance (验收合格后结清), releases an advance on
/// signing and a progress payment on signing or a passed mid-term evaluation.
pub fn check_instalments(instalments: &[Instalment]) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    for (index, instalment) in instalments.iter().enumerate() {
        let allowed = match instalment.kind {
            PaymentKind::Advance => instalment.released_by == Release::Signing,
            PaymentKind::Progress => matches!(instalment.released_by, Release::Signing | Release::MidTermEvaluation),
            PaymentKind::Final => instalment.released_by == Release::Acceptance,
        };
        if !allowed {
            let message = "an advance is released on signing, a progress payment on signing or a passed mid-term evaluation, the balance on acceptance";
            errors.push(FieldError::new(format!("instalments[{index}].released_by"), "release_not_allowed", message));
        }
        if !(1..=10_000).contains(&instalment.share_bp) {
            errors.push(FieldError::new(format!("instalments[{index}].share_bp"), "range", "a share is 1 to 10000 basis points"));
        }
    }
    let total: u32 = instalments.iter().map(|i| i.share_bp.min(10_000)).sum();
    if total != 10_000 {
        errors.push(FieldError::new("instalments", "shares_do_not_add_up", format!("the shares add up to {total} of 10000 basis points")));
    }
    if instalments.iter().filter(|i| i.kind == PaymentKind::Final).count() != 1 {
        errors.push(FieldError::new("instalments", "one_final_instalment", "the balance is one final instalment, paid after acceptance"));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// Which release events have happened for a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Released {
    pub signed: bool,
    pub mid_term_passed: bool,
    pub accepted: bool,
}

impl Released {
    fn has(self, release: Release) -> bool {
        match release {
            Release::Signing => self.signed,
            Release::MidTermEvaluation => self.mid_term_passed,
            Release::Acceptance => self.accepted,
        }
    }
}

/// Fen of the price released so far for payments of `kind`. The final
/// instalment is the balance: the price less every other instalment, so
/// shares that do not divide the price lose nothing to rounding.
pub fn released_fen(price_fen: i64, instalments: &[Instalment], kind: PaymentKind, released: Released) -> i64 {
    let share = |bp: u32| Money::from_fen(price_fen).share_bp(bp).map(Money::fen).unwrap_or(0);
    let others: i64 = instalments.iter().filter(|i| i.kind != PaymentKind::Final).map(|i| share(i.share_bp)).sum();
    instalments
        .iter()
        .filter(|i| i.kind == kind && released.has(i.released_by))
        .map(|i| if i.kind == PaymentKind::Final { price_fen - others } else { share(i.share_bp) })
        .sum()
}

/// A payment of `kind` stays within what has been released for that kind.
pub fn check_payment_released(kind: PaymentKind, released_fen: i64, paid_of_kind_fen: i64, amount_fen: i64) -> Result<(), DomainError> {
    if paid_of_kind_fen + amount_fen <= released_fen {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "payment_not_released",
        message: format!(
            "{released_fen} fen of {} payments are released so far and {paid_of_kind_fen} fen paid; {amount_fen} fen more would run ahead of the settlement term",
            jiuzhu_core::codes::code_of(kind)
        ),
        details: serde_json::json!({"kind": kind, "released_fen": released_fen, "paid_fen": paid_of_kind_fen, "amount_fen": amount_fen}),
    })
}

#[cfg(test)]
mod instalment_tests {
    use super::*;

    const THREE_WAY: [Instalment; 3] = [
        Instalment { kind: PaymentKind::Advance, share_bp: 3000, released_by: Release::Signing },
        Instalment { kind: PaymentKind::Progress, share_bp: 3333, released_by: Release::MidTermEvaluation },
        Instalment { kind: PaymentKind::Final, share_bp: 3667, released_by: Release::Acceptance },
    ];

    #[test]
    fn a_settlement_term_adds_up_and_pays_its_balance_on_acceptance() {
        assert!(check_instalments(&THREE_WAY).is_ok());
        assert!(check_instalments(&ALL_ON_ACCEPTANCE).is_ok());
        let early_balance = [Instalment { kind: PaymentKind::Final, share_bp: 10_000, released_by: Release::Signing }];
        let fields = |e: DomainError| match e {
            DomainError::Validation(f) => f.into_iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(check_instalments(&early_balance).unwrap_err()),
            [("instalments[0].released_by".into(), "release_not_allowed".into())]
        );
        let short = [Instalment { kind: PaymentKind::Final, share_bp: 9000, released_by: Release::Acceptance }];
        assert_eq!(fields(check_instalments(&short).unwrap_err()), [("instalments".into(), "shares_do_not_add_up".into())]);
        let no_balance = [Instalment { kind: PaymentKind::Advance, share_bp: 10_000, released_by: Release::Signing }];
        assert_eq!(fields(check_instalments(&no_balance).unwrap_err()), [("instalments".into(), "one_final_instalment".into())]);
    }

    #[test]
    fn payments_never_run_ahead_of_what_is_released() {
        let signed = Released { signed: true, ..Released::default() };
        assert_eq!(released_fen(50_000, &THREE_WAY, PaymentKind::Advance, signed), 15_000);
        assert_eq!(released_fen(50_000, &THREE_WAY, PaymentKind::Progress, signed), 0, "the mid-term evaluation has not passed");
        let mid = Released { mid_term_passed: true, ..signed };
        assert_eq!(released_fen(50_000, &THREE_WAY, PaymentKind::Progress, mid), 16_665);
        assert_eq!(released_fen(50_000, &THREE_WAY, PaymentKind::Final, mid), 0, "the balance waits for acceptance");
        let accepted = Released { accepted: true, ..mid };
        assert_eq!(
            released_fen(50_000, &THREE_WAY, PaymentKind::Final, accepted),
            50_000 - 15_000 - 16_665,
            "the balance loses nothing to rounding"
        );
        assert!(check_payment_released(PaymentKind::Advance, 15_000, 10_000, 5_000).is_ok());
        match check_payment_released(PaymentKind::Progress, 0, 0, 40_000).unwrap_err() {
            DomainError::RuleWithDetails { code, details, .. } => {
                assert_eq!((code, details["released_fen"].as_i64()), ("payment_not_released", Some(0)));
            }
            other => panic!("{other:?}"),
        }
    }
}
