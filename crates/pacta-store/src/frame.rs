//! Frames: one row of `frames` per agreement per group commit, holding all the
//! entries that commit appended to that agreement; and `entries`, the ONE place
//! that turns an agreement's stored rows (its legacy `events` rows, then its
//! frames) back into entries in seq order, for `load`, `entries(after)` and
//! `verify` alike.
//!
//! # Layout
//!
//! Every integer is big-endian; every length counts bytes.
//!
//! ```text
//! body     = 1 ‖ entries                          (plain, version 1)
//!          | 2 ‖ len (u32) ‖ sha256 (32 bytes) ‖ block  (compressed, version 2)
//! entries  = prev_hash (32 bytes) ‖ entry*
//! entry    = len (u32) ‖ at ‖ len (u32) ‖ kind ‖ len (u32) ‖ payload ‖ hash (32 bytes)
//! balances = (len (u32) ‖ label (UTF-8) ‖ minor (i64))*
//! ```
//!
//! The entries of a frame are seqs `first_seq`, `first_seq + 1`, … `last_seq`
//! (the row's columns), in order. `at`, `kind` and `payload` are exactly the
//! bytes the chain's hash covers (`chain::entry_hash`, unchanged), and `hash` is
//! that entry's stored hash. `prev_hash` is the hash of the entry before the
//! frame (the genesis for seq 1); each later entry's prev_hash is the stored
//! hash of the entry before it in the frame, so a frame stores each link once.
//! `balances` is what the frame's postings move, per ledger account label,
//! sorted by label, accounts that do not move left out (see `verify`).
//!
//! Compression: a frame whose entries take `COMPRESS_FROM` bytes or more is
//! stored as version 2 when that is shorter: `block` is the entries compressed
//! as one LZ4 block, `len` their length before compression, and `sha256` the
//! SHA-256 of `len ‖ block`. The postings of one action repeat the same cause
//! (a release: some 200 postings with the same ~900 bytes of authority and
//! signers), so a release's frame shrinks about fivefold, and so do the WAL and
//! the pages a commit writes. The hashes still cover the entries' own bytes;
//! the checksum is there because an LZ4 block can be changed without changing
//! what it decompresses to (a match moved to an identical earlier copy), and a
//! changed stored byte must never go unseen. A compressed frame that does not
//! match its checksum is reported at its first entry: past a damaged byte, the
//! rest of the block cannot be trusted to say which entry it was.
//!
//! A frame is read with every length checked against what is left: a damaged
//! length is reported as corruption at the entry it belongs to, never a panic.
//!
//! # Contiguity
//!
//! A group commit writes an agreement's frame with `first_seq` = the head it
//! read + 1 and moves the head to `last_seq` in the same transaction, with the
//! seq check (`advance_heads` from the expected head), so frames follow each
//! other with no gap and no overlap, and each seq is stored once. Reading checks
//! it: a frame that does not start right after the entry before it is reported
//! at the seq that was expected.

use std::borrow::Cow;
use std::collections::BTreeMap;

use pacta_core::ledger::Posting;
use sha2::{Digest, Sha256};

use crate::backend::{EventRow, FrameRow};

/// The layouts above; a new one would be 3, never a change to these.
const PLAIN: u8 = 1;
const COMPRESSED: u8 = 2;

/// Entries shorter than this are stored plain: a frame of a command or two
/// repeats little (about 1.5 times smaller compressed, against 3 times from 4
/// KiB and 8 times past 16 KiB), and compressing costs about 30,000
/// instructions a frame, most of what a one-purchaser escrow's refund costs the
/// store's own code.
const COMPRESS_FROM: usize = 2048;

/// The largest decompressed frame `unpack` accepts: a damaged length must not
/// make it allocate gigabytes. A group commit's frame for one agreement is far smaller.
const MAX_ENTRIES_LEN: usize = 1 << 30;

/// Starts a frame whose first entry links to `prev_hash` (plain; `write_body`
/// may compress it).
pub(crate) fn start(body: &mut Vec<u8>, prev_hash: &[u8; 32]) {
    body.push(PLAIN);
    body.extend_from_slice(prev_hash);
}

