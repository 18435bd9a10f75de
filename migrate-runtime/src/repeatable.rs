//! A repeatable migration of the table: a script without a version (a view, a function, a
//! grant) that a run re-applies after every versioned migration, whenever its checksum
//! differs from the one the database last applied.

use std::fmt;

use migrate_core::checksum::to_hex;

use crate::table::{Script, Transaction};

/// One repeatable migration: `R__<name>.sql` in a refinery or Flyway directory,
/// `repeatable/<name>.sql` in the other layouts.
///
/// Its name is a range of its file's path, which always holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct Repeatable {
    script: Script,
    checksum: [u8; 32],
    name_start: u16,
    name_len: u16,
}

impl Repeatable {
    /// A repeatable migration as `embed_migrations!` emits it: its text (the path followed by
    /// the SQL), `packed` and `guard` as a migration's up script packs them (see
    /// `migrate_runtime::table::Row`), the name's start in the path `<< 16 |` its length, and
    /// the checksum.
    #[doc(hidden)]
    pub const fn __new(
        text: &'static str,
        packed: u64,
        guard: u64,
        name: u32,
        checksum: &'static [u8; 32],
    ) -> Self {
        Self {
            script: Script::embedded(text, packed, guard),
            checksum: *checksum,
            name_start: (name >> 16) as u16,
            name_len: (name & 0xffff) as u16,
        }
    }

    /// One read at run time (see `load`); the name is a range of the script's path.
    pub(crate) fn owned(script: Script, checksum: [u8; 32], name: std::ops::Range<u16>) -> Self {
        Self {
            script,
            checksum,
            name_start: name.start,
            name_len: name.end.saturating_sub(name.start),
        }
    }

    /// Its name (`views` for `R__views.sql` and `repeatable/views.sql`): what the database
    /// records it by, and the order it runs in.
    pub fn name(&self) -> &str {
        let start = usize::from(self.name_start);
        self.script
            .file()
            .get(start..start + usize::from(self.name_len))
            .unwrap_or_default()
    }

    /// The SHA-256 checksum of its script (the algorithm of an up script's).
    pub fn checksum(&self) -> &[u8; 32] {
        &self.checksum
    }

    /// Its script.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// Its SQL.
    pub fn sql(&self) -> &str {
        self.script.sql()
    }

    /// How it runs.
    pub fn transaction(&self) -> Transaction {
        self.script.transaction()
    }
}

impl fmt::Debug for Repeatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repeatable")
            .field("name", &self.name())
            .field("checksum", &to_hex(&self.checksum))
            .field("script", &self.script)
            .finish()
    }
}
