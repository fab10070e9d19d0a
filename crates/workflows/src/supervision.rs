//! A contract's books (the provider's ledger, the purchaser's supervision
//! record, payments), where the supervision record also holds matching's
//! random inspections of the contract: one page of each after the cursor,
//! merged, holds the page of both.

use jiuzhu_core::codes::code_of;
use jiuzhu_core::{Context, DomainError, Page, PageRequest, SortOrder};
use jiuzhu_matching::inspections::{self, InspectionView};
use jiuzhu_platform::Db;
use jiuzhu_procurement::contracts::{self, Book, EntryView};
use uuid::Uuid;

/// An inspection as a line of the contract's supervision record.
fn as_entry(contract_id: Uuid, found: InspectionView) -> EntryView {
    EntryView {
        id: found.id,
        contract_id,
        book: Book::Supervision,
        kind: format!("inspection:{}:{}", code_of(found.method), code_of(found.result)),
        service_code: None,
        quantity: None,
        amount_fen: None,
        note: found.findings,
        recorded_by: found.inspector,
        created_at: found.created_at,
    }
}

/// One page of contract `id`'s `book`.
pub async fn entries(db: &Db, ctx: &Context, id: Uuid, book: Book, page: PageRequest) -> Result<Page<EntryView>, DomainError> {
    let mut entries = contracts::entries_after(db, ctx, id, book, &page).await?;
    if book == Book::Supervision {
        for found in inspections::for_contract(db.conn(), id, &page).await? {
            entries.push(as_entry(id, found));
        }
        entries.sort_by_key(|e| e.id);
        if page.order == SortOrder::Desc {
            entries.reverse();
        }
    }
    Ok(page.into_page(entries, |e| e.id.to_string()))
}
