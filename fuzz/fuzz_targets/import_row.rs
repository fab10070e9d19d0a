//! Any bytes as an uploaded import row, NDJSON or CSV: the row parser
//! answers a value or field errors, never a panic.
#![no_main]
use jiuzhu_intake::import::{csv_header, parse_csv, parse_ndjson};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "name,id_number,region_code,category,valid_from,valid_to,support_mode,gender,phone,address,groups,disability_level\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_ndjson(text);
    let upload = format!("{HEADER}{text}");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(upload.as_bytes());
    let Ok(header) = reader.headers().cloned() else { return };
    let Ok(columns) = csv_header(&header) else { return };
    for record in reader.records().flatten() {
        let _ = parse_csv(&columns, &record);
    }
});
