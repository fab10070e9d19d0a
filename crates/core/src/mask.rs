//! Personal-data masking for responses: ID numbers keep their first 6 and
//! last 4 characters, phones their first 3 and last 4.

use crate::{CitizenId, Phone};

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

    /// Names keep their first character (the family name): `张秀兰` → `张**`.
    pub fn name(self, name: &str) -> String {
        match self {
            Pii::Masked => name.chars().take(1).chain(name.chars().skip(1).map(|_| '*')).collect(),
            Pii::Revealed => name.to_string(),
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
        assert_eq!((Pii::Masked.name("张秀兰"), Pii::Masked.name("李")), ("张**".to_string(), "李".to_string()));
        assert_eq!(Pii::Revealed.name("张秀兰"), "张秀兰");
    }
}
