//! Batch assignment of a region's open needs to providers within
//! capacity, highest priority first, contract holders of the area first.

use serde::Serialize;
use utoipa::ToSchema;

/// One open need for batch matching.
#[derive(Debug, Clone)]
pub struct BatchNeed {
    pub id: uuid::Uuid,
    pub service_code: String,
    pub region: jiuzhu_core::RegionCode,
    /// Higher first.
    pub priority: u8,
}

/// One provider for batch matching, with its capacity by service.
#[derive(Debug, Clone)]
pub struct BatchProvider {
    pub id: uuid::Uuid,
    pub eligible: bool,
    pub services: Vec<String>,
    pub regions: Vec<jiuzhu_core::RegionCode>,
    pub capacity: std::collections::BTreeMap<String, u32>,
    pub valid_qualification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Proposal {
    pub need_id: uuid::Uuid,
    pub provider_id: uuid::Uuid,
    pub score: u32,
    /// The contract the order would go under, when the provider holds one.
    pub contract_id: Option<uuid::Uuid>,
}

/// Assigns open needs to providers within capacity: needs go in order of
/// priority then id; each takes the holder of the area's contract for the
/// service, else the best-scoring provider, that serves its region, offers
/// the service and has a unit left. Deterministic for the same data.
/// Providers are scored once per (service, region), so the cost is about
/// needs × log + groups × providers.
pub fn batch_assign(
    needs: &[BatchNeed],
    providers: &[BatchProvider],
    holdings: &[crate::ranking::Holding],
) -> (Vec<Proposal>, Vec<uuid::Uuid>) {
    use std::collections::{BTreeMap, HashMap};
    let mut order: Vec<&BatchNeed> = needs.iter().collect();
    order.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    let mut left: HashMap<(usize, &str), u32> = HashMap::new();
    for (i, p) in providers.iter().enumerate() {
        for (service, units) in &p.capacity {
            left.insert((i, service.as_str()), *units);
        }
    }
    type Candidate = (usize, u32, Option<uuid::Uuid>);
    let mut ranked_for: BTreeMap<(String, String), Vec<Candidate>> = BTreeMap::new();
    let mut proposals = Vec::with_capacity(needs.len());
    let mut unassigned = Vec::new();
    for need in order {
        let key = (need.service_code.clone(), need.region.to_string());
        let candidates = ranked_for.entry(key).or_insert_with(|| {
            let mut list: Vec<Candidate> = providers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.eligible && p.services.iter().any(|s| s == &need.service_code))
                .filter_map(|(i, p)| {
                    let level = p.regions.iter().filter(|r| need.region.is_within(r)).map(|r| r.level()).max()?;
                    let coverage = match level {
                        jiuzhu_core::RegionLevel::Village => 40,
                        jiuzhu_core::RegionLevel::Township => 30,
                        jiuzhu_core::RegionLevel::County => 20,
                        _ => 10,
                    };
                    let contract = crate::ranking::holding_contract(holdings, p.id, &need.service_code, &need.region);
                    Some((i, coverage + if p.valid_qualification { 15 } else { 0 }, contract))
                })
                .collect();
            list.sort_by(|a, b| b.2.is_some().cmp(&a.2.is_some()).then(b.1.cmp(&a.1)).then(providers[a.0].id.cmp(&providers[b.0].id)));
            list
        });
        let chosen = candidates.iter().find(|(i, ..)| left.get(&(*i, need.service_code.as_str())).is_some_and(|units| *units > 0)).copied();
        match chosen {
            Some((i, score, contract_id)) => {
                if let Some(units) = left.get_mut(&(i, need.service_code.as_str())) {
                    *units -= 1;
                }
                proposals.push(Proposal { need_id: need.id, provider_id: providers[i].id, score, contract_id });
            }
            None => unassigned.push(need.id),
        }
    }
    (proposals, unassigned)
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use jiuzhu_core::RegionCode;

    fn need(n: u128, priority: u8) -> BatchNeed {
        BatchNeed {
            id: uuid::Uuid::from_u128(n),
            service_code: "meals".into(),
            region: RegionCode::parse("640202001001").unwrap(),
            priority,
        }
    }

    fn provider(n: u128, region: &str, units: u32) -> BatchProvider {
        BatchProvider {
            id: uuid::Uuid::from_u128(n),
            eligible: true,
            services: vec!["meals".into()],
            regions: vec![RegionCode::parse(region).unwrap()],
            capacity: [("meals".to_string(), units)].into_iter().collect(),
            valid_qualification: true,
        }
    }

    #[test]
    fn capacity_is_respected_and_high_priority_goes_first() {
        let needs = [need(1, 1), need(2, 3), need(3, 2)];
        let providers = [provider(10, "640202001", 1), provider(11, "640202", 1)];
        let (proposals, unassigned) = batch_assign(&needs, &providers, &[]);
        let first = Proposal { need_id: uuid::Uuid::from_u128(2), provider_id: uuid::Uuid::from_u128(10), score: 45, contract_id: None };
        assert_eq!(proposals[0], first);
        assert_eq!(proposals[1].provider_id, uuid::Uuid::from_u128(11));
        assert_eq!(unassigned, [uuid::Uuid::from_u128(1)], "the lowest priority waits when capacity runs out");
    }

    #[test]
    fn batch_assignment_is_deterministic() {
        let needs: Vec<BatchNeed> = (0..50).map(|n| need(n, (n % 3) as u8)).collect();
        let providers = [provider(10, "640202", 20), provider(11, "640202001", 10)];
        let mut shuffled = needs.clone();
        shuffled.reverse();
        assert_eq!(batch_assign(&needs, &providers, &[]), batch_assign(&shuffled, &providers, &[]));
    }

    #[test]
    fn the_contract_holder_takes_the_needs_of_its_area_first() {
        let needs = [need(1, 3), need(2, 2)];
        let providers = [provider(10, "640202001", 5), provider(11, "640202", 1)];
        let holding = crate::ranking::Holding {
            contract_id: uuid::Uuid::from_u128(99),
            provider_id: uuid::Uuid::from_u128(11),
            region: RegionCode::parse("640202").unwrap(),
            service_codes: vec!["meals".into()],
        };
        let (proposals, _) = batch_assign(&needs, &providers, &[holding]);
        assert_eq!((proposals[0].provider_id, proposals[0].contract_id), (uuid::Uuid::from_u128(11), Some(uuid::Uuid::from_u128(99))));
        assert_eq!(
            (proposals[1].provider_id, proposals[1].contract_id),
            (uuid::Uuid::from_u128(10), None),
            "the holder's capacity is used up"
        );
    }
}
