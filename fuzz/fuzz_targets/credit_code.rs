//! Any text given as a unified social credit code: parsing never panics,
//! and what parses prints back to itself.
#![no_main]
use jiuzhu_core::CreditCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(code) = CreditCode::parse(input) {
        let printed = code.to_string();
        assert_eq!(CreditCode::parse(&printed).map(|again| again.to_string()).ok(), Some(printed));
    }
});
