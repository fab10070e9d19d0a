//! `CitizenId`: the 18-character resident identity number of GB 11643-1999,
//! with its birth date and the MOD 11-2 check character.

use crate::error::DomainError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

crate::coded_enum! {
    /// Sex as encoded by the 17th character (odd: male).
    pub enum Sex as "sex" {
        Male = "male", "男", "Male";
        Female = "female", "女", "Female";
    }
}

/// A citizen ID that passed every check of GB 11643. A lower-case `x` is
/// accepted and stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitizenId(String);

/// Why a string is not a citizen ID; each maps to a stable field error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenIdError {
    Length(usize),
    Character(usize),
    BirthDate(String),
    Checksum { expected: char },
}

impl CitizenIdError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length(_) => "citizen_id_length",
            Self::Character(_) => "citizen_id_character",
            Self::BirthDate(_) => "citizen_id_birth_date",
            Self::Checksum { .. } => "citizen_id_checksum",
        }
    }
}

impl fmt::Display for CitizenIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "must be 18 characters, got {n}"),
            Self::Character(i) => write!(f, "character {} must be a digit", i + 1),
            Self::BirthDate(d) => write!(f, "birth date {d} is not a real date"),
            Self::Checksum { expected } => write!(f, "check digit should be {expected}"),
        }
    }
}

/// The GB 11643 MOD 11-2 check character for the first 17 digits.
pub fn check_character(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl CitizenId {
    pub fn parse(input: &str) -> Result<Self, CitizenIdError> {
        let value = input.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 18 {
            return Err(CitizenIdError::Length(value.chars().count()));
        }
        if let Some(i) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(CitizenIdError::Character(i));
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(CitizenIdError::Character(17));
        }
        let birth = &value[6..14];
        let date = NaiveDate::parse_from_str(birth, "%Y%m%d").map_err(|_| CitizenIdError::BirthDate(birth.to_string()))?;
        if date.year() < 1850 {
            return Err(CitizenIdError::BirthDate(birth.to_string()));
        }
        let expected = check_character(&bytes[..17]);
        if char::from(bytes[17]) != expected {
            return Err(CitizenIdError::Checksum { expected });
        }
        Ok(Self(value))
    }

    /// Parses, turning a failure into a validation error on `field`.
    pub fn parse_field(input: &str, field: &str) -> Result<Self, DomainError> {
        Self::parse(input).map_err(|e| DomainError::field(field, e.code(), e.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative code of the place of first registration.
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        // parse() proved these eight digits are a valid date.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// Whole years of age on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date()).unwrap_or(0)
    }

    /// Years between the birth year and `on`'s year: the age reached in
    /// `on`'s calendar year, which changes for everyone on 1 January and so
    /// never tells a birthday.
    pub fn age_in_year_of(&self, on: NaiveDate) -> u32 {
        u32::try_from(on.year() - self.birth_date().year()).unwrap_or(0)
    }

    /// `640202********123X`: the first six and last four characters.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Display for CitizenId {
    /// Displays the masked form, so an ID never lands in a log by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl TryFrom<String> for CitizenId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.to_string())
    }
}

impl From<CitizenId> for String {
    fn from(id: CitizenId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked examples printed in GB 11643-1999 itself.
    const STANDARD_FEMALE: &str = "11010519491231002X";
    const STANDARD_MALE: &str = "440524188001010014";

    #[test]
    fn accepts_the_standards_published_examples() {
        let id = CitizenId::parse(STANDARD_FEMALE).unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.area_code(), "110105");
        let id = CitizenId::parse(STANDARD_MALE).unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1880, 1, 1).unwrap());
        assert_eq!(id.sex(), Sex::Male);
    }

    #[test]
    fn accepts_lower_case_x_and_normalises_it() {
        assert_eq!(CitizenId::parse("11010519491231002x").unwrap().as_str(), STANDARD_FEMALE);
    }

    #[test]
    fn rejects_an_altered_check_digit() {
        assert_eq!(CitizenId::parse("110105194912310021"), Err(CitizenIdError::Checksum { expected: 'X' }));
        assert_eq!(CitizenId::parse("440524188001010015"), Err(CitizenIdError::Checksum { expected: '4' }));
    }

    #[test]
    fn rejects_an_altered_body_digit() {
        // One digit of the sequence changed: the old check digit no longer fits.
        assert!(matches!(CitizenId::parse("11010519491231003X"), Err(CitizenIdError::Checksum { .. })));
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in ["110105194902300021", "110105194913010021", "110105190002290021", "110105180001010021"] {
            assert!(matches!(CitizenId::parse(bad), Err(CitizenIdError::BirthDate(_))), "{bad}");
        }
    }

    #[test]
    fn rejects_wrong_lengths_and_characters() {
        assert_eq!(CitizenId::parse("11010519491231002"), Err(CitizenIdError::Length(17)));
        assert_eq!(CitizenId::parse("11010519491231002XX"), Err(CitizenIdError::Length(19)));
        assert_eq!(CitizenId::parse(""), Err(CitizenIdError::Length(0)));
        assert_eq!(CitizenId::parse("1101051949123100X2"), Err(CitizenIdError::Character(16)));
        assert_eq!(CitizenId::parse("11010519491231002Y"), Err(CitizenIdError::Character(17)));
        assert_eq!(CitizenId::parse("１１０１０５１９４９"), Err(CitizenIdError::Length(10)));
    }

    #[test]
    fn masks_the_middle_and_displays_masked() {
        let id = CitizenId::parse(STANDARD_FEMALE).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.to_string(), "110105********002X");
    }

    #[test]
    fn computes_age_on_a_date() {
        let id = CitizenId::parse(STANDARD_FEMALE).unwrap();
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()), 74);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()), 75);
    }

    #[test]
    fn serde_rejects_invalid_ids() {
        assert!(serde_json::from_str::<CitizenId>("\"110105194912310021\"").is_err());
        let ok: CitizenId = serde_json::from_str("\"11010519491231002X\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"11010519491231002X\"");
    }
}
