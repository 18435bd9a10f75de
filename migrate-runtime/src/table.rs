//! The migration table: what `embed_migrations!` emits and `Migrator::from_dir` builds.

use std::borrow::Cow;
use std::fmt;

use migrate_core::checksum::to_hex;

pub use crate::repeatable::Repeatable;
pub use crate::script::{Script, Transaction};
pub use crate::version::Version;

/// One migration of the table.
///
/// Its name is a range of the up script's path, which always holds it (the file name, or
/// diesel's directory name), and its chain is not stored: the runtime computes it from the
/// checksums; [`Migrator::head_chain`] is the one the fast path needs.
#[derive(Clone, PartialEq, Eq)]
pub struct Migration {
    version: Version,
    up: Script,
    down: Option<Script>,
    checksum: [u8; 32],
    name_start: u16,
    name_len: u16,
}

/// One migration as `embed_migrations!` emits it: `(version, name, up, up_text, up_guard,
/// down, down_text, down_guard, checksum)`. A script's text is its file's path followed by its
/// SQL; `up` and `down` pack `line << 32 | path length << 1 | no-transaction`; the guards pack
/// its timeouts (`migrate_core::duration::pack`); `name` packs the name's start in the up script's path
/// `<< 16 |` its length; `down_text` is empty when there is no down script.
#[doc(hidden)]
pub type Row = (
    i64,
    u32,
    u64,
    &'static str,
    u64,
    u64,
    &'static str,
    u64,
    &'static [u8; 32],
);

impl Migration {
    const PLACEHOLDER: Self = Self {
        version: Version::__checked(0),
        up: Script::embedded("", 0, 0),
        down: None,
        checksum: [0; 32],
        name_start: 0,
        name_len: 0,
    };

    /// The embedded table. Built by const evaluation from plain tuples of literals, because
    /// rustc type-checks and evaluates N tuples and one loop much faster than N constructor
    /// calls (0.3 s less per 5000 migrations; see BENCHMARKS.md).
    #[doc(hidden)]
    pub const fn __table<const N: usize>(rows: &[Row; N]) -> [Self; N] {
        let mut table = [Self::PLACEHOLDER; N];
        let mut i = 0;
        while i < N {
            let (version, name, up, up_text, up_guard, down, down_text, down_guard, checksum) =
                rows[i];
            let m = Self {
                version: Version::__checked(version),
                up: Script::embedded(up_text, up, up_guard),
                down: if down_text.is_empty() {
                    None
                } else {
                    Some(Script::embedded(down_text, down, down_guard))
                },
                checksum: *checksum,
                name_start: (name >> 16) as u16,
                name_len: (name & 0xffff) as u16,
            };
            // A const fn cannot drop the placeholder (its type has drop glue); it owns nothing.
            std::mem::forget(std::mem::replace(&mut table[i], m));
            i += 1;
        }
        table
    }

    /// A migration read at run time (see `load`); the name is a range of the up script's
    /// path.
    pub(crate) fn owned(
        version: Version,
        up: Script,
        down: Option<Script>,
        checksum: [u8; 32],
        name: std::ops::Range<u16>,
    ) -> Self {
        Self {
            version,
            up,
            down,
            checksum,
            name_start: name.start,
            name_len: name.end.saturating_sub(name.start),
        }
    }

    /// Its version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Its description, from the file name (`create_users` for `1_create_users.sql`).
    pub fn name(&self) -> &str {
        let start = usize::from(self.name_start);
        self.up
            .file()
            .get(start..start + usize::from(self.name_len))
            .unwrap_or_default()
    }

    /// The SHA-256 checksum of the up script (see the README for the exact algorithm).
    pub fn checksum(&self) -> &[u8; 32] {
        &self.checksum
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
        self.up.transaction()
    }
}

impl fmt::Debug for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migration")
            .field("version", &self.version)
            .field("name", &self.name())
            .field("checksum", &to_hex(&self.checksum))
            .field("up", &self.up)
            .field("down", &self.down)
            .finish()
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
            version: Version::__checked(version),
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
    repeatables: Cow<'static, [Repeatable]>,
    head_chain: [u8; 32],
}

