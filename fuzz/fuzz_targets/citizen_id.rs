//! Any text given as an ID number: parsing never panics, what parses reads
//! back to itself, and its masked form never shows the middle eight digits.
#![no_main]
use jiuzhu_core::CitizenId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(id) = CitizenId::parse(input) {
        let again = CitizenId::parse(id.as_str()).expect("a parsed ID parses again");
        assert_eq!(again.as_str(), id.as_str());
        let shown = id.to_string();
        assert_eq!(shown, id.masked(), "Display masks");
        assert_eq!(&shown[6..14], "********");
        let _ = (id.birth_date(), id.sex(), id.area_code());
    }
});
