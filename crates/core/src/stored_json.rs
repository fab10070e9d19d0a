//! JSON kept in TEXT columns: one way to write a value into a column and
//! one way to read it back. Stored text that does not parse is an error
//! naming the column (a 500: the database holds what jiuzhu never wrote),
//! never a silent default that would, say, switch a rule off.

use crate::error::DomainError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The column text of `value`.
pub fn to_column<T: Serialize>(value: &T) -> Result<String, DomainError> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(format!("cannot store JSON: {e}")))
}

/// The value stored in `column` as `text`.
pub fn from_column<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, DomainError> {
    serde_json::from_str(text).map_err(|e| DomainError::Internal(format!("stored {column} is not valid JSON of its type: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_round_trips_and_corrupt_text_is_an_error_naming_its_column() {
        let text = to_column(&vec!["meals", "bathing"]).unwrap();
        assert_eq!(from_column::<Vec<String>>("services.covered_by_material", &text).unwrap(), ["meals", "bathing"]);
        let Err(DomainError::Internal(message)) = from_column::<Vec<String>>("services.covered_by_material", "[\"meals\"") else {
            panic!("corrupt text must be an error");
        };
        assert!(message.contains("services.covered_by_material"), "{message}");
    }
}
