//! A sanction against a provider (弄虚作假、不正当竞争) and its effects, in
//! one transaction: a city-level decision bars the provider for three
//! years (supply's provider), the provider's contracts of that year in
//! the decider's region end (procurement), its open orders there are
//! cancelled (matching), and the sanction is stored with its audit row.

use jiuzhu_core::{Context, DomainError};
use jiuzhu_matching::orders;
use jiuzhu_platform::Db;
use jiuzhu_procurement::contracts::{self, SanctionInput, SanctionView};
use jiuzhu_supply::providers;
use uuid::Uuid;

/// Records a finding against `provider_id` and carries out its effects.
pub async fn sanction_provider(db: &Db, ctx: &Context, provider_id: Uuid, input: SanctionInput) -> Result<SanctionView, DomainError> {
    let decision = contracts::decide_sanction(db, ctx, input).await?;
    let txn = db.begin_write().await?;
    if decision.city_wide {
        providers::bar(&*txn, ctx, provider_id, decision.barred_until).await?;
    } else {
        // The provider must be one the decider can see, as for the bar.
        providers::get_in(&*txn, ctx, provider_id).await?;
    }
    let terminated = contracts::terminate_for_sanction(&*txn, ctx, provider_id, &decision).await?;
    let cancelled = orders::cancel_open_for_provider(&*txn, ctx, provider_id, "provider sanctioned").await?;
    let view = contracts::record_sanction(&*txn, ctx, provider_id, decision, terminated, cancelled).await?;
    txn.commit().await?;
    Ok(view)
}
