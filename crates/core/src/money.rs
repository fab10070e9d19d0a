//! `Money`: an amount in fen (分) as an `i64`, with checked arithmetic and
//! basis-point shares. There are no floats anywhere near money.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

/// 10000 basis points make the whole.
pub const BASIS_POINTS_WHOLE: i64 = 10_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Sums amounts, or `None` on overflow.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// `bp` basis points of this amount, rounded down to the fen (a cap never rounds up).
    pub fn share_bp(self, bp: u32) -> Option<Money> {
        let product = i128::from(self.0) * i128::from(bp);
        i64::try_from(product.div_euclid(i128::from(BASIS_POINTS_WHOLE))).ok().map(Money)
    }
}

impl Money {
    /// Yuan with two decimals and grouped thousands, without the sign ¥,
    /// for a table that names its unit: `1,234.56`.
    pub fn yuan(self) -> String {
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{}{grouped}.{:02}", if self.0 < 0 { "-" } else { "" }, abs % 100)
    }
}

impl fmt::Display for Money {
    /// `¥1234.56`, for humans; APIs carry the integer fen.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_percent_share_rounds_down() {
        assert_eq!(Money::from_fen(1_000_000).share_bp(300), Some(Money::from_fen(30_000)));
        assert_eq!(Money::from_fen(99).share_bp(300), Some(Money::from_fen(2)));
        assert_eq!(Money::from_fen(i64::MAX).share_bp(10_000), Some(Money::from_fen(i64::MAX)));
        assert_eq!(Money::from_fen(i64::MAX).share_bp(20_000), None);
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Money::from_fen(i64::MAX).checked_add(Money::from_fen(1)), None);
        assert_eq!(Money::checked_sum([Money::from_fen(150), Money::from_fen(250)]), Some(Money::from_fen(400)));
        assert_eq!(Money::checked_sum([Money::from_fen(i64::MAX), Money::from_fen(1)]), None);
        assert_eq!(Money::from_fen(5).checked_sub(Money::from_fen(7)), Some(Money::from_fen(-2)));
    }

    #[test]
    fn yuan_for_tables_groups_thousands() {
        let yuan = |fen| Money::from_fen(fen).yuan();
        assert_eq!(
            (yuan(0), yuan(5), yuan(123_456), yuan(100_000_000), yuan(-250)),
            ("0.00".into(), "0.05".into(), "1,234.56".into(), "1,000,000.00".into(), "-2.50".into())
        );
        assert_eq!(yuan(i64::MIN), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn displays_yuan() {
        assert_eq!(Money::from_fen(123_456).to_string(), "¥1234.56");
        assert_eq!(Money::from_fen(-5).to_string(), "-¥0.05");
    }
}
