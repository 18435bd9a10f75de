//! The lint as a test (feature `lint`): squawk's PostgreSQL rules over the migrations
//! directory, as `migrate check --lint` runs them (see the `migrate-db-lint` crate for what it
//! knows that squawk alone does not).
//!
//! ```no_run
//! # use migrate_testing as testing;
//! #[test]
//! fn migrations_pass_the_lint() {
//!     testing::lint::assert_clean("migrations");
//! }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

pub use migrate_lint::{Finding, Lint, Options};

/// Why the lint could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The directory does not pass the build's checks (the build fails on it too).
    Source(migrate_core::Diagnostics),
    /// An option is wrong (an unreadable PostgreSQL version).
    Options(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Source(problems) => {
                write!(f, "the migrations directory has problems:\n{problems}")
            }
            Error::Options(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

/// Lints the migrations in `dir` (relative to the crate root, as given to
/// `embed_migrations!`): every finding, those `-- migrate:allow` acknowledges left out.
pub fn check(dir: impl AsRef<Path>, options: &Options) -> Result<Lint, Error> {
    let given = dir.as_ref();
    let display = migrate_core::scan::normalise(&given.to_string_lossy());
    let path = match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(root) if given.is_relative() => PathBuf::from(root).join(given),
        _ => given.to_owned(),
    };
    let set = migrate_core::load(&path, &display, &migrate_core::Options::default())
        .map_err(Error::Source)?;
    migrate_lint::lint(&set, options).map_err(Error::Options)
}

/// Panics, listing every finding as `file:line:column: rule: message` with squawk's advice,
/// unless the lint of `dir` finds nothing (see [`check`]).
#[track_caller]
pub fn assert_clean(dir: impl AsRef<Path>) {
    match check(dir, &Options::default()) {
        Ok(lint) if lint.findings.is_empty() => {}
        Ok(lint) => {
            let list: Vec<String> = lint.findings.iter().map(ToString::to_string).collect();
            panic!(
                "the lint found {} problem(s) (acknowledge one with `-- migrate:allow <rule>` in its file):\n{}",
                list.len(),
                list.join("\n")
            );
        }
        Err(e) => panic!("{e}"),
    }
}
