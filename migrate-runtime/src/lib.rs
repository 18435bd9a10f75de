//! Implementation detail of [`migrate`](https://docs.rs/migrate): use it through `migrate`.
//!
//! The migration table ([`Migrator`], [`Migration`], [`Version`]) and, with a database
//! feature, the runtime that applies it:
//!
//! - `table`, `repeatable`, `version`, `load`: the table as plain data (versioned and
//!   repeatable migrations), and reading it from a directory;
//! - `runner`: the settings and the operations ([`Runner`]);
//! - `engine`: the algorithm, one job per module (validate, lock, apply, atomic, locate,
//!   undo, admin, inspect);
//! - `driver`: what differs per database, behind the sealed [`Driver`] trait, with the
//!   tracking table's SQL written once;
//! - `report`, `error`: what the operations return;
//! - [`adopt`]: switching from another tool, its history table read, mapped and verified.

#![warn(missing_docs)]

#[cfg(feature = "_db")]
pub mod adopt;
#[cfg(feature = "_db")]
mod driver;
#[cfg(feature = "_db")]
mod engine;
mod error;
#[cfg(feature = "_db")]
pub mod fleet;
#[cfg(feature = "_db")]
mod guard;
mod load;
mod repeatable;
#[cfg(feature = "_db")]
mod report;
#[cfg(feature = "_db")]
mod runner;
mod script;
mod table;
mod version;

#[cfg(feature = "_db")]
pub use driver::{Connect, Driver};
#[cfg(feature = "_db")]
pub use error::{DatabaseError, LockWait};
pub use error::{Error, Vocabulary};
#[cfg(feature = "_db")]
pub use report::{
    Applied, MigrationStatus, Progress, RepeatableApplied, RepeatableState, RepeatableStatus,
    Report, State, Step,
};
#[cfg(feature = "_db")]
pub use runner::{Locking, Runner, DEFAULT_TABLE};
pub use table::{Amendment, Migration, Migrator, Repeatable, Script, Transaction};
pub use version::{NegativeVersion, Timestamp, Version};

/// The sqlx this runtime is built on, for pools and connections of the matching version.
#[cfg(feature = "_db")]
pub use sqlx;

/// The runtime's plumbing that `migrate::testing` uses: not a public API.
#[cfg(feature = "_db")]
#[doc(hidden)]
pub mod __private {
    pub use crate::driver::tracking::{self, Newest, Row, Table};
    pub use crate::driver::{Cell, Conn, Types};
    pub use crate::fleet::target::without_password;
}
