//! Optimistic concurrency: every update names the version it read
//! (`If-Match`); a missing one answers 428, a stale one 412.

use jiuzhu_core::DomainError;

pub fn expect_version(if_match: Option<i64>, current: i64) -> Result<(), DomainError> {
    match if_match {
        None => Err(DomainError::PreconditionRequired),
        Some(v) if v == current => Ok(()),
        Some(_) => Err(DomainError::PreconditionFailed { current }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_stale_and_current() {
        assert_eq!(expect_version(None, 3), Err(DomainError::PreconditionRequired));
        assert_eq!(expect_version(Some(2), 3), Err(DomainError::PreconditionFailed { current: 3 }));
        assert_eq!(expect_version(Some(3), 3), Ok(()));
    }
}
