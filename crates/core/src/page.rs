//! Keyset pagination: `limit` (1–500, default 50) and an opaque cursor that
//! encodes the last key seen, so pages stay stable under concurrent inserts.

use crate::error::DomainError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::ToSchema;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;
const CURSOR_VERSION: &str = "k1:";
const MAX_CURSOR_LEN: usize = 512;

/// The position after which the next page starts. Clients treat it as opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor positioned after the record with this key.
    pub fn after(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn key(&self) -> &str {
        &self.0
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_VERSION}{}", self.0))
    }

    pub fn decode(token: &str) -> Result<Self, DomainError> {
        let invalid = || DomainError::field("cursor", "cursor_invalid", "cursor is not one this API issued; start again without it");
        if token.is_empty() || token.len() > MAX_CURSOR_LEN {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let key = text.strip_prefix(CURSOR_VERSION).ok_or_else(invalid)?;
        if key.is_empty() {
            return Err(invalid());
        }
        Ok(Self(key.to_string()))
    }
}

crate::coded_enum! {
    /// Which way a list runs by its key (creation order for ids).
    #[derive(Default)]
    pub enum SortOrder as "sort_order" {
        /// Oldest first
        #[default]
        Asc = "asc", "升序", "Ascending";
        /// Newest first
        Desc = "desc", "降序", "Descending";
    }
}

/// A descending cursor's key carries this mark, so a cursor only continues
/// the order that issued it.
const DESCENDING_MARK: &str = "-";

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Cursor>,
    pub order: SortOrder,
}

impl PageRequest {
    /// Validates raw query values. A limit over 500 is an error, never a silent cap.
    pub fn new(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, DomainError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(DomainError::field("limit", "range", format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        let after = cursor.map(Cursor::decode).transpose()?;
        Ok(Self { limit, after, order: SortOrder::Asc })
    }

    /// The same request in the given order.
    pub fn ordered(mut self, order: SortOrder) -> Self {
        self.order = order;
        self
    }

    /// The key of the last row already served, read back as the list's key
    /// type (an id or a sequence number); `None` on the first page. A cursor
    /// issued for the other order is refused.
    pub fn after_key<K: std::str::FromStr>(&self) -> Result<Option<K>, DomainError> {
        let invalid = || DomainError::field("cursor", "cursor_invalid", "cursor is not one this list issued in this order");
        self.after
            .as_ref()
            .map(|after| {
                let key = match self.order {
                    SortOrder::Asc if after.key().starts_with(DESCENDING_MARK) => return Err(invalid()),
                    SortOrder::Asc => after.key(),
                    SortOrder::Desc => after.key().strip_prefix(DESCENDING_MARK).ok_or_else(invalid)?,
                };
                key.parse().map_err(|_| invalid())
            })
            .transpose()
    }

    /// Rows to fetch: one more than the limit tells whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.limit) + 1
    }

    /// Cuts the over-fetched rows to a page; `key` gives the cursor key of a row.
    pub fn into_page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> String) -> Page<T> {
        let has_more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let mark = if self.order == SortOrder::Desc { DESCENDING_MARK } else { "" };
        let next_cursor = if has_more { rows.last().map(|row| Cursor::after(format!("{mark}{}", key(row))).encode()) } else { None };
        Page { items: rows, next_cursor }
    }
}

/// One page of a list: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A list short enough to be always whole (a reference table): one page,
    /// no cursor, in the same envelope as every other list.
    pub fn complete(items: Vec<T>) -> Self {
        Self { items, next_cursor: None }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }

    /// `map` with a conversion that can fail (a stored row read into its view).
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_, _>>()?, next_cursor: self.next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let cursor = Cursor::after("0190a0b2-0000-7000-8000-000000000001");
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn a_cursor_continues_only_the_order_that_issued_it() {
        let desc = PageRequest::new(Some(1), None).unwrap().ordered(SortOrder::Desc);
        let page = desc.into_page(vec![9_i64, 8], |n| n.to_string());
        let cursor = page.next_cursor.unwrap();
        let next = PageRequest::new(None, Some(&cursor)).unwrap().ordered(SortOrder::Desc);
        assert_eq!(next.after_key::<i64>().unwrap(), Some(9));
        let mixed = PageRequest::new(None, Some(&cursor)).unwrap();
        assert!(mixed.after_key::<i64>().is_err(), "a descending cursor cannot continue an ascending list");
        let asc_cursor = PageRequest::new(Some(1), None).unwrap().into_page(vec![1_i64, 2], |n| n.to_string()).next_cursor.unwrap();
        assert!(PageRequest::new(None, Some(&asc_cursor)).unwrap().ordered(SortOrder::Desc).after_key::<i64>().is_err());
    }

    #[test]
    fn foreign_cursors_are_rejected() {
        for bad in ["", "not base64!", "aGVsbG8", &"A".repeat(600), &URL_SAFE_NO_PAD.encode("k1:")] {
            assert!(matches!(Cursor::decode(bad), Err(DomainError::Validation(_))), "{bad}");
        }
    }

    #[test]
    fn after_key_reads_the_list_key_or_names_the_cursor() {
        assert_eq!(PageRequest::new(None, None).unwrap().after_key::<i64>().unwrap(), None);
        let page = PageRequest::new(None, Some(&Cursor::after("42").encode())).unwrap();
        assert_eq!(page.after_key::<i64>().unwrap(), Some(42));
        let Err(DomainError::Validation(fields)) = page.after_key::<uuid::Uuid>() else { panic!("a number is not an id") };
        assert_eq!((fields[0].field.as_str(), fields[0].code.as_str()), ("cursor", "cursor_invalid"));
    }

    #[test]
    fn try_map_keeps_the_cursor_or_fails_whole() {
        let page = Page { items: vec![1, 2], next_cursor: Some("c".to_string()) };
        let mapped: Result<Page<i32>, String> = page.clone().try_map(|n| Ok(n * 10));
        assert_eq!(mapped.as_ref().map(|p| (p.items.clone(), p.next_cursor.clone())), Ok((vec![10, 20], Some("c".to_string()))));
        assert_eq!(page.try_map(|n| if n == 2 { Err("bad row".to_string()) } else { Ok(n) }).err(), Some("bad row".to_string()));
    }

    #[test]
    fn limit_defaults_and_is_bounded() {
        assert_eq!(PageRequest::new(None, None).unwrap().limit, 50);
        assert_eq!(PageRequest::new(Some(500), None).unwrap().limit, 500);
        assert!(PageRequest::new(Some(501), None).is_err());
        assert!(PageRequest::new(Some(0), None).is_err());
    }

    #[test]
    fn into_page_sets_a_cursor_only_when_more_rows_exist() {
        let request = PageRequest::new(Some(2), None).unwrap();
        let page = request.into_page(vec![1, 2, 3], |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(Cursor::decode(page.next_cursor.as_deref().unwrap()).unwrap().key(), "2");
        let last = request.into_page(vec![1, 2], |n| n.to_string());
        assert_eq!(last.next_cursor, None);
    }
}
