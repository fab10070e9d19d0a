//! What keeps the audit chain honest outside the database: its key (from
//! `audit_key`, or a key file created once beside the data) and the signed
//! checkpoints that each node appends to a file and to its log every
//! `audit_checkpoint_secs`, against which `GET /audit-events/verify` checks
//! the chain. Every node of one database must use the same key.

use crate::config::Config;
use jiuzhu_core::{Clock, DomainError};
use jiuzhu_platform::Db;
use jiuzhu_platform::audit::{self, Checkpoint};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Shortest key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 32;

/// The chain key: `audit_key` when set, else the key file's content; a
/// missing key file is created with a random key (readable by its owner only).
pub fn load_key(config: &Config) -> Result<Vec<u8>, String> {
    if let Some(key) = &config.audit_key {
        return checked(key.as_bytes().to_vec(), "JIUZHU_AUDIT_KEY");
    }
    let path = Path::new(&config.audit_key_file);
    match std::fs::read_to_string(path) {
        Ok(text) => checked(text.trim().as_bytes().to_vec(), &config.audit_key_file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
        Err(e) => Err(format!("cannot read the audit key file {}: {e}", path.display())),
    }
}

fn checked(key: Vec<u8>, source: &str) -> Result<Vec<u8>, String> {
    if key.len() < MIN_KEY_LEN { Err(format!("the audit key from {source} must be at least {MIN_KEY_LEN} bytes")) } else { Ok(key) }
}

fn create_key_file(path: &Path) -> Result<Vec<u8>, String> {
    use rand::Rng;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let key: String = rand::rng().random::<[u8; 32]>().iter().map(|b| format!("{b:02x}")).collect();
    // create_new: of two nodes starting at once, one writes and the other reads.
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            file.write_all(key.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::warn!(path = %path.display(), "created an audit chain key file: keep it, back it up, and give every node the same key");
            Ok(key.into_bytes())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            checked(text.trim().as_bytes().to_vec(), &path.display().to_string())
        }
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// The signed checkpoints in the file (none when it does not exist yet).
pub fn read_checkpoints(path: &str) -> Result<Vec<Checkpoint>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read the checkpoint file: {e}")),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| serde_json::from_str(line).map_err(|e| format!("checkpoint line {} is unreadable: {e}", n + 1)))
        .collect()
}

/// Appends a checkpoint of the chain's head to the file and the log, when
/// the head moved since `last` (the last one written).
pub async fn write_checkpoint(
    db: &Db,
    clock: &dyn Clock,
    path: &str,
    last: Option<&Checkpoint>,
) -> Result<Option<Checkpoint>, DomainError> {
    jiuzhu_platform::relay::drain(db).await?;
    let checkpoint = audit::checkpoint(db.conn(), clock.now()).await?;
    if last.is_some_and(|last| last.seq == checkpoint.seq && last.hash == checkpoint.hash) {
        return Ok(None);
    }
    let line = serde_json::to_string(&checkpoint).map_err(|e| DomainError::Internal(e.to_string()))? + "\n";
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| DomainError::Internal(format!("audit checkpoint file {path}: {e}")))?;
    file.write_all(line.as_bytes()).map_err(|e| DomainError::Internal(format!("audit checkpoint file {path}: {e}")))?;
    tracing::info!(seq = checkpoint.seq, hash = %checkpoint.hash, at = %checkpoint.at, mac = %checkpoint.mac, "audit checkpoint");
    Ok(Some(checkpoint))
}

/// Writes a checkpoint every `every`, for as long as the runtime runs.
pub fn spawn(db: Db, clock: Arc<dyn Clock>, path: String, every: Duration) {
    actix_web::rt::spawn(async move {
        // The file is read once; afterwards the last checkpoint is kept here.
        let mut last = read_checkpoints(&path).ok().and_then(|all| all.last().cloned());
        loop {
            actix_web::rt::time::sleep(every).await;
            match write_checkpoint(&db, clock.as_ref(), &path, last.as_ref()).await {
                Ok(Some(written)) => last = Some(written),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "audit checkpoint failed; trying again at the next interval"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_created_once_and_short_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("jiuzhu-audit-key-{}", jiuzhu_core::id::new_id()));
        let file = dir.join("audit.key");
        let config = Config { audit_key_file: file.display().to_string(), ..Config::default() };
        let first = load_key(&config).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_key(&config).unwrap(), first, "the file is read, not replaced");
        std::fs::write(&file, "short").unwrap();
        assert!(load_key(&config).is_err());
        assert!(load_key(&Config { audit_key: Some("too short".into()), ..Config::default() }).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
