//! The ui suite of `#[migrate::test]`: every mistake in its use is a compile error on the
//! code at fault (`tests/ui/test-attr`). Type errors (a parameter that is no pool, a return
//! type a test cannot have) are not here: they live in the body of the `#[test]` function,
//! which a build that is not a test build drops; tests/testing.rs shows the working forms.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --all-features --test
//! testing_ui`, then review every one.

#![cfg(all(feature = "testing", feature = "sqlite"))]

#[test]
fn ui() {
    // as in tests/ui.rs: the cases are built elsewhere, the embedded paths are this crate's
    std::env::set_var("MIGRATE_MANIFEST_DIR_OVERRIDE", env!("CARGO_MANIFEST_DIR"));
    trybuild::TestCases::new().compile_fail("tests/ui/test-attr/*.rs");
}
