//! Implementation detail of [`migrate`](https://docs.rs/migrate): use it through `migrate`.
//!
//! The migration table ([`Migrator`], [`Migration`], [`Version`]) and, with a database
//! feature, the runtime that applies it.

#![warn(missing_docs)]

#[cfg(feature = "_db")]
mod driver;
mod error;
#[cfg(feature = "_db")]
mod run;
#[cfg(feature = "_db")]
mod runner;
#[cfg(feature = "_db")]
mod status;
mod table;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "_db")]
pub use driver::{Connect, Driver};
pub use error::Error;
#[cfg(feature = "_db")]
pub use runner::{Runner, DEFAULT_TABLE};
#[cfg(feature = "_db")]
pub use status::{Applied, MigrationStatus, Report, State, Step};
pub use table::{Amendment, Migration, Migrator, Script, Transaction, Version};

/// The sqlx this runtime is built on, for pools and connections of the matching version.
#[cfg(feature = "_db")]
pub use sqlx;
