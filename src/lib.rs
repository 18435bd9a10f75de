//! Compile-time checked, embedded database migrations.
//!
//! ```
//! static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");
//!
//! let first = &MIGRATOR.migrations()[0];
//! assert_eq!(first.version().get(), 20240101000000);
//! assert_eq!(first.up().file(), "migrations/20240101000000_create_users.up.sql");
//! ```
//!
//! At `cargo build`, `embed_migrations!` reads the directory, checks every file name, the
//! order, the directives and the committed lock file, and fails the build — naming the file
//! and the fix — when a released migration was edited, deleted or merged out of order.
//! What it emits is a static, typed table: nothing is parsed at run time.
//!
//! # Layouts
//!
//! A directory is read as it is, in the layout of sqlx (`<v>_<desc>.sql`, or `.up.sql` with
//! `.down.sql`), golang-migrate (the same, padded), diesel (`<v>_<desc>/up.sql`), refinery
//! (`V<v>__<desc>.sql`), goose (`-- +goose Up` sections) or dbmate (`-- migrate:up`).
//!
//! # New files
//!
//! The expansion includes every migration and the lock, so editing one rebuilds the crate.
//! A procedural macro cannot watch a directory on stable Rust, so a *new* file is seen at
//! the next build only with this one-line `build.rs` (and `migrate` in `[build-dependencies]`):
//!
//! ```no_run
//! fn main() {
//!     migrate::build::track("migrations");
//! }
//! ```
//!
//! # Typed versions
//!
//! The item form emits a module with the table and one [`Version`] constant per migration:
//!
//! ```
//! migrate::embed_migrations!(pub mod db, "migrations");
//!
//! assert_eq!(db::CREATE_USERS.get(), 20240101000000);
//! assert!(db::MIGRATOR.get(db::CREATE_USERS).is_some());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub use migrate_runtime::{
    sqlx, Applied, Connect, Driver, MigrationStatus, Report, Runner, State, Step, DEFAULT_TABLE,
};
pub use migrate_runtime::{Error, Migration, Migrator, Script, Transaction, Version};

/// Embeds a migrations directory, checked at compile time, as a [`Migrator`].
///
/// ```
/// // the directory `migrations`, relative to the crate root (the default)
/// static MIGRATOR: migrate::Migrator = migrate::embed_migrations!();
/// // another directory and lock, and every migration required to be in the lock
/// static RELEASED: migrate::Migrator =
///     migrate::embed_migrations!("migrations", lock = "migrations/migrations.lock", require_locked = true);
/// assert_eq!(MIGRATOR, RELEASED);
/// ```
///
/// Options: `lock = "path"` (default `<dir>/migrations.lock`), `require_locked = true`
/// (migrations missing from the lock fail the build). The item form
/// `embed_migrations!(pub mod db, "migrations")` emits `db::MIGRATOR` and one [`Version`]
/// constant per migration, named after its description in upper case.
///
/// Every problem is a compile error on the macro's path literal that starts with the file's
/// path relative to the crate, states the rule and the fix; all of them appear in one build.
pub use migrate_macros::embed_migrations;

/// Build-script support: see [`build::track`].
pub mod build {
    pub use migrate_core::build::track;
}

#[doc(hidden)]
pub mod __private {
    pub use migrate_runtime::{Migration, Migrator, Script, Transaction, Version};
}
