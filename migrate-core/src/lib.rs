//! Implementation detail of [`migrate`](https://docs.rs/migrate): do not depend on it directly.
//! Its API follows `migrate`'s needs and changes without notice.
//!
//! Every rule about migration files lives here, so `embed_migrations!`, `Migrator::from_dir`
//! and the CLI share one code path: the file-name [`scheme`]s (with [`diesel`]'s own version
//! rule) and their inverse, [`render`] (with the UTC [`time`] of timestamped names), the
//! directory [`scan`], [`directive`]s and goose/dbmate [`section`]s, the statement
//! [`split`]ter, the [`duration`]s of timeout directives, [`checksum`]s, the [`lock`] file and its rules (current, amended), the
//! whole-set checks in [`set`], the statements that do not belong in a transactional
//! script ([`hazard`]), and the table a statement works on ([`relation`]).
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("migrate-core-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! std::fs::write(dir.join("1_users.sql"), "create table users (id int);\n")?;
//! std::fs::write(dir.join("2_posts.sql"), "create table posts (id int);\n")?;
//! let set = migrate_core::set::load(&dir, "migrations", &Default::default())?;
//! assert_eq!(set.migrations.len(), 2);
//! assert_eq!(set.migrations[1].up.file, "migrations/2_posts.sql");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod build;
pub mod checksum;
pub mod diagnostic;
pub mod diesel;
pub mod directive;
pub mod duration;
pub mod hazard;
pub mod lock;
mod parallel;
pub mod relation;
pub mod render;
pub mod scan;
pub mod scheme;
pub mod section;
pub mod set;
pub mod split;
pub mod time;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use set::{load, MigrationSet, Options};
