//! Work put under contracts: a service order checked against the contract
//! it claims, read and locked in the order's own transaction (so the
//! contract cannot end between the check and the order), and matching that
//! ranks first the holders of the contracts bearing on the caller's area.

use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_matching::matches::{self, BatchResult, MatchRequest, MatchResult};
use jiuzhu_matching::orders::{self, CreateOrder, OrderView};
use jiuzhu_matching::ranking::Holding;
use jiuzhu_matching::rules::ContractTerms;
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_procurement::contracts::{self, HeldContract};

fn terms_of(contract: HeldContract) -> ContractTerms {
    ContractTerms {
        provider_id: contract.provider_id,
        active: contract.active,
        services: contract.services,
        region_code: contract.region.to_string(),
    }
}

fn holding_of(contract: HeldContract) -> Holding {
    Holding {
        contract_id: contract.id,
        provider_id: contract.provider_id,
        region: contract.region,
        service_codes: contract.services.into_iter().map(|(code, _)| code).collect(),
    }
}

/// Sends a service to a person: the order and, when it claims a contract,
/// the contract's terms, in one transaction.
pub async fn create_order(db: &Db, ctx: &Context, input: CreateOrder) -> Result<OrderView, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    let txn = db.begin_write().await?;
    let terms = match input.contract_id {
        Some(id) => contracts::held_for_update(&*txn, id).await?.map(terms_of),
        None => None,
    };
    let order = orders::create_in(db, &txn, ctx, input, terms).await?;
    txn.commit().await?;
    Ok(order)
}

async fn holdings(db: &Db, ctx: &Context) -> Result<Vec<Holding>, DomainError> {
    Ok(contracts::active_bearing_on_caller(db.conn(), ctx).await?.into_iter().map(holding_of).collect())
}

/// Candidates for one need, contract holders first.
pub async fn match_need(db: &Db, ctx: &Context, request: MatchRequest, explain: bool) -> Result<MatchResult, DomainError> {
    let holdings = holdings(db, ctx).await?;
    matches::find(db, ctx, request, explain, &holdings).await
}

/// Proposals for every open need of a region, contract holders first.
pub async fn match_region(db: &Db, ctx: &Context, region_code: &str) -> Result<BatchResult, DomainError> {
    let holdings = holdings(db, ctx).await?;
    matches::batch(db, ctx, region_code, &holdings).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_core::RegionCode;

    fn contract() -> HeldContract {
        HeldContract {
            id: uuid::Uuid::from_u128(1),
            provider_id: uuid::Uuid::from_u128(2),
            active: true,
            services: vec![("meals".into(), 300), ("bathing".into(), 20)],
            region: RegionCode::parse("640202").unwrap(),
        }
    }

    #[test]
    fn a_contract_reads_as_the_terms_an_order_is_checked_against() {
        let terms = terms_of(contract());
        assert_eq!((terms.provider_id, terms.active, terms.region_code.as_str()), (uuid::Uuid::from_u128(2), true, "640202"));
        assert_eq!((terms.quantity_of("meals"), terms.quantity_of("bathing"), terms.quantity_of("visits")), (300, 20, 0));
    }

    #[test]
    fn a_contract_reads_as_the_holding_ranking_prefers() {
        let holding = holding_of(contract());
        assert_eq!((holding.contract_id, holding.provider_id), (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2)));
        assert_eq!(holding.service_codes, ["meals", "bathing"]);
        assert_eq!(holding.region.as_str(), "640202");
    }
}
