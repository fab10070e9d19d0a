//! Password hashing with argon2id, and random secrets for generated passwords.
//! Requests hash and verify off the async workers (`hash_off_workers`,
//! `check_off_workers`), at most `HASHING_AT_ONCE` at a time, so logins in
//! bulk cannot stall other requests; a check for an unknown account does
//! the same work as for a known one, so timing does not tell them apart.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jiuzhu_core::DomainError;
use rand::Rng;

pub fn hash(password: &str) -> Result<String, DomainError> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| DomainError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("argon2: {e}")))
}

/// False for a wrong password and for a hash that cannot be parsed.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Hashes running at once per process; the rest wait their turn.
const HASHING_AT_ONCE: usize = 2;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHING_AT_ONCE);

async fn off_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, DomainError> {
    let _permit = HASHING.acquire().await.map_err(|e| DomainError::Internal(format!("hashing: {e}")))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| DomainError::Internal(format!("hashing: {e}")))
}

/// `hash` on a blocking thread.
pub async fn hash_off_workers(password: &str) -> Result<String, DomainError> {
    let password = password.to_string();
    off_workers(move || hash(&password)).await?
}

/// Checks `candidate` against `stored` (an account's hash, or `None` for
/// an account that does not exist, checked against a stand-in hash so the
/// work is the same), on a blocking thread.
pub async fn check_off_workers(candidate: &str, stored: Option<&str>) -> Result<bool, DomainError> {
    static STAND_IN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let known = stored.is_some();
    let stored = match stored {
        Some(stored) => stored.to_string(),
        None => STAND_IN.get_or_init(|| hash(&generate(24)).unwrap_or_default()).clone(),
    };
    let candidate = candidate.to_string();
    Ok(off_workers(move || verify(&candidate, &stored)).await? && known)
}

/// A random password of `len` characters from an alphabet without look-alikes.
pub fn generate(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong horse", &stored));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn generated_passwords_differ() {
        let a = generate(20);
        assert_eq!(a.len(), 20);
        assert_ne!(a, generate(20));
    }
}
