//! `Phone`: a mainland mobile (11 digits, `1[3-9]…`) or landline
//! (`0` + 2–3 digit area code + 7–8 digits) number, stored without separators.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts spaces and hyphens, and a `+86`/`86` prefix on mobiles.
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits).to_string();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("must contain only digits, spaces, hyphens and a +86 prefix".into());
        }
        let bytes = digits.as_bytes();
        let mobile = bytes.len() == 11 && bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1]);
        let landline = bytes.first() == Some(&b'0') && bytes.get(1) != Some(&b'0') && (10..=12).contains(&bytes.len());
        if mobile || landline {
            Ok(Self(digits))
        } else {
            Err("must be a mainland mobile (11 digits starting 13-19) or a landline with its area code".into())
        }
    }

    pub fn parse_field(input: &str, field: &str) -> Result<Self, DomainError> {
        Self::parse(input).map_err(|message| DomainError::field(field, "phone_invalid", message))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `139****5678`: the first three and last four digits.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(n - 7), &self.0[n - 4..])
    }
}

impl fmt::Display for Phone {
    /// Displays the masked form, so a number never lands in a log by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> Self {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mobiles_and_masks_them() {
        let phone = Phone::parse("+86 139-1234-5678").unwrap();
        assert_eq!(phone.as_str(), "13912345678");
        assert_eq!(phone.masked(), "139****5678");
        assert_eq!(phone.to_string(), "139****5678");
    }

    #[test]
    fn accepts_landlines() {
        assert_eq!(Phone::parse("0952-2012345").unwrap().as_str(), "09522012345");
        assert_eq!(Phone::parse("010-12345678").unwrap().masked(), "010****5678");
    }

    #[test]
    fn rejects_bad_numbers() {
        for bad in ["12912345678", "1391234567", "139123456789", "abc", "", "00952201234", "0952", "1391234567x"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
