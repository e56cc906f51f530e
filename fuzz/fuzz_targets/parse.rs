//! Feeds arbitrary bytes to the compiler and the formatter. Neither may panic, and the
//! formatter's promises must hold on whatever it accepts: formatting twice changes nothing, and
//! formatting never changes what an agreement means.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let compiled = pacta_lang::compile(src);
    let _ = pacta_lang::render("fuzz.pact", src, &compiled.diagnostics, false);
    if let Ok(formatted) = pacta_lang::format(src) {
        assert_eq!(pacta_lang::format(&formatted).as_ref(), Ok(&formatted));
        assert_eq!(
            pacta_lang::compile(&formatted).agreement,
            compiled.agreement
        );
    }
});
