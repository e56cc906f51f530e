//! Malformed agreements and what the compiler says about them.
//!
//! Each case is a seed agreement with one mistake put in (or a small file written for the case).
//! It asserts the diagnostic's code and where it points, and snapshots the rendered text a person
//! would read (`tests/snapshots/`), so any change to the wording shows up in review.

use pacta_lang::{compile, line_col, render, Severity};

fn seed(name: &str) -> String {
    let path = format!(
        "{}/../../agreements/{name}.pact",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The seed `name` with `from` (which must occur exactly once) replaced by `to`.
fn edit(name: &str, from: &str, to: &str) -> String {
    let src = seed(name);
    assert_eq!(
        src.matches(from).count(),
        1,
        "`{from}` must occur once in {name}"
    );
    src.replacen(from, to, 1)
}

fn escrow(from: &str, to: &str) -> String {
    edit("escrow", from, to)
}

/// Compiles `src`, checks that a diagnostic with `code` points at `line:col`, and snapshots the
/// rendering of all of them.
fn case(name: &str, src: &str, code: &str, line: usize, col: usize) -> pacta_lang::Compiled {
    let compiled = compile(src);
    let rendered = render(&format!("{name}.pact"), src, &compiled.diagnostics, false);
    let Some(d) = compiled.diagnostics.iter().find(|d| d.code == code) else {
        panic!("{name}: expected {code}, got:\n{rendered}");
    };
    assert_eq!(
        line_col(src, d.span.start),
        (line, col),
        "{name}: {code} points elsewhere:\n{rendered}"
    );
    assert_eq!(
        compiled.agreement.is_some(),
        d.severity == Severity::Warning && !compiled.has_errors()
    );
    insta::assert_snapshot!(name, rendered);
    compiled
}

#[test]
fn undefined_party() {
    case(
        "undefined_party",
        &escrow("15,000.00 to kramer", "15,000.00 to kramr"),
        "E0105",
        43,
        20,
    );
}

#[test]
fn amount_with_three_decimals() {
    case(
        "three_decimals",
        &escrow("15,000.00 to kramer", "15,000.001 to kramer"),
        "E0123",
        43,
        7,
    );
}

#[test]
fn unknown_currency() {
    case(
        "unknown_currency",
        &escrow("currency USD", "currency USX"),
        "E0102",
        8,
        12,
    );
}

#[test]
fn unknown_calendar() {
    case(
        "unknown_calendar",
        &escrow("\"us-federal-reserve\"", "\"us-federal-reserv\""),
        "E0103",
        9,
        17,
    );
}

#[test]
fn bad_time_zone() {
    case(
        "bad_time_zone",
        &escrow("\"America/New_York\"", "\"America/New_Yrok\""),
        "E0104",
        9,
        41,
    );
}

#[test]
fn unterminated_string() {
    case(
        "unterminated_string",
        &escrow(
            "clause 1.1 \"Escrow account\"",
            "clause 1.1 \"Escrow account",
        ),
        "E0002",
        30,
        12,
    );
}

#[test]
fn missing_colon_after_condition() {
    case(
        "missing_colon",
        &escrow(
            "unless received nir_waiver within 10 business days of dated:",
            "unless received nir_waiver within 10 business days of dated",
        ),
        "E0014",
        49,
        57,
    );
}

#[test]
fn mixed_and_or() {
    case(
        "mixed_and_or",
        &escrow(
            "when received nir_waiver and received signature_pages and received closing_documents:",
            "when received nir_waiver and received signature_pages or received closing_documents:",
        ),
        "E0012",
        34,
        57,
    );
}

#[test]
fn period_without_anchor() {
    case(
        "period_without_anchor",
        &escrow(
            "within 10 business days of dated:",
            "within 10 business days:",
        ),
        "E0013",
        49,
        37,
    );
}

#[test]
fn duplicate_clause_number() {
    case(
        "duplicate_clause",
        &escrow("clause 2.9 \"Court orders\"", "clause 2.7 \"Court orders\""),
        "E0114",
        55,
        8,
    );
}

#[test]
fn each_of_a_single_party() {
    case(
        "each_company",
        &escrow(
            "notify company and each purchaser",
            "notify each company and each purchaser",
        ),
        "E0115",
        35,
        12,
    );
}

#[test]
fn bare_many_role() {
    case(
        "bare_purchaser",
        &escrow(
            "each purchaser may deposit into escrow",
            "purchaser may deposit into escrow",
        ),
        "E0116",
        31,
        3,
    );
}

#[test]
fn two_rest_legs() {
    case(
        "two_rests",
        &escrow("520,000.00 to burnham", "the rest to burnham"),
        "E0118",
        46,
        7,
    );
}

#[test]
fn rest_not_last() {
    case(
        "rest_not_last",
        &escrow(
            "520,000.00 to burnham\n      the rest to company",
            "the rest to company\n      520,000.00 to burnham",
        ),
        "E0119",
        45,
        7,
    );
}

#[test]
fn payment_over_the_account_limit() {
    case(
        "over_limit",
        &escrow("520,000.00 to burnham", "8,000,000.00 to burnham"),
        "E0121",
        42,
        5,
    );
}

#[test]
fn refund_to_parties_who_never_deposit() {
    case(
        "refund_non_depositor",
        &escrow(
            "each purchaser may deposit into escrow",
            "company may deposit into escrow",
        ),
        "E0122",
        50,
        22,
    );
}

#[test]
fn unknown_keyword_at_top_level() {
    case(
        "unknown_top_keyword",
        &escrow(
            "clause 1.1 \"Escrow account\"",
            "recital \"The Company wishes to sell shares\"\n\nclause 1.1 \"Escrow account\"",
        ),
        "E0011",
        30,
        1,
    );
}

#[test]
fn date_that_does_not_exist() {
    case(
        "bad_date",
        &escrow("dated 2005-08-19", "dated 2005-02-30"),
        "E0004",
        6,
        9,
    );
}

#[test]
fn misspelt_header_field() {
    let compiled = case(
        "misspelt_header_field",
        &escrow("  currency USD", "  curency USD"),
        "E0011",
        8,
        3,
    );
    assert_eq!(compiled.diagnostics.len(), 1, "one mistake, one diagnostic");
}

#[test]
fn missing_parties_section() {
    let compiled = case("missing_parties", &escrow("parties\n", ""), "E0010", 11, 3);
    assert_eq!(
        compiled.diagnostics.len(),
        1,
        "one missing word, one diagnostic"
    );
}

#[test]
fn missing_header_field() {
    case(
        "missing_header_field",
        &escrow("  currency USD\n", ""),
        "E0101",
        5,
        1,
    );
}

#[test]
fn unknown_document_in_condition() {
    case(
        "unknown_document",
        &escrow("release_notice and received nir_waiver and received signature_pages and received closing_documents:", "release_notice and received nir_waiver and received signature_pages and received closing_docs:"),
        "E0107",
        41, 96,
    );
}

#[test]
fn stray_token_inside_a_clause() {
    case(
        "stray_token",
        &escrow("agent obeys court orders", "agent obeys court orders )"),
        "E0010",
        56,
        28,
    );
}

#[test]
fn empty_file() {
    case("empty_file", "", "E0016", 1, 1);
    case("only_comments", "-- nothing here yet\n", "E0016", 1, 1);
}

#[test]
fn amount_too_large() {
    case(
        "overflow_amount",
        &escrow("15,000.00 to kramer", "99,999,999,999,999,999.00 to kramer"),
        "E0123",
        43,
        7,
    );
}

#[test]
fn fixed_legs_overflow() {
    case(
        "legs_overflow",
        &escrow(
            "15,000.00 to kramer\n      48,500.00 to sichenzia",
            "92,233,720,368,547,758.00 to kramer\n      48,500.00 to sichenzia",
        ),
        "E0120",
        44,
        7,
    );
}

#[test]
fn unknown_warrant_in_issue() {
    let src = edit(
        "omnibus-waiver",
        "    issue within 5 business days of occurred reverse_split\n",
        "    issue within 5 business days of occurred reverse_split\n  when occurred reverse_split:\n    issue prepayment_warrant\n",
    );
    case("unknown_warrant", &src, "E0111", 52, 11);
}

#[test]
fn unused_instrument_is_a_warning() {
    let compiled = case(
        "unused_instrument",
        &escrow(
            "until signed settlement or court order",
            "until court order",
        ),
        "W0001",
        28,
        12,
    );
    assert!(
        compiled.agreement.is_some(),
        "warnings never block compilation"
    );
}

#[test]
fn court_order_release_without_an_obeying_party() {
    let compiled = case(
        "court_order_not_obeyed",
        &escrow("  agent obeys court orders\n", ""),
        "W0002",
        64,
        44,
    );
    assert!(compiled.agreement.is_some());
}

#[test]
fn pay_from_an_account_nobody_funds() {
    let src = escrow(
        "clause 2.7 \"Amendment\"",
        "clause 2.6 \"Fees\"\n  when signed release_notice:\n    pay from fees\n      1.00 to kramer\n\nclause 2.7 \"Amendment\"",
    )
    .replace("account escrow", "account fees held by agent\naccount escrow");
    let compiled = case("nothing_to_pay", &src, "W0003", 55, 5);
    assert!(compiled.agreement.is_some());
}

#[test]
fn condition_names_the_wrong_kind_of_thing() {
    case(
        "wrong_kind",
        &escrow(
            "unless received nir_waiver within",
            "unless signed nir_waiver within",
        ),
        "E0112",
        49,
        17,
    );
}

#[test]
fn group_member_that_is_not_a_single_party() {
    case(
        "group_member",
        &escrow(
            "  nir       \"NIR Group\"\n",
            "  nir       \"NIR Group\"\n  investors group company, purchaser\n",
        ),
        "E0117",
        16,
        28,
    );
}

#[test]
fn name_declared_twice() {
    case(
        "duplicate_name",
        &escrow(
            "  kramer    \"Kramer",
            "  nir \"NIR Group, again\"\n  kramer    \"Kramer",
        ),
        "E0113",
        16,
        3,
    );
}

#[test]
fn character_that_is_not_part_of_the_language() {
    case(
        "bad_character",
        &escrow("15,000.00 to kramer", "$15,000.00 to kramer"),
        "E0001",
        43,
        7,
    );
}

#[test]
fn waiver_bounded_with_or_instead_of_but_no_longer_than() {
    let src = edit(
        "omnibus-waiver",
        "but no longer than 10 business days of dated",
        "or 10 business days of dated",
    );
    case("old_waiver_form", &src, "E0010", 28, 53);
}

#[test]
fn several_errors_are_reported_in_one_run() {
    let src = escrow("15,000.00 to kramer", "15,000.00 to kramr")
        .replace("currency USD", "currency USX")
        .replace(
            "unless received nir_waiver within 10 business days of dated:",
            "unless received nir_waiver within 10 business days of dated",
        )
        .replace("agent obeys court orders", "agent obeys court orders )")
        .replace("clause 2.9 \"Court orders\"", "clause 2.7 \"Court orders\"");
    let compiled = compile(&src);
    let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["E0102", "E0105", "E0014", "E0114", "E0010"],
        "{}",
        render("several.pact", &src, &compiled.diagnostics, false)
    );
    insta::assert_snapshot!(
        "several_errors",
        render("several.pact", &src, &compiled.diagnostics, false)
    );
}

#[test]
fn format_refuses_text_that_does_not_parse() {
    let src = escrow(
        "clause 1.1 \"Escrow account\"",
        "clause 1.1 \"Escrow account",
    );
    let errors = pacta_lang::format(&src).expect_err("an unterminated string does not format");
    assert_eq!(errors[0].code, "E0002");
    // Meaning errors do not stop the formatter: it works on text, not on agreements.
    let unknown = escrow("15,000.00 to kramer", "15,000.00 to kramr");
    assert!(pacta_lang::format(&unknown).is_ok());
}