/// Appends a frame begun with `start` to `out` as it is stored: compressed
/// (version 2) when its entries are long enough (and no longer than a reader
/// accepts) and that makes it shorter, plain otherwise.
pub(crate) fn write_body(out: &mut Vec<u8>, body: &[u8]) {
    let entries = &body[1..];
    if (COMPRESS_FROM..=MAX_ENTRIES_LEN).contains(&entries.len()) {
        let start = out.len();
        out.push(COMPRESSED);
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&[0; 32]);
        let block = out.len();
        out.resize(block + lz4_flex::block::get_maximum_output_size(entries.len()), 0);
        if let Ok(written) = lz4_flex::block::compress_into(entries, &mut out[block..]) {
            out.truncate(block + written);
            if out.len() - start < body.len() {
                let checksum = checksum(&out[start + 1..start + 5], &out[block..]);
                out[start + 5..block].copy_from_slice(&checksum);
                return;
            }
        }
        out.truncate(start);
    }
    out.extend_from_slice(body);
}

/// SHA-256 of `len ‖ block`, a compressed frame's checksum.
fn checksum(len: &[u8], block: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(len).chain_update(block).finalize().into()
}

/// A stored body's entries (`prev_hash ‖ entry*`), decompressed if need be.
fn entries_of(body: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    match body.first() {
        Some(&PLAIN) => Ok(Cow::Borrowed(&body[1..])),
        Some(&COMPRESSED) => decompress(&body[1..]).map(Cow::Owned),
        Some(version) => Err(format!("its layout version is {version}, not {PLAIN} or {COMPRESSED}")),
        None => Err("it is empty: it has no layout version".to_string()),
    }
}

fn decompress(stored: &[u8]) -> Result<Vec<u8>, String> {
    let mut reader = Reader { bytes: stored, at: 0 };
    let len = u32::from_be_bytes(reader.fixed::<4>("compressed entries' length")?) as usize;
    let checksum = reader.fixed::<32>("checksum")?;
    let block = &stored[reader.at..];
    if self::checksum(&stored[..4], block) != checksum {
        return Err("its compressed entries do not match their checksum".to_string());
    }
    // The checksum matched, so these are the bytes the writer produced; the
    // bounds still hold in case they were forged along with the checksum.
    if len > MAX_ENTRIES_LEN {
        return Err(format!("its entries would take {len} bytes decompressed, more than the {MAX_ENTRIES_LEN} a frame may hold"));
    }
    let mut entries = vec![0; len];
    match lz4_flex::block::decompress_into(block, &mut entries) {
        Ok(n) if n == len => Ok(entries),
        Ok(n) => Err(format!("its compressed entries decompress to {n} bytes, not the {len} it states")),
        Err(e) => Err(format!("its compressed entries do not decompress: {e}")),
    }
}

/// The bytes `push_entry` appends for one entry: three lengths, the fields, the hash.
pub(crate) fn entry_len(at: &str, kind: &str, payload: &[u8]) -> usize {
    3 * 4 + at.len() + kind.len() + payload.len() + 32
}

/// Appends one entry to a frame begun with `start`.
pub(crate) fn push_entry(body: &mut Vec<u8>, at: &str, kind: &str, payload: &[u8], hash: &[u8; 32]) {
    for field in [at.as_bytes(), kind.as_bytes(), payload] {
        push_len(body, field.len());
        body.extend_from_slice(field);
    }
    body.extend_from_slice(hash);
}

/// Adds what one posting moves to `moved`, per account label: the movements a
/// frame's `balances` column records, written by the store and checked by `verify`.
pub(crate) fn add_movement(moved: &mut BTreeMap<String, i128>, posting: &Posting) {
    *moved.entry(posting.debit.label()).or_default() -= i128::from(posting.amount.minor);
    *moved.entry(posting.credit.label()).or_default() += i128::from(posting.amount.minor);
}

