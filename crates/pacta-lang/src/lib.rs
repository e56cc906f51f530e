//! The `.pact` agreement language: text in, a checked [`Agreement`] (or diagnostics) out.
//!
//! ```
//! let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../agreements/escrow.pact")).unwrap();
//! let compiled = pacta_lang::compile(&src);
//! assert!(compiled.diagnostics.is_empty());
//! let agreement = compiled.agreement.unwrap();
//! assert_eq!(agreement.title, "Escrow Agreement");
//! ```
//!
//! # Layout
//!
//! - `lexer.rs`: text to tokens and comments. Hand-written; bad characters and unterminated
//!   strings are reported and skipped so lexing never stops early.
//! - `syntax.rs`: the syntax tree, one type per grammar construct, with spans; values stay as
//!   written so diagnostics can point at them and the formatter can print them back.
//! - `parser.rs`: tokens to the tree, recursive descent with error recovery.
//! - `check.rs`: names and meaning; builds `pacta_core::agreement::Agreement`.
//! - `format.rs`: the canonical layout, keeping every comment.
//! - `diagnostic.rs`: [`Diagnostic`], the code table, [`render`] (through ariadne) and [`line_col`].
//!
//! The language reference, with every diagnostic code, is `docs/language.md`.
//!
//! # Why a hand-written parser
//!
//! The crate was set up with chumsky 0.10 in mind, and we chose a hand-written lexer and
//! recursive-descent parser instead. The grammar is keyword-driven and nearly LL(1), so a
//! hand-written parser is short (one function per grammar line) and has no combinator types to
//! fight; recovery is explicit and tuned to how agreements are written (skip to the next line that
//! starts a rule, a declaration or a clause), which gives several precise errors per file rather
//! than cascades; the messages can name what was expected in the contract's own terms
//! ("expected `:` after the condition of `when`"); and the parser keeps exactly the token and
//! comment positions the formatter needs. chumsky's recovery strategies are generic and its 0.10
//! API is still settling, which would have made all four harder.
//!
//! # Guarantees
//!
//! No input makes these functions panic: every lookup that depends on the text is checked, and a
//! property test and a fuzz target (`fuzz/`) exercise arbitrary input. [`Compiled::agreement`]
//! is `Some` exactly when there are no errors; warnings never block it.

mod check;
mod diagnostic;
mod format;
mod lexer;
mod parser;
mod syntax;

pub use diagnostic::{codes, line_col, render, Diagnostic, Severity};
pub use pacta_core::agreement::Agreement;

/// The result of [`compile`]: the agreement if there were no errors, and every diagnostic
/// (errors and warnings) in file order.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub agreement: Option<Agreement>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks a `.pact` source.
///
/// When the text has syntax errors the checker still runs over what could be parsed, so one run
/// reports mistakes of both kinds; its warnings are held back then, because a rule that failed to
/// parse would make the things it uses look unused.
pub fn compile(source: &str) -> Compiled {
    let (file, mut diagnostics) = parser::parse(source);
    let syntax_errors = diagnostics.iter().any(Diagnostic::is_error);
    let (agreement, checked) = check::check(&file, source);
    diagnostics.extend(
        checked
            .into_iter()
            .filter(|d| !syntax_errors || d.is_error()),
    );
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    diagnostics.dedup();
    let agreement = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        Some(agreement)
    };
    Compiled {
        agreement,
        diagnostics,
    }
}

/// The canonical form of `source`, keeping every comment. Fails with the syntax errors if the
/// text does not parse (meaning errors, such as an unknown party, do not stop formatting).
/// `format(&format(x)?)? == format(x)?` for every `x` that formats.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    format::format(source)
}
