//! Any bytes through the front end: UTF-8 check, parse, then resolve, type
//! check and lower. None may panic, hang or overflow the stack, and every
//! error must say something.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run parse` from the repository
//! root (cargo-fuzz needs nightly flags; the bootstrap variable allows them
//! on a stable toolchain).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = match spec_lang::source_text(data) {
        Ok(source) => source,
        Err(diagnostic) => {
            assert!(!diagnostic.message.is_empty());
            return;
        }
    };
    let diagnostics = match spec_lang::parse(source) {
        Ok(file) => match spec_lang::compile_file(&file, &[]) {
            Ok(_) => return,
            Err(diagnostics) => diagnostics,
        },
        Err(diagnostics) => diagnostics,
    };
    assert!(!diagnostics.is_empty());
    for diagnostic in &diagnostics {
        assert!(!diagnostic.message.is_empty());
        assert!(diagnostic.primary.span.end as usize <= source.len());
    }
    // Rendering must not panic either.
    let _ = spec_lang::render("fuzz.spec", source, &diagnostics, false);
});
