//! Personal-data masking for responses: ID numbers keep their first 6 and
//! last 4 characters, phones their first 3 and last 4, names their first
//! character and two stars. The eight hidden digits of an ID number are the
//! birth date, so a masked answer never carries the birth date, and carries
//! the age only as reached in the current year (which moves on 1 January
//! for everyone, not on a birthday): from a masked answer about 33 ID
//! numbers (366 dates, one in 11 with the right check digit) remain.

use crate::{CitizenId, Phone};
use chrono::NaiveDate;

/// Whether a response may carry full personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pii {
    Masked,
    Revealed,
}

impl Pii {
    pub fn phone(self, phone: &Phone) -> String {
        match self {
            Pii::Masked => phone.masked(),
            Pii::Revealed => phone.as_str().to_string(),
        }
    }

    pub fn citizen_id(self, id: &CitizenId) -> String {
        match self {
            Pii::Masked => id.masked(),
            Pii::Revealed => id.as_str().to_string(),
        }
    }

    /// Names keep their first character (the family name) and two stars,
    /// whatever their length: `张秀兰` → `张**`, `欧阳娜娜` → `欧**`.
    pub fn name(self, name: &str) -> String {
        match self {
            Pii::Masked => name.chars().take(1).chain("**".chars()).collect(),
            Pii::Revealed => name.to_string(),
        }
    }

    /// The birth date, only when revealed.
    pub fn birth_date(self, id: &CitizenId) -> Option<NaiveDate> {
        match self {
            Pii::Masked => None,
            Pii::Revealed => Some(id.birth_date()),
        }
    }

    /// Whole years of age on `today` when revealed; masked, the age reached
    /// in `today`'s year, which does not tell the birthday.
    pub fn age(self, id: &CitizenId, today: NaiveDate) -> u32 {
        match self {
            Pii::Masked => id.age_in_year_of(today),
            Pii::Revealed => id.age_on(today),
        }
    }

    /// Masks a stored phone string; a value that no longer parses is hidden whole.
    pub fn stored_phone(self, stored: &str) -> String {
        match Phone::parse(stored) {
            Ok(phone) => self.phone(&phone),
            Err(_) => "*".repeat(stored.len().min(11)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_unless_revealed() {
        let phone = Phone::parse("13912345678").unwrap();
        assert_eq!(Pii::Masked.phone(&phone), "139****5678");
        assert_eq!(Pii::Revealed.phone(&phone), "13912345678");
        let id = CitizenId::parse("11010519491231002X").unwrap();
        assert_eq!(Pii::Masked.citizen_id(&id), "110105********002X");
        assert_eq!(Pii::Masked.stored_phone("garbage"), "*******");
        assert_eq!(
            (Pii::Masked.name("张秀兰"), Pii::Masked.name("欧阳娜娜"), Pii::Masked.name("李")),
            ("张**".into(), "欧**".into(), "李**".into())
        );
        assert_eq!(Pii::Revealed.name("张秀兰"), "张秀兰");
    }

    #[test]
    fn a_masked_answer_tells_neither_the_birth_date_nor_the_birthday() {
        let id = CitizenId::parse("11010519491231002X").unwrap();
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        assert_eq!(Pii::Masked.birth_date(&id), None);
        assert_eq!(Pii::Revealed.birth_date(&id), Some(day("1949-12-31")));
        // Across the birthday the masked age stays; it moves on 1 January.
        assert_eq!(Pii::Masked.age(&id, day("2025-12-30")), Pii::Masked.age(&id, day("2025-12-31")));
        assert_eq!(Pii::Masked.age(&id, day("2026-01-01")), Pii::Masked.age(&id, day("2025-12-31")) + 1);
        assert_eq!((Pii::Revealed.age(&id, day("2025-12-30")), Pii::Revealed.age(&id, day("2025-12-31"))), (75, 76));
    }

    /// The rebuild the mask must defeat: every ID number that matches a
    /// masked answer (shown digits, sex, masked age at the answer's date).
    #[test]
    fn a_masked_answer_leaves_dozens_of_candidate_id_numbers() {
        let id = CitizenId::parse("11010519491231002X").unwrap();
        let today = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let masked = (Pii::Masked.citizen_id(&id), Pii::Masked.age(&id, today), id.sex());
        let mut candidates = 0;
        let mut date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        while date <= today {
            let number = format!("{}{}{}", id.area_code(), date.format("%Y%m%d"), &id.as_str()[14..]);
            if let Ok(candidate) = CitizenId::parse(&number)
                && (Pii::Masked.citizen_id(&candidate), Pii::Masked.age(&candidate, today), candidate.sex()) == masked
            {
                candidates += 1;
            }
            date = date.succ_opt().unwrap();
        }
        assert!(candidates >= 20, "only {candidates} ID numbers fit a masked answer");
    }
}
