//! A party delivers a document; it is recorded by content hash, sender and time.

use super::not_permitted;
use crate::engine::event::EventKind;
use crate::engine::txn::{Outcome, Rejection, Txn};

pub fn deliver(txn: &mut Txn<'_>, actor: &str, document: &str, sha256: &[u8; 32]) -> Outcome {
    let Some(declared) = txn.state.agreement.document(document) else {
        return Err(Rejection::new("unknown_document", format!("no document `{document}` in this agreement")));
    };
    if !txn.state.is_in(&declared.delivered_by, actor) {
        return Err(not_permitted(format!("`{actor}` is not among those who deliver `{document}`")));
    }
    if let Some(earlier) = txn.state.deliveries.get(document).and_then(|d| d.by.get(actor)) {
        let message = format!("`{actor}` already delivered `{document}` on {} (sha256 {})", txn.state.local_day(earlier.at), hex::encode(earlier.sha256));
        return Err(Rejection::new("duplicate", message));
    }
    txn.emit(EventKind::Delivered { document: document.into(), by: actor.into(), sha256: *sha256 });
    Ok(())
}
