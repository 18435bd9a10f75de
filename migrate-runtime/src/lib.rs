//! Implementation detail of [`migrate`](https://docs.rs/migrate): use it through `migrate`.
//!
//! The migration table ([`Migrator`], [`Migration`], [`Version`]) and the runtime that applies
//! it to a database.

#![warn(missing_docs)]

mod error;
mod table;

pub use error::Error;
pub use table::{Migration, Migrator, Script, Transaction, Version};
