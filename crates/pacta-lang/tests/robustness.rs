//! The compiler never panics, whatever it is given, and the formatter's promises hold on
//! everything it accepts: formatting twice changes nothing, and formatting never changes what
//! an agreement means.

use proptest::prelude::*;

fn escrow() -> String {
    let path = format!(
        "{}/../../agreements/escrow.pact",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs everything a caller can run on a text.
fn exercise(src: &str) {
    let compiled = pacta_lang::compile(src);
    assert_eq!(compiled.agreement.is_some(), !compiled.has_errors());
    let _ = pacta_lang::render("fuzz.pact", src, &compiled.diagnostics, false);
    let _ = pacta_lang::render("fuzz.pact", src, &compiled.diagnostics, true);
    for d in &compiled.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end <= src.len(),
            "{d:?} is outside the text"
        );
        let _ = pacta_lang::line_col(src, d.span.start);
    }
    if let Ok(formatted) = pacta_lang::format(src) {
        assert_eq!(
            pacta_lang::format(&formatted).as_ref(),
            Ok(&formatted),
            "format is not idempotent on\n{src}\n---\n{formatted}"
        );
        assert_eq!(
            pacta_lang::compile(&formatted).agreement,
            compiled.agreement,
            "formatting changed the meaning of\n{src}"
        );
    }
}

/// Words and punctuation of the language, so random sequences reach deep into the parser.
const VOCAB: &[&str] = &[
    "agreement",
    "\"T\"",
    "dated",
    "2005-08-19",
    "2005-02-30",
    "currency",
    "USD",
    "business",
    "days",
    "\"us-federal-reserve\"",
    "in",
    "\"America/New_York\"",
    "cutoff",
    "17:00",
    "parties",
    "company",
    "\"C\"",
    "purchaser",
    "many",
    "holder",
    "group",
    ",",
    "account",
    "escrow",
    "held",
    "by",
    "limit",
    "7,999,999.98",
    "document",
    "d",
    "delivered",
    "instrument",
    "i",
    "signed",
    "event",
    "e",
    "reported",
    "clause",
    "1.5",
    "A.1",
    "each",
    "may",
    "deposit",
    "into",
    "when",
    "received",
    "paid",
    "occurred",
    "and",
    "or",
    "(",
    ")",
    ":",
    "pay",
    "from",
    "15,000.00",
    "15,000.001",
    "to",
    "the",
    "rest",
    "unless",
    "within",
    "10",
    "0",
    "of",
    "refund",
    "notify",
    "hold",
    "until",
    "court",
    "order",
    "terminate",
    "accrue",
    "every",
    "owed",
    "cap",
    "issue",
    "arbitrate",
    "on",
    "dispute",
    "any",
    "party",
    "obligation",
    "o",
    "pays",
    "warrant",
    "w",
    "shares",
    "at",
    "0.03",
    "per",
    "share",
    "exercisable",
    "for",
    "years",
    "note",
    "n",
    "principal",
    "purchase",
    "price",
    "secured",
    "interest",
    "percent",
    "notice",
    "is",
    "given",
    "receipt",
    "waiver",
    "but",
    "no",
    "longer",
    "than",
    "amendments",
    "assignment",
    "obeys",
    "orders",
    "resign",
    "successor",
    "appointed",
    "passes",
    "-- c",
    "\n",
    "\"unterminated",
    "$",
    "99999999999999999999",
];

fn vocab_text() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(VOCAB), prop::bool::ANY), 0..80).prop_map(|words| {
        let mut s = String::new();
        for (w, newline) in words {
            s.push_str(w);
            s.push(if newline { '\n' } else { ' ' });
        }
        s
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
    ]
}

proptest! {
    // 256 cases by default; set PROPTEST_CASES for a longer run.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_strings_do_not_panic(src in any::<String>()) {
        exercise(&src);
    }

    #[test]
    fn sequences_of_language_words_do_not_panic(src in vocab_text()) {
        exercise(&src);
    }

    #[test]
    fn mutated_escrow_does_not_panic(mutations in prop::collection::vec(mutation(), 1..8)) {
        let mut bytes = escrow().into_bytes();
        for m in mutations {
            let len = bytes.len().max(1);
            match m {
                Mutation::Replace(i, b) => { if let Some(x) = bytes.get_mut(i % len) { *x = b; } }
                Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
                Mutation::Delete(i) => { if !bytes.is_empty() { bytes.remove(i % len); } }
            }
        }
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn escrow_with_each_line_removed_does_not_panic() {
    let src = escrow();
    let lines: Vec<&str> = src.lines().collect();
    for skip in 0..lines.len() {
        let text: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        exercise(&text.join("\n"));
    }
}

#[test]
fn every_prefix_of_escrow_does_not_panic() {
    let src = escrow();
    for end in (0..=src.len()).filter(|i| src.is_char_boundary(*i)) {
        exercise(&src[..end]);
    }
}
