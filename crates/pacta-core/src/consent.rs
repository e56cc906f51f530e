//! Consent: what a signer agrees to, encoded canonically, and its Ed25519 check.
//!
//! A signature covers a message that names the agreement instance, its version,
//! the instrument, the signer, and the SHA-256 of the exact terms. Changing any of
//! them (another agreement, a later amendment, different settlement amounts, a
//! different successor) changes the message, so a signature can never be moved
//! to something its signer did not consent to. Every field is length-prefixed,
//! which makes the encoding unambiguous without any escaping rules.

use std::sync::Arc;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::agreement::{Agreement, PayAmount};
use crate::money::Money;

/// What an instrument's signers consent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terms {
    /// The instrument exactly as the agreement describes it (a Release Notice).
    AsWritten,
    /// How held funds are to be paid out (a settlement).
    Directions(Vec<Direction>),
    /// Who takes over as escrow agent.
    Successor { legal_name: String, public_key: [u8; 32] },
    /// A new version of the agreement; the signature covers its source text's hash.
    Amendment { source_sha256: [u8; 32], agreement: Arc<Agreement> },
    /// The transfer of one party's rights to a new holder.
    Assignment { assignor: String, assignee_legal_name: String, public_key: [u8; 32] },
}

/// One instruction in a settlement or a court order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    /// Pay from the held account: a fixed amount, or what is left.
    Pay { amount: PayAmount, to: String },
    /// Return to each depositor exactly what they deposited.
    RefundDepositors,
}

fn field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(value);
    out.push(b'\n');
}

impl Terms {
    /// The canonical bytes of the terms. Stable across versions of pacta: changing it
    /// invalidates every signature ever made, so it only ever gains new variants.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Terms::AsWritten => field(&mut out, "kind", b"as-written"),
            Terms::Directions(directions) => {
                field(&mut out, "kind", b"directions");
                for direction in directions {
                    encode_direction(&mut out, direction);
                }
            }
            Terms::Successor { legal_name, public_key } => {
                field(&mut out, "kind", b"successor");
                field(&mut out, "legal_name", legal_name.as_bytes());
                field(&mut out, "public_key", hex::encode(public_key).as_bytes());
            }
            Terms::Amendment { source_sha256, .. } => {
                field(&mut out, "kind", b"amendment");
                field(&mut out, "source_sha256", hex::encode(source_sha256).as_bytes());
            }
            Terms::Assignment { assignor, assignee_legal_name, public_key } => {
                field(&mut out, "kind", b"assignment");
                field(&mut out, "assignor", assignor.as_bytes());
                field(&mut out, "assignee_legal_name", assignee_legal_name.as_bytes());
                field(&mut out, "public_key", hex::encode(public_key).as_bytes());
            }
        }
        out
    }

    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical()).into()
    }
}

fn encode_direction(out: &mut Vec<u8>, direction: &Direction) {
    match direction {
        Direction::Pay { amount: PayAmount::Fixed(Money { minor }), to } => {
            field(out, "pay_minor", minor.to_string().as_bytes());
            field(out, "to", to.as_bytes());
        }
        Direction::Pay { amount: PayAmount::Rest, to } => {
            field(out, "pay_rest", b"");
            field(out, "to", to.as_bytes());
        }
        Direction::RefundDepositors => field(out, "refund_depositors", b""),
    }
}

/// Everything a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct ConsentScope<'a> {
    pub agreement_id: &'a str,
    pub version: u32,
    pub instrument: &'a str,
    pub signer: &'a str,
    pub terms: &'a Terms,
}

impl ConsentScope<'_> {
    /// The exact bytes a signer signs.
    pub fn message(&self) -> Vec<u8> {
        let mut out = Vec::new();
        field(&mut out, "pacta-consent", b"1");
        field(&mut out, "agreement", self.agreement_id.as_bytes());
        field(&mut out, "version", self.version.to_string().as_bytes());
        field(&mut out, "instrument", self.instrument.as_bytes());
        field(&mut out, "signer", self.signer.as_bytes());
        field(&mut out, "terms_sha256", hex::encode(self.terms.digest()).as_bytes());
        out
    }

    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.message()).to_bytes()
    }

    /// Strict verification: rejects small-order keys and malleable signatures.
    pub fn verify(&self, public_key: &[u8; 32], signature: &[u8; 64]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(public_key) else {
            return false;
        };
        key.verify_strict(&self.message(), &Signature::from_bytes(signature)).is_ok()
    }

    /// Verifies now and records the outcome, valid or not, for [`ConsentScope::verdict`].
    pub fn check(&self, public_key: &[u8; 32], signature: &[u8; 64]) -> SignatureCheck {
        SignatureCheck {
            agreement_id: self.agreement_id.to_string(),
            version: self.version,
            instrument: self.instrument.to_string(),
            signer: self.signer.to_string(),
            terms: self.terms.clone(),
            public_key: *public_key,
            signature: *signature,
            valid: self.verify(public_key, signature),
        }
    }

    /// The recorded outcome of `check`, if it was made over exactly this scope,
    /// key and signature; `None` if it covers anything else.
    pub fn verdict(&self, check: &SignatureCheck, public_key: &[u8; 32], signature: &[u8; 64]) -> Option<bool> {
        let applies = check.public_key == *public_key
            && check.signature == *signature
            && check.agreement_id == self.agreement_id
            && check.version == self.version
            && check.instrument == self.instrument
            && check.signer == self.signer
            && check.terms == *self.terms;
        applies.then_some(check.valid)
    }
}

