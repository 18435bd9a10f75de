//! The one error type of the runtime.

/// What went wrong, with what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The migrations directory breaks a rule (only from [`crate::Migrator::from_dir`]; the
    /// macro reports the same problems at compile time).
    #[error("the migrations directory has problems; fix them and try again:\n{0}")]
    Source(#[from] migrate_core::Diagnostics),
}
