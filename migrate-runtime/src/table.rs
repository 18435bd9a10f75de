//! The migration table: what `embed_migrations!` emits and `Migrator::from_dir` builds.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use crate::error::Error;

/// A migration's version: a non-negative integer that orders migrations.
///
/// The item form of `embed_migrations!` emits one `Version` constant per migration, so code
/// that names a migration is checked by the compiler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i64);

impl Version {
    /// The version `value`.
    pub const fn new(value: i64) -> Self {
        Self(value)
    }

    /// The version as an integer.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<Version> for i64 {
    fn from(version: Version) -> i64 {
        version.0
    }
}

impl From<i64> for Version {
    fn from(value: i64) -> Self {
        Self(value)
    }
}

/// How a script runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transaction {
    /// In one transaction with its tracking row: all of it or nothing.
    Wrapped,
    /// Outside any transaction, statement by statement, with progress recorded after each
    /// (`-- migrate:no-transaction` and its peers' spellings).
    Disabled,
}

/// One script of a migration: its SQL and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    sql: Cow<'static, str>,
    file: Cow<'static, str>,
    line: u32,
    transaction: Transaction,
}

impl Script {
    #[doc(hidden)]
    pub const fn __new(
        sql: &'static str,
        file: &'static str,
        line: u32,
        transaction: Transaction,
    ) -> Self {
        Self {
            sql: Cow::Borrowed(sql),
            file: Cow::Borrowed(file),
            line,
            transaction,
        }
    }

    /// The SQL, as in the file (a goose or dbmate file's section), without a byte order mark.
    pub fn sql(&self) -> &str {
        self.sql.strip_prefix('\u{feff}').unwrap_or(&self.sql)
    }

    /// The file, relative to the crate (or as given to [`Migrator::from_dir`]).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line of the file where the SQL starts.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// How the script runs.
    pub fn transaction(&self) -> Transaction {
        self.transaction
    }
}

/// One migration of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    version: Version,
    name: Cow<'static, str>,
    up: Script,
    down: Option<Script>,
    checksum: [u8; 32],
    chain: [u8; 32],
}

impl Migration {
    #[doc(hidden)]
    pub const fn __new(
        version: i64,
        name: &'static str,
        up: Script,
        down: Option<Script>,
        checksum: [u8; 32],
        chain: [u8; 32],
    ) -> Self {
        Self {
            version: Version(version),
            name: Cow::Borrowed(name),
            up,
            down,
            checksum,
            chain,
        }
    }

    /// Its version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Its description, from the file name (`create_users` for `1_create_users.sql`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SHA-256 checksum of the up script (see the README for the exact algorithm).
    pub fn checksum(&self) -> &[u8; 32] {
        &self.checksum
    }

    /// The hash chain over all migrations up to and including this one.
    pub fn chain(&self) -> &[u8; 32] {
        &self.chain
    }

    /// The up script.
    pub fn up(&self) -> &Script {
        &self.up
    }

    /// The down script, if the migration is reversible.
    pub fn down(&self) -> Option<&Script> {
        self.down.as_ref()
    }

    /// The up script's SQL.
    pub fn up_sql(&self) -> &str {
        self.up.sql()
    }

    /// The down script's SQL, if the migration is reversible.
    pub fn down_sql(&self) -> Option<&str> {
        self.down.as_ref().map(Script::sql)
    }

    /// How the up script runs.
    pub fn transaction(&self) -> Transaction {
        self.up.transaction
    }
}

/// A reviewed edit of a released migration, recorded by `migrate lock --amend`: a database
/// that applied the `old` content takes the `new` checksum instead of failing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amendment {
    version: Version,
    old: [u8; 32],
    new: [u8; 32],
}

impl Amendment {
    #[doc(hidden)]
    pub const fn __new(version: i64, old: [u8; 32], new: [u8; 32]) -> Self {
        Self {
            version: Version(version),
            old,
            new,
        }
    }

    /// The amended migration.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The checksum it was released with.
    pub fn old(&self) -> &[u8; 32] {
        &self.old
    }

    /// The checksum of the reviewed edit.
    pub fn new_checksum(&self) -> &[u8; 32] {
        &self.new
    }
}

/// An ordered, checked set of migrations, embedded at compile time by `embed_migrations!` or
/// read at run time by [`Migrator::from_dir`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migrator {
    migrations: Cow<'static, [Migration]>,
    amendments: Cow<'static, [Amendment]>,
}

impl Migrator {
    #[doc(hidden)]
    pub const fn __embedded(migrations: &'static [Migration]) -> Self {
        Self::__embedded_amended(migrations, &[])
    }

    #[doc(hidden)]
    pub const fn __embedded_amended(
        migrations: &'static [Migration],
        amendments: &'static [Amendment],
    ) -> Self {
        Self {
            migrations: Cow::Borrowed(migrations),
            amendments: Cow::Borrowed(amendments),
        }
    }

    /// Reads and checks a migrations directory at run time, through the same code that
    /// `embed_migrations!` runs at compile time, so both give the same table.
    ///
    /// File paths in the table and in errors start with `dir` as given.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let display = dir.to_string_lossy().replace('\\', "/");
        let set = migrate_core::load(dir, &display, &migrate_core::Options::default())?;
        Ok(Self::from_set(&set))
    }

    pub(crate) fn from_set(set: &migrate_core::MigrationSet) -> Self {
        let script = |s: &migrate_core::set::Script| Script {
            sql: Cow::Owned(s.sql.clone()),
            file: Cow::Owned(s.file.clone()),
            line: s.line,
            transaction: if s.no_transaction {
                Transaction::Disabled
            } else {
                Transaction::Wrapped
            },
        };
        let migrations = set
            .migrations
            .iter()
            .map(|m| Migration {
                version: Version(m.version),
                name: Cow::Owned(m.description.clone()),
                up: script(&m.up),
                down: m.down.as_ref().map(script),
                checksum: m.checksum,
                chain: m.chain,
            })
            .collect::<Vec<_>>();
        let amendments = set
            .lock
            .iter()
            .flat_map(|lock| &lock.amendments)
            .map(|a| Amendment {
                version: Version(a.version),
                old: a.old,
                new: a.new,
            })
            .collect::<Vec<_>>();
        Self {
            migrations: Cow::Owned(migrations),
            amendments: Cow::Owned(amendments),
        }
    }

    /// The migrations, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The newest migration: its version and chain identify the whole set.
    pub fn head(&self) -> Option<&Migration> {
        self.migrations.last()
    }

    /// The reviewed edits recorded in the lock (`migrate lock --amend`).
    pub fn amendments(&self) -> &[Amendment] {
        &self.amendments
    }

    /// Whether a database that recorded `applied` for migration `m` may take its current
    /// checksum: the lock's amendments lead from one to the other.
    pub fn is_amended(&self, m: &Migration, applied: &[u8]) -> bool {
        let mut checksum = applied;
        // Each step follows one amendment; a chain longer than the list would be a cycle.
        for _ in 0..self.amendments.len() {
            if checksum == m.checksum.as_slice() {
                return true;
            }
            match self
                .amendments
                .iter()
                .find(|a| a.version == m.version && a.old.as_slice() == checksum)
            {
                Some(a) => checksum = &a.new,
                None => return false,
            }
        }
        checksum == m.checksum.as_slice()
    }

    /// The migration of `version`.
    pub fn get(&self, version: Version) -> Option<&Migration> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &self.migrations[i])
    }
}
