//! Where a group commit starts each agreement's frame, and the heads a `Store`
//! remembers having laid out, so that most commits need not read them back.
//!
//! A frame starts at the head its agreement's journal ends at: its seq, and the
//! hash its first entry links to. A group commit used to read every head of its
//! batch from the database first (`heads.sql`): a third of the rows a
//! one-purchaser sweep sends through SQL. But a writer that committed a head
//! knows it, and an entry's hash never changes once written. So a `Store` keeps
//! the head of every agreement it committed, and a commit reads only the heads
//! it does not hold at the seq the append expects.
//!
//! The database still guards every head: `advance_heads.sql` moves a head only
//! if it is still at the expected seq AND hash, and `insert_agreements.sql`'s
//! primary key refuses to open an agreement twice. A remembered head that has
//! gone stale (another server extended the agreement, or the database was
//! restored to an older copy) therefore fails the commit as a lost race, which
//! reads the heads to report the `Conflict` (or, if only the hash differs,
//! `Diverged`: the writer reloads the agreement either way, so events decided on
//! a state the journal no longer has are decided again), and is forgotten; it can
//! never put a frame on the wrong link. Any failed commit forgets the heads of its whole
//! batch, since a commit that failed while committing may or may not have landed.
//!
//! A head is remembered as soon as its batch is laid out, before that batch
//! commits (`laid_out`), so the next batch can be laid out on it while the first
//! is still committing (`Store::prepare_batch`). If the first then fails, its
//! heads are forgotten, and the second, linked to heads that never landed, fails
//! the same head check; nothing is acknowledged before its own batch commits.
//!
//! The memory is one entry per agreement written through this `Store` (its id,
//! a seq and a hash), small beside the state the server keeps for each.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::chain::GENESIS;

/// Where an agreement's journal ends before a batch extends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Start {
    pub seq: u64,
    pub hash: [u8; 32],
    /// Whether the journal exists: its head is then moved, else it is opened.
    pub stored: bool,
}

impl Start {
    /// A journal that does not exist yet: it starts at seq 0, at the genesis.
    pub const NEW: Start = Start { seq: 0, hash: GENESIS, stored: false };
}

/// The heads a `Store` committed, by agreement id.
#[derive(Default)]
pub(crate) struct Heads {
    known: Mutex<HashMap<String, (u64, [u8; 32])>>,
}

impl Heads {
    /// The start of each agreement whose journal the batch expects at a head this
    /// store committed, or expects not to exist (`expected_seq` 0: the primary key
    /// guards that). Each pair is an agreement id and the seq its first append in
    /// the batch expects; the agreements left out must have their heads read.
    pub(crate) fn starts<'a>(&self, expected: impl IntoIterator<Item = (&'a str, u64)>) -> HashMap<&'a str, Start> {
        let known = self.known.lock().expect("heads lock");
        let mut starts = HashMap::new();
        // Only an agreement's first append in the batch says where its journal must
        // end; a later one expects what the first leaves.
        let mut seen = HashSet::new();
        for (id, seq) in expected {
            if !seen.insert(id) {
                continue;
            }
            if seq == 0 {
                starts.insert(id, Start::NEW);
            } else if let Some(&(_, hash)) = known.get(id).filter(|(known_seq, _)| *known_seq == seq) {
                starts.insert(id, Start { seq, hash, stored: true });
            }
        }
        starts
    }

    /// Remembers the heads a batch laid out will leave, as soon as it is laid out,
    /// so that the next batch can be laid out on them while this one commits. Each
    /// is `(id, where the frame starts, seq, hash)`. A head another batch has laid
    /// out past this one's start is kept: two batches prepared on one head race,
    /// the database lets one land, and the failure of the other forgets the head.
    pub(crate) fn laid_out<'a>(&self, heads: impl IntoIterator<Item = (&'a str, Start, u64, [u8; 32])>) {
        let mut known = self.known.lock().expect("heads lock");
        for (id, start, seq, hash) in heads {
            assert!(seq > start.seq, "a frame holds at least one entry");
            match known.get_mut(id) {
                Some(head) if head.0 > start.seq => {}
                Some(head) => *head = (seq, hash),
                None => {
                    known.insert(id.to_string(), (seq, hash));
                }
            }
        }
    }

    /// Forgets these agreements' heads: a commit that touched them failed.
    pub(crate) fn forget<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        let mut known = self.known.lock().expect("heads lock");
        for id in ids {
            known.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out `id` from `seq - 1` (a head this store held) to `seq`.
    fn laid(heads: &Heads, id: &str, seq: u64, hash: [u8; 32]) {
        heads.laid_out([(id, Start { seq: seq - 1, hash: [9; 32], stored: true }, seq, hash)]);
    }

    #[test]
    fn a_head_is_used_only_at_the_seq_it_was_laid_out_at() {
        let heads = Heads::default();
        laid(&heads, "a", 3, [1; 32]);
        laid(&heads, "b", 5, [2; 32]);
        let starts = heads.starts([("a", 3), ("b", 4), ("c", 0), ("d", 7), ("a", 9)]);
        assert_eq!(starts.get("a"), Some(&Start { seq: 3, hash: [1; 32], stored: true }), "the first append of `a` decides");
        assert_eq!(starts.get("b"), None, "expected elsewhere than the head laid out: read it");
        assert_eq!(starts.get("c"), Some(&Start::NEW));
        assert_eq!(starts.get("d"), None, "never laid out here: read it");
        laid(&heads, "a", 4, [3; 32]);
        heads.forget(["b"]);
        assert_eq!(heads.starts([("a", 3)]).get("a"), None, "moved on");
        assert_eq!(heads.starts([("a", 4)]).get("a").map(|s| s.hash), Some([3; 32]));
        assert_eq!(heads.starts([("b", 5)]).get("b"), None, "forgotten");
    }

    #[test]
    fn a_head_laid_out_further_is_kept() {
        let heads = Heads::default();
        laid(&heads, "a", 3, [1; 32]);
        laid(&heads, "a", 4, [2; 32]);
        // A batch that started from an older head (read from the database) loses the race.
        heads.laid_out([("a", Start { seq: 2, hash: [7; 32], stored: true }, 3, [8; 32])]);
        assert_eq!(heads.starts([("a", 4)]).get("a").map(|s| s.hash), Some([2; 32]));
        // One that started from a newer head than the one held replaces it.
        heads.laid_out([("a", Start { seq: 6, hash: [7; 32], stored: true }, 7, [5; 32])]);
        assert_eq!(heads.starts([("a", 7)]).get("a").map(|s| s.hash), Some([5; 32]));
    }

    #[test]
    fn only_the_first_append_of_an_agreement_decides() {
        let heads = Heads::default();
        laid(&heads, "a", 3, [1; 32]);
        let starts = heads.starts([("a", 9), ("a", 3)]);
        assert_eq!(starts.get("a"), None, "the first append expects a head this store does not hold: read it");
    }
}