/// The `balances` column: each account's movement, in the order given (sorted by
/// label, as a `BTreeMap` yields them).
pub(crate) fn encode_balances<'a>(out: &mut Vec<u8>, movements: impl IntoIterator<Item = (&'a str, i64)>) {
    for (label, minor) in movements {
        push_len(out, label.len());
        out.extend_from_slice(label.as_bytes());
        out.extend_from_slice(&minor.to_be_bytes());
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).expect("a journal field is shorter than 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
}

/// Reads a frame's `balances` column back: `(label, minor units)`, checked to be
/// sorted by label with no label twice and no zero movement, as they are written.
pub(crate) fn decode_balances(bytes: &[u8]) -> Result<BTreeMap<String, i64>, String> {
    let mut reader = Reader { bytes, at: 0 };
    let mut movements = BTreeMap::new();
    let mut last: Option<String> = None;
    while !reader.done() {
        let label = reader.text("an account label")?;
        let minor = i64::from_be_bytes(reader.fixed::<8>("an amount")?);
        if last.as_deref().is_some_and(|l| l >= label.as_str()) {
            return Err(format!("the account `{label}` is out of order"));
        }
        if minor == 0 {
            return Err(format!("the account `{label}` is listed with no movement"));
        }
        last = Some(label.clone());
        movements.insert(label, minor);
    }
    Ok(movements)
}

/// The first place an agreement's stored entries stop holding together as rows:
/// entry `seq` cannot be read (`verify` and `load` report it there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Broken {
    pub seq: u64,
    pub problem: String,
}

/// An agreement's stored entries after some seq, as rows in seq order: every
/// entry that could be read, then, if reading stopped early, why.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    pub rows: Vec<EventRow>,
    pub broken: Option<Broken>,
}

/// One agreement's entries with `seq > after`, from its legacy `events` rows
/// (those with `seq > after`, in order) and its frames (those holding an entry
/// with `seq > after`, by first seq). Legacy rows come first: every one was
/// written before the first frame. The seqs of legacy rows are checked later, with
/// their hashes (`check_link`); here, that each frame starts right after the
/// entry before it and holds what its seqs say.
pub(crate) fn entries(agreement_id: &str, after: u64, legacy: Vec<EventRow>, frames: &[FrameRow]) -> Entries {
    let mut out = Entries { rows: legacy, broken: None };
    // The seq the next stored entry must have; before the first, the first frame
    // may start earlier (its leading entries are skipped), not later.
    let mut last_seen: Option<u64> = out.rows.last().map(|r| r.seq.max(0) as u64);
    for frame in frames {
        let expected = last_seen.map_or(after + 1, |l| l + 1);
        if let Err(problem) = check_place(frame, expected, last_seen) {
            out.broken = Some(Broken { seq: expected, problem });
            return out;
        }
        if let Err(broken) = unpack(agreement_id, frame, after, &mut out.rows) {
            out.broken = Some(broken);
            return out;
        }
        last_seen = Some(frame.last_seq as u64);
    }
    out
}

/// A frame must hold entry `expected` and, after an entry already read, start there.
fn check_place(frame: &FrameRow, expected: u64, last_seen: Option<u64>) -> Result<(), String> {
    let (first, last) = (frame.first_seq, frame.last_seq);
    if first < 1 || last < first {
        return Err(format!("the frame stored with seqs {first}–{last} does not hold a run of entries"));
    }
    let first = first as u64;
    if first > expected {
        let missing = if first - 1 == expected { format!("entry {expected} is") } else { format!("entries {expected}–{} are", first - 1) };
        return Err(format!("{missing} missing: the next frame starts at seq {first}"));
    }
    if let Some(seen) = last_seen {
        if first < expected {
            return Err(format!("the frame starting at seq {first} overlaps the entries before it, which end at seq {seen}"));
        }
    }
    Ok(())
}

/// Unpacks one frame's entries into rows, keeping those with `seq > after`.
fn unpack(agreement_id: &str, frame: &FrameRow, after: u64, rows: &mut Vec<EventRow>) -> Result<(), Broken> {
    let (first, last) = (frame.first_seq as u64, frame.last_seq as u64);
    let broken = |seq: u64, problem: String| Broken { seq, problem: format!("the frame of entries {first}–{last}: {problem}") };
    let entries = entries_of(&frame.body).map_err(|p| broken(first, p))?;
    let mut reader = Reader { bytes: &entries, at: 0 };
    let mut prev_hash = reader.fixed::<32>("the first entry's prev_hash").map_err(|p| broken(first, p))?;
    let mut seq = first;
    while !reader.done() {
        if seq > last {
            return Err(broken(seq, format!("it holds more entries than its seqs say (entry {seq} is past its end)")));
        }
        let entry = read_entry(&mut reader).map_err(|p| broken(seq, format!("entry {seq}: {p}")))?;
        if seq > after {
            rows.push(EventRow {
                agreement_id: agreement_id.to_string(),
                seq: seq as i64,
                at: entry.at,
                kind: entry.kind,
                payload: entry.payload,
                prev_hash: prev_hash.to_vec(),
                hash: entry.hash.to_vec(),
            });
        }
        prev_hash = entry.hash;
        seq += 1;
    }
    if seq <= last {
        return Err(broken(seq, format!("entry {seq} is missing: the frame ends after entry {}", seq - 1)));
    }
    Ok(())
}