impl Migrator {
    /// `head_chain` is the chain over all of `migrations`, then over the repeatable migrations
    /// (32 zero bytes when there is none).
    #[doc(hidden)]
    pub const fn __embedded(migrations: &'static [Migration], head_chain: [u8; 32]) -> Self {
        Self::__embedded_amended(migrations, head_chain, &[])
    }

    #[doc(hidden)]
    pub const fn __embedded_amended(
        migrations: &'static [Migration],
        head_chain: [u8; 32],
        amendments: &'static [Amendment],
    ) -> Self {
        Self::__embedded_with(migrations, head_chain, amendments, &[])
    }

    /// The table with repeatable migrations, in name order.
    #[doc(hidden)]
    pub const fn __embedded_with(
        migrations: &'static [Migration],
        head_chain: [u8; 32],
        amendments: &'static [Amendment],
        repeatables: &'static [Repeatable],
    ) -> Self {
        Self {
            migrations: Cow::Borrowed(migrations),
            amendments: Cow::Borrowed(amendments),
            repeatables: Cow::Borrowed(repeatables),
            head_chain,
        }
    }

    /// A set read at run time (see `load`).
    pub(crate) fn owned(
        migrations: Vec<Migration>,
        amendments: Vec<Amendment>,
        repeatables: Vec<Repeatable>,
        head_chain: [u8; 32],
    ) -> Self {
        Self {
            migrations: Cow::Owned(migrations),
            amendments: Cow::Owned(amendments),
            repeatables: Cow::Owned(repeatables),
            head_chain,
        }
    }

    /// The repeatable migrations, in name order: a run applies each one after every
    /// versioned migration, whenever its checksum differs from the one last applied.
    pub fn repeatables(&self) -> &[Repeatable] {
        &self.repeatables
    }

    /// The migrations, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The newest migration: its version and [`head_chain`](Self::head_chain) identify the
    /// whole set.
    pub fn head(&self) -> Option<&Migration> {
        self.migrations.last()
    }

    /// The hash chain over every migration, then over every repeatable migration's name and
    /// checksum in name order (32 zero bytes for an empty set): what the tracking table's
    /// newest row carries when the database applied exactly this set, and the `head` of the
    /// lock file once everything is locked.
    pub fn head_chain(&self) -> &[u8; 32] {
        &self.head_chain
    }

    /// `chain` (the newest versioned migration's) extended with the repeatable migrations'
    /// current checksums: what the newest row carries once they are all applied.
    #[cfg(feature = "_db")]
    pub(crate) fn sealed(&self, chain: &[u8; 32]) -> [u8; 32] {
        self.repeatables.iter().fold(*chain, |chain, r| {
            migrate_core::checksum::chain_repeatable(&chain, r.name(), r.checksum())
        })
    }

    /// The hash chain over the migrations up to and including `version` (see the README),
    /// computed from their checksums: one SHA-256 per migration up to it. The runtime's
    /// plumbing, public for the tests that compare the table with the directory.
    #[doc(hidden)]
    pub fn chain_of(&self, version: Version) -> Option<[u8; 32]> {
        let index = self.index(version)?;
        if index + 1 == self.migrations.len() && self.repeatables.is_empty() {
            return Some(self.head_chain);
        }
        self.chains().nth(index)
    }

    /// The chain at each migration, in order, computed from the checksums.
    pub(crate) fn chains(&self) -> impl Iterator<Item = [u8; 32]> + '_ {
        self.migrations
            .iter()
            .scan(migrate_core::checksum::CHAIN_START, |chain, m| {
                *chain = migrate_core::checksum::chain(chain, m.version.get(), &m.checksum);
                Some(*chain)
            })
    }

    /// The reviewed edits recorded in the lock (`migrate lock --amend`).
    pub fn amendments(&self) -> &[Amendment] {
        &self.amendments
    }

    /// Whether a database that recorded `applied` for migration `m` may take its current
    /// checksum: the lock's amendments lead from one to the other.
    #[cfg_attr(not(feature = "_db"), allow(dead_code))]
    pub(crate) fn is_amended(&self, m: &Migration, applied: &[u8]) -> bool {
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
        self.index(version).map(|i| &self.migrations[i])
    }

    /// The position of `version` in [`migrations`](Self::migrations).
    pub(crate) fn index(&self, version: Version) -> Option<usize> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
    }
}
