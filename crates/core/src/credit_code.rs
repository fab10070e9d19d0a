//! `CreditCode`: the 18-character unified social credit code of GB 32100-2015
//! (统一社会信用代码) that identifies every provider, with its check character.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The 31 characters of the code's alphabet: digits and capitals without I, O, S, V, Z.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    Length(usize),
    Character(usize),
    AreaCode,
    Checksum { expected: char },
}

impl CreditCodeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length(_) => "credit_code_length",
            Self::Character(_) => "credit_code_character",
            Self::AreaCode => "credit_code_area",
            Self::Checksum { .. } => "credit_code_checksum",
        }
    }
}

impl fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "must be 18 characters, got {n}"),
            Self::Character(i) => {
                write!(f, "character {} is not in the GB 32100 alphabet (digits and capitals except I, O, S, V, Z)", i + 1)
            }
            Self::AreaCode => write!(f, "characters 3 to 8 must be a six-digit administrative area code"),
            Self::Checksum { expected } => write!(f, "check character should be {expected}"),
        }
    }
}

fn value_of(byte: u8) -> Option<u32> {
    ALPHABET.iter().position(|&c| c == byte).map(|p| p as u32)
}

/// The GB 32100 check character for the first 17 characters, which must be in the alphabet.
pub fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (byte, weight) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*byte)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(ALPHABET[check as usize]))
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let value = input.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 18 {
            return Err(CreditCodeError::Length(value.chars().count()));
        }
        if let Some(i) = bytes.iter().position(|b| value_of(*b).is_none()) {
            return Err(CreditCodeError::Character(i));
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::AreaCode);
        }
        let expected = check_character(&bytes[..17]).ok_or(CreditCodeError::Character(0))?;
        if char::from(bytes[17]) != expected {
            return Err(CreditCodeError::Checksum { expected });
        }
        Ok(Self(value))
    }

    pub fn parse_field(input: &str, field: &str) -> Result<Self, DomainError> {
        Self::parse(input).map_err(|e| DomainError::field(field, e.code(), e.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registering authority (登记管理部门码), e.g. `5` for civil affairs, `9` for market regulation.
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.to_string())
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Codes published on national enterprise credit records.
    const PUBLISHED: [&str; 2] = ["914403001922038216", "91110000100010433L"];

    #[test]
    fn accepts_published_codes() {
        for code in PUBLISHED {
            assert!(CreditCode::parse(code).is_ok(), "{code}: {:?}", CreditCode::parse(code));
        }
        assert_eq!(CreditCode::parse(PUBLISHED[0]).unwrap().registration_authority(), '9');
    }

    #[test]
    fn accepts_lower_case() {
        assert_eq!(CreditCode::parse("91110000100010433l").unwrap().as_str(), "91110000100010433L");
    }

    #[test]
    fn rejects_altered_check_characters() {
        assert!(matches!(CreditCode::parse("914403001922038217"), Err(CreditCodeError::Checksum { expected: '6' })));
        assert!(matches!(CreditCode::parse("91110000100010433M"), Err(CreditCodeError::Checksum { expected: 'L' })));
        assert!(matches!(CreditCode::parse("914403001922038316"), Err(CreditCodeError::Checksum { .. })));
    }

    #[test]
    fn rejects_wrong_lengths_letters_and_areas() {
        assert_eq!(CreditCode::parse("91440300192203821"), Err(CreditCodeError::Length(17)));
        assert_eq!(CreditCode::parse("9144030019220382161"), Err(CreditCodeError::Length(19)));
        assert_eq!(CreditCode::parse("91440300192203821I"), Err(CreditCodeError::Character(17)));
        assert_eq!(CreditCode::parse("9144O3001922038216"), Err(CreditCodeError::Character(4)));
        assert_eq!(CreditCode::parse("91A40300192203821X"), Err(CreditCodeError::AreaCode));
    }

    #[test]
    fn check_character_is_zero_when_sum_is_a_multiple_of_31() {
        // Seventeen zeros sum to 0, so the check is (31 - 0) % 31 = 0.
        assert_eq!(check_character(b"00000000000000000"), Some('0'));
    }
}