/// An Ed25519 public key that decodes to a point on the curve.
///
/// Decoding costs a square root on the curve, about as much as 15 deposits, so
/// it is done where a key enters pacta (a request, a scenario), in parallel with
/// other requests, and not on the engine's sequential path. Both constructors
/// check the key (a `VerifyingKey` is checked when it is made), so a command
/// that carries a `PublicKey` carries a usable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// `None` if the bytes are not a valid Ed25519 public key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<PublicKey> {
        VerifyingKey::from_bytes(bytes).ok().map(PublicKey::from)
    }

    pub fn to_bytes(self) -> [u8; 32] {
        self.0
    }
}

impl From<VerifyingKey> for PublicKey {
    fn from(key: VerifyingKey) -> PublicKey {
        PublicKey(key.to_bytes())
    }
}

/// The outcome of one Ed25519 check, made wherever the caller chose to spend the
/// curve arithmetic (in parallel at the edge, say), kept for the engine.
///
/// Verification is the one costly step of a signature, and it needs nothing but
/// the scope, the key and the signature, so it need not run on the engine's
/// sequential path. Only [`ConsentScope::check`] makes a `SignatureCheck` (its
/// fields are private), so holding one proves the check ran. It names the exact
/// scope, key and signature it covers; the engine applies it only if its own
/// scope and the signer's registered key are the same, which costs a few
/// comparisons (not a curve operation, nor a SHA-256 of the message). A check
/// that does not apply is ignored and the engine verifies as if there were none,
/// so a stale or misused check can slow a command down but never change its
/// outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    agreement_id: String,
    version: u32,
    instrument: String,
    signer: String,
    terms: Terms,
    public_key: [u8; 32],
    signature: [u8; 64],
    valid: bool,
}

/// A deterministic key from a name, for demos and tests only: never for real parties.
pub fn demo_signing_key(seed_phrase: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(format!("pacta demo key: {seed_phrase}")).into();
    SigningKey::from_bytes(&seed)
}

/// Demo public keys for every single party of an agreement, for demos, scenarios
/// and the analysis: never for real parties.
pub fn demo_keys(agreement: &Agreement) -> Vec<(String, [u8; 32])> {
    agreement
        .parties
        .iter()
        .filter(|p| matches!(p.kind, crate::agreement::PartyKind::Single { .. }))
        .map(|p| (p.name.clone(), demo_signing_key(&p.name).verifying_key().to_bytes()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(terms: &Terms) -> ConsentScope<'_> {
        ConsentScope { agreement_id: "esc-1", version: 1, instrument: "release_notice", signer: "alpha", terms }
    }

    #[test]
    fn a_signature_verifies_only_for_what_was_signed() {
        let key = demo_signing_key("alpha");
        let public = key.verifying_key().to_bytes();
        let terms = Terms::AsWritten;
        let signature = scope(&terms).sign(&key);
        assert!(scope(&terms).verify(&public, &signature));

        let other_terms = Terms::Directions(vec![Direction::RefundDepositors]);
        assert!(!scope(&other_terms).verify(&public, &signature));
        let mut other_signer = scope(&terms);
        other_signer.signer = "beta";
        assert!(!other_signer.verify(&public, &signature));
        let mut later_version = scope(&terms);
        later_version.version = 2;
        assert!(!later_version.verify(&public, &signature));
        let forger = demo_signing_key("mallory").verifying_key().to_bytes();
        assert!(!scope(&terms).verify(&forger, &signature));
    }

    #[test]
    fn a_check_applies_only_to_the_scope_key_and_signature_it_covers() {
        let key = demo_signing_key("alpha");
        let public = key.verifying_key().to_bytes();
        let terms = Terms::AsWritten;
        let signature = scope(&terms).sign(&key);
        let check = scope(&terms).check(&public, &signature);
        assert_eq!(scope(&terms).verdict(&check, &public, &signature), Some(true));

        let mut later_version = scope(&terms);
        later_version.version = 2;
        assert_eq!(later_version.verdict(&check, &public, &signature), None);
        let other_key = demo_signing_key("beta").verifying_key().to_bytes();
        assert_eq!(scope(&terms).verdict(&check, &other_key, &signature), None);
        let mut other_signature = signature;
        other_signature[0] ^= 1;
        assert_eq!(scope(&terms).verdict(&check, &public, &other_signature), None);

        let failed = scope(&terms).check(&public, &other_signature);
        assert_eq!(scope(&terms).verdict(&failed, &public, &other_signature), Some(false));
    }

    #[test]
    fn encoding_is_unambiguous() {
        let a = Terms::Successor { legal_name: "A\nB".into(), public_key: [0; 32] };
        let b = Terms::Successor { legal_name: "A".into(), public_key: [0; 32] };
        assert_ne!(a.canonical(), b.canonical());
        let fixed = Terms::Directions(vec![Direction::Pay { amount: PayAmount::Fixed(Money::from_minor(5)), to: "x".into() }]);
        let rest = Terms::Directions(vec![Direction::Pay { amount: PayAmount::Rest, to: "x".into() }]);
        assert_ne!(fixed.digest(), rest.digest());
    }
}
