//! Any text as a list cursor: decoding never panics, and a cursor that
//! decodes encodes back to one that decodes the same.
#![no_main]
use jiuzhu_core::{Cursor, PageRequest, SortOrder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(cursor) = Cursor::decode(input) {
        assert_eq!(Cursor::decode(&cursor.encode()).ok(), Some(cursor));
    }
    for order in [SortOrder::Asc, SortOrder::Desc] {
        if let Ok(page) = PageRequest::new(Some(10), Some(input)) {
            let _ = page.ordered(order).after_key::<i64>();
        }
    }
});
