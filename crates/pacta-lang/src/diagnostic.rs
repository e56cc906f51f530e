//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! A diagnostic is plain data (a code, a message, a byte span, a label and an optional help
//! line) so that the CLI, the server and the tests can all use it. [`render`] turns a list of
//! them into the rustc-like text a person reads, through ariadne; [`line_col`] gives callers the
//! position without any rendering.
//!
//! Codes are stable: a code, once given a meaning, keeps it, so scripts and the documentation
//! (`docs/language.md`) can refer to them. Errors are `E0xxx`, warnings `W0xxx`.

use std::ops::Range;

use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Byte offsets into the source.
    pub span: Range<usize>,
    /// The short text printed under the caret.
    pub label: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: label.into(),
            help: None,
        }
    }

    pub fn warning(
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            span,
            label: label.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every diagnostic code with a one-line meaning, in the order of the table in `docs/language.md`.
pub mod codes {
    // Lexical and syntax errors: the text is not a well-formed agreement.
    pub const UNEXPECTED_CHARACTER: &str = "E0001";
    pub const UNTERMINATED_STRING: &str = "E0002";
    pub const BAD_ESCAPE: &str = "E0003";
    pub const BAD_DATE: &str = "E0004";
    pub const BAD_TIME: &str = "E0005";
    pub const BAD_NUMBER: &str = "E0006";
    pub const EXPECTED: &str = "E0010";
    pub const UNKNOWN_KEYWORD: &str = "E0011";
    pub const MIXED_AND_OR: &str = "E0012";
    pub const PERIOD_WITHOUT_ANCHOR: &str = "E0013";
    pub const MISSING_COLON: &str = "E0014";
    pub const DECL_AFTER_CLAUSE: &str = "E0015";
    pub const EMPTY_FILE: &str = "E0016";
    pub const DUPLICATE_SECTION: &str = "E0017";
    pub const BAD_NAME: &str = "E0018";
    pub const BAD_CLAUSE_NUMBER: &str = "E0019";
    // Meaning errors: the text parses, but does not make a runnable agreement.
    pub const MISSING_HEADER_FIELD: &str = "E0101";
    pub const UNKNOWN_CURRENCY: &str = "E0102";
    pub const UNKNOWN_CALENDAR: &str = "E0103";
    pub const UNKNOWN_TIME_ZONE: &str = "E0104";
    pub const UNKNOWN_PARTY: &str = "E0105";
    pub const UNKNOWN_ACCOUNT: &str = "E0106";
    pub const UNKNOWN_DOCUMENT: &str = "E0107";
    pub const UNKNOWN_INSTRUMENT: &str = "E0108";
    pub const UNKNOWN_EVENT: &str = "E0109";
    pub const UNKNOWN_OBLIGATION: &str = "E0110";
    pub const UNKNOWN_ISSUABLE: &str = "E0111";
    pub const WRONG_KIND: &str = "E0112";
    pub const DUPLICATE_NAME: &str = "E0113";
    pub const DUPLICATE_CLAUSE: &str = "E0114";
    pub const EACH_OF_SINGLE: &str = "E0115";
    pub const BARE_ROLE: &str = "E0116";
    pub const GROUP_MEMBER: &str = "E0117";
    pub const TWO_RESTS: &str = "E0118";
    pub const REST_NOT_LAST: &str = "E0119";
    pub const LEGS_OVERFLOW: &str = "E0120";
    pub const OVER_LIMIT: &str = "E0121";
    pub const REFUND_NON_DEPOSITOR: &str = "E0122";
    pub const BAD_AMOUNT: &str = "E0123";
    pub const NOT_SINGLE: &str = "E0124";
    pub const TWO_AGENTS: &str = "E0125";
    pub const ZERO_ACCRUAL: &str = "E0126";
    pub const DUPLICATE_HEADER_FIELD: &str = "E0127";
    // Warnings: the agreement runs, but probably not as intended.
    pub const UNUSED: &str = "W0001";
    pub const COURT_ORDER_NOT_OBEYED: &str = "W0002";
    pub const NOTHING_TO_PAY: &str = "W0003";
}

/// 1-based line and column (in characters) of a byte offset; offsets past the end, or inside a
/// multi-byte character, are clamped to the nearest position before them.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Renders diagnostics the way rustc does: `Error[E0105]: message`, then `file:line:col`, the
/// line of source and a caret under the span, then the help. ASCII drawing is used so the output
/// reads the same in any terminal, log file or snapshot.
pub fn render(file_name: &str, source: &str, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = Vec::new();
    let source_cache = Source::from(source);
    for d in diagnostics {
        let span = displayable_span(source, &d.span);
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let config = Config::default()
            .with_color(color)
            .with_char_set(CharSet::Ascii)
            .with_index_type(IndexType::Byte);
        let mut report = Report::build(kind, (file_name, span.clone()))
            .with_config(config)
            .with_code(d.code)
            .with_message(&d.message)
            .with_label(Label::new((file_name, span)).with_message(&d.label));
        if let Some(help) = &d.help {
            report = report.with_help(help);
        }
        // Writing into a Vec cannot fail for IO reasons; if ariadne ever reports an error we
        // still want the remaining diagnostics, so fall back to a plain line for this one.
        if report
            .finish()
            .write((file_name, &source_cache), &mut out)
            .is_err()
        {
            let (line, col) = line_col(source, d.span.start);
            out.extend_from_slice(
                format!(
                    "{}[{}]: {} at {file_name}:{line}:{col}\n",
                    severity_word(d.severity),
                    d.code,
                    d.message
                )
                .as_bytes(),
            );
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    }
}

/// A span ariadne can draw: inside the source, on character boundaries and at least one
/// character wide where the source allows, so the caret always has something to sit under
/// (an "expected `:`" at the end of the file points at the last character).
fn displayable_span(source: &str, span: &Range<usize>) -> Range<usize> {
    let len = source.len();
    let mut start = floor_char_boundary(source, span.start.min(len));
    let mut end = floor_char_boundary(source, span.end.min(len)).max(start);
    if start == end {
        if let Some(c) = source[start..].chars().next() {
            // A zero-width span before a newline would draw past the end of the line: point at
            // the last character of the line instead when there is one.
            if c == '\n' && start > 0 && !source[..start].ends_with('\n') {
                let prev = source[..start]
                    .chars()
                    .next_back()
                    .map_or(1, char::len_utf8);
                start -= prev;
            } else {
                end = start + c.len_utf8();
            }
        } else if let Some(c) = source[..start].chars().next_back() {
            start -= c.len_utf8();
        }
        if end == start {
            end = start + source[start..].chars().next().map_or(0, char::len_utf8);
        }
    }
    start..end
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Edit distance for "did you mean": small inputs only (names), so the quadratic table is fine.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo: at most one
/// edit for short names and about a third of the length for longer ones.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_characters() {
        let src = "ab\nc\u{e9}d\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, 6), (2, 3));
        assert_eq!(
            line_col(src, 5),
            (2, 2),
            "inside a multi-byte character clamps back"
        );
        assert_eq!(line_col(src, 100), (3, 1));
    }

    #[test]
    fn suggestions_need_to_be_close() {
        assert_eq!(
            did_you_mean("purchasr", ["purchaser", "company"]),
            Some("purchaser")
        );
        assert_eq!(did_you_mean("kramr", ["kramer", "agent"]), Some("kramer"));
        assert_eq!(did_you_mean("xyz", ["purchaser", "company"]), None);
    }

    #[test]
    fn renders_empty_source_and_end_of_file_spans() {
        let d = Diagnostic::error("E0016", 0..0, "empty", "here");
        assert!(render("x.pact", "", std::slice::from_ref(&d), false).contains("E0016"));
        let out = render("x.pact", "abc", &[Diagnostic { span: 3..3, ..d }], false);
        assert!(out.contains("x.pact:1:3"), "{out}");
    }
}