struct Entry {
    at: String,
    kind: String,
    payload: Vec<u8>,
    hash: [u8; 32],
}

fn read_entry(reader: &mut Reader<'_>) -> Result<Entry, String> {
    let at = reader.text("instant")?;
    let kind = reader.text("kind")?;
    let payload = reader.field("payload")?.to_vec();
    let hash = reader.fixed::<32>("hash")?;
    Ok(Entry { at, kind, payload, hash })
}

/// A cursor over stored bytes that checks every length against what is left.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let left = self.bytes.len() - self.at;
        if n > left {
            return Err(format!("its {what} needs {n} bytes at offset {}, but only {left} are left", self.at));
        }
        let slice = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(slice)
    }

    fn fixed<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        Ok(self.take(N, what)?.try_into().expect("take returns N bytes"))
    }

    /// A length-prefixed field.
    fn field(&mut self, what: &str) -> Result<&'a [u8], String> {
        let len = u32::from_be_bytes(self.fixed::<4>(&format!("{what}'s length"))?);
        self.take(len as usize, what)
    }

    fn text(&mut self, what: &str) -> Result<String, String> {
        let bytes = self.field(what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| format!("its {what} is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(first: i64, last: i64, body: Vec<u8>) -> FrameRow {
        FrameRow { agreement_id: "a".into(), first_seq: first, last_seq: last, body, balances: vec![] }
    }

    fn body(prev: u8, entries: &[(&str, u8)]) -> Vec<u8> {
        let mut body = Vec::new();
        start(&mut body, &[prev; 32]);
        for (payload, hash) in entries {
            push_entry(&mut body, "2005-08-19T13:00:00Z", "deposited", payload.as_bytes(), &[*hash; 32]);
        }
        body
    }

    #[test]
    fn frames_unpack_in_order_and_link_inside() {
        let frames = [frame(1, 2, body(0, &[("{}", 1), ("{\"x\":1}", 2)])), frame(3, 3, body(2, &[("[]", 3)]))];
        let read = entries("a", 0, vec![], &frames);
        assert_eq!(read.broken, None);
        let seqs: Vec<i64> = read.rows.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(read.rows[1].prev_hash, vec![1; 32], "an entry inside a frame links to the one before it");
        assert_eq!(read.rows[1].payload, b"{\"x\":1}");
        assert_eq!(read.rows[2].prev_hash, vec![2; 32]);
        // After a seq inside the first frame: its leading entries are skipped.
        let later = entries("a", 1, vec![], &frames);
        assert_eq!(later.rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(later.broken, None);
    }

    #[test]
    fn gaps_overlaps_and_wrong_counts_are_reported_at_their_seq() {
        let gap = [frame(1, 1, body(0, &[("{}", 1)])), frame(3, 3, body(2, &[("{}", 3)]))];
        let read = entries("a", 0, vec![], &gap);
        assert_eq!(read.rows.len(), 1);
        assert_eq!(read.broken.as_ref().map(|b| b.seq), Some(2));
        assert!(read.broken.unwrap().problem.contains("entry 2 is missing"));

        let overlap = [frame(1, 2, body(0, &[("{}", 1), ("{}", 2)])), frame(2, 2, body(1, &[("{}", 2)]))];
        let broken = entries("a", 0, vec![], &overlap).broken.unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.problem.contains("overlaps"), "{}", broken.problem);

        let short = [frame(1, 3, body(0, &[("{}", 1), ("{}", 2)]))];
        assert_eq!(entries("a", 0, vec![], &short).broken.map(|b| b.seq), Some(3));
        let long = [frame(1, 1, body(0, &[("{}", 1), ("{}", 2)]))];
        assert_eq!(entries("a", 0, vec![], &long).broken.map(|b| b.seq), Some(2));
        let missing_first = [frame(2, 2, body(1, &[("{}", 2)]))];
        assert_eq!(entries("a", 0, vec![], &missing_first).broken.map(|b| b.seq), Some(1));
    }

    /// Every length of a frame, set to other values in each of its four bytes, and
    /// the frame cut at every byte: never a panic, and never the same entries read
    /// back without an error (a shorter or longer field reads the wrong hash, which
    /// the chain check then reports at that entry).
    #[test]
    fn a_damaged_length_or_a_cut_frame_is_an_error_not_a_panic() {
        let good = body(0, &[("{\"a\":1}", 1), ("{\"b\":2}", 2)]);
        let good_rows = entries("a", 0, vec![], &[frame(1, 2, good.clone())]).rows;
        for cut in 0..good.len() {
            let read = entries("a", 0, vec![], &[frame(1, 2, good[..cut].to_vec())]);
            assert!(read.broken.is_some(), "cut at {cut}");
        }
        let entry_len = 12 + "2005-08-19T13:00:00Z".len() + "deposited".len() + 7 + 32;
        let lengths = [33, 33 + 24, 33 + 37, 33 + entry_len, 33 + entry_len + 24, 33 + entry_len + 37];
        for at in lengths {
            for byte in 0..4 {
                for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                    let mut damaged = good.clone();
                    damaged[at + byte] = value;
                    if damaged == good {
                        continue;
                    }
                    let read = entries("a", 0, vec![], &[frame(1, 2, damaged)]);
                    assert!(read.broken.is_some() || read.rows != good_rows, "length at {at}, byte {byte} set to {value}");
                    if at > 33 + entry_len {
                        assert_eq!(read.rows.first(), good_rows.first(), "the first entry still reads");
                    }
                }
            }
        }
        let mut huge = good.clone();
        huge[33] = 0xff;
        let broken = entries("a", 0, vec![], &[frame(1, 2, huge)]).broken.unwrap();
        assert_eq!(broken.seq, 1);
        assert!(broken.problem.contains("bytes at offset"), "{}", broken.problem);
    }

    fn stored(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_body(&mut out, body);
        out
    }

    #[test]
    fn long_frames_are_compressed_and_read_back_the_same() {
        let cause = "{\"because\":\"the Release Notice was executed by every party\",\"authority\":[\"NIR Waiver\",\"closing documents\"]}";
        let list: Vec<(&str, u8)> = (0..40).map(|i| (cause, i as u8 + 1)).collect();
        let plain = body(0, &list);
        let compressed = stored(&plain);
        assert_eq!(compressed[0], COMPRESSED);
        assert!(compressed.len() * 4 < plain.len(), "{} bytes for {}", compressed.len(), plain.len());
        let read = entries("a", 0, vec![], &[frame(1, 40, compressed.clone())]);
        assert_eq!((read.rows.len(), read.broken), (40, None));
        assert_eq!(read.rows, entries("a", 0, vec![], &[frame(1, 40, plain)]).rows);
        // A short frame stays plain.
        let short = body(0, &[("{}", 1)]);
        assert_eq!(stored(&short), short);

        // Every byte of the compressed frame flipped: reported at its first entry, never a panic.
        for i in 0..compressed.len() {
            let mut damaged = compressed.clone();
            damaged[i] ^= 1 << (i % 8);
            let read = entries("a", 0, vec![], &[frame(1, 40, damaged)]);
            let broken = read.broken.unwrap_or_else(|| panic!("byte {i} flipped was not noticed"));
            assert_eq!((broken.seq, read.rows.len()), (1, 0), "byte {i}: {}", broken.problem);
        }
        for cut in 0..compressed.len() {
            assert!(entries("a", 0, vec![], &[frame(1, 40, compressed[..cut].to_vec())]).broken.is_some(), "cut at {cut}");
        }
    }

    #[test]
    fn balances_round_trip_and_reject_damage() {
        let mut bytes = Vec::new();
        encode_balances(&mut bytes, [("alice", -5), ("escrow/alice", 5)]);
        let read = decode_balances(&bytes).unwrap();
        assert_eq!(read.into_iter().collect::<Vec<_>>(), [("alice".to_string(), -5), ("escrow/alice".to_string(), 5)]);
        assert_eq!(decode_balances(&[]).unwrap().len(), 0);
        // Cut anywhere but between the two accounts, it no longer reads.
        let first = 4 + "alice".len() + 8;
        for cut in (1..bytes.len()).filter(|&c| c != first) {
            assert!(decode_balances(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(decode_balances(&bytes[..first]).unwrap().len(), 1);
        let mut unsorted = Vec::new();
        encode_balances(&mut unsorted, [("b", 1), ("a", -1)]);
        assert!(decode_balances(&unsorted).is_err());
    }
}
