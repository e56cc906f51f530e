//! The hash chain: each journal entry's hash covers its content and the hash of
//! the entry before it, so changing any byte of history changes every hash after it.
//!
//! `hash = SHA-256(tag ‖ agreement_id ‖ seq ‖ at ‖ kind ‖ payload ‖ prev_hash)`,
//! where every field is preceded by its length as 8 bytes big-endian (so no two
//! different entries can produce the same byte string), `tag` is
//! `pacta-journal-v1`, `seq` is 8 bytes big-endian, `at`, `kind` and `payload` are
//! the exact bytes stored, and the first entry's `prev_hash` is 32 zero bytes.

use sha2::{Digest, Sha256};

/// What the first entry of every journal links to.
pub const GENESIS: [u8; 32] = [0; 32];

/// Names this encoding; a new one would be `-v2`, never a change to this one.
pub const DOMAIN_TAG: &[u8] = b"pacta-journal-v1";

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// The hash of one entry, from exactly the values stored for it.
pub fn entry_hash(agreement_id: &str, seq: u64, at: &str, kind: &str, payload: &[u8], prev_hash: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    field(&mut hasher, DOMAIN_TAG);
    field(&mut hasher, agreement_id.as_bytes());
    field(&mut hasher, &seq.to_be_bytes());
    field(&mut hasher, at.as_bytes());
    field(&mut hasher, kind.as_bytes());
    field(&mut hasher, payload);
    field(&mut hasher, prev_hash);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_counts_and_boundaries_are_unambiguous() {
        let base = entry_hash("esc", 1, "2005-08-19T13:00:00Z", "opened", b"{}", &GENESIS);
        assert_ne!(base, entry_hash("esc", 2, "2005-08-19T13:00:00Z", "opened", b"{}", &GENESIS));
        assert_ne!(base, entry_hash("esd", 1, "2005-08-19T13:00:00Z", "opened", b"{}", &GENESIS));
        assert_ne!(base, entry_hash("esc", 1, "2005-08-19T13:00:01Z", "opened", b"{}", &GENESIS));
        assert_ne!(base, entry_hash("esc", 1, "2005-08-19T13:00:00Z", "joined", b"{}", &GENESIS));
        assert_ne!(base, entry_hash("esc", 1, "2005-08-19T13:00:00Z", "opened", b"{ }", &GENESIS));
        assert_ne!(base, entry_hash("esc", 1, "2005-08-19T13:00:00Z", "opened", b"{}", &[1; 32]));
        // Moving a byte from one field to the next changes the hash.
        assert_ne!(entry_hash("ab", 1, "t", "k", b"p", &GENESIS), entry_hash("a", 1, "t", "bk", b"p", &GENESIS));
        // A fixed vector, so the encoding cannot change unnoticed.
        assert_eq!(hex::encode(base), "44ac8a29fcbda91fc41bec4332ec77505a5372a252a49acbb9ad0d64741aa8d6");
    }
}
