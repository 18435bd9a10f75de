//! A script of the table: a migration's up or down script, or a repeatable migration's — its
//! SQL, its file and line, its transaction mode and its timeouts.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

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
///
/// The file's path and the SQL are one string (`text`, the path first), so an embedded
/// script costs one pointer — one relocation in a position-independent binary — instead of
/// two.
#[derive(Clone, PartialEq, Eq)]
pub struct Script {
    text: Cow<'static, str>,
    line: u32,
    file_len: u16,
    transaction: Transaction,
    guard: u64,
}

/// A timeout as half of a packed guard holds it (`migrate_core::duration::pack`):
/// milliseconds + 1, 0 for none.
const fn unpack_timeout(millis_plus_one: u64) -> Option<Duration> {
    match millis_plus_one & 0xffff_ffff {
        0 => None,
        n => Some(Duration::from_millis(n - 1)),
    }
}

impl Script {
    /// A script of an embedded row (see [`Migration::__table`]).
    pub(crate) const fn embedded(text: &'static str, packed: u64, guard: u64) -> Self {
        Self {
            text: Cow::Borrowed(text),
            line: (packed >> 32) as u32,
            file_len: ((packed >> 1) & 0xffff) as u16,
            transaction: if packed & 1 == 1 {
                Transaction::Disabled
            } else {
                Transaction::Wrapped
            },
            guard,
        }
    }

    /// A script read at run time (see `load`).
    pub(crate) fn owned(
        text: String,
        (line, file_len): (u32, u16),
        transaction: Transaction,
        guard: u64,
    ) -> Self {
        Self {
            text: Cow::Owned(text),
            line,
            file_len,
            transaction,
            guard,
        }
    }

    /// How long each of its statements may wait for a lock (`-- migrate:lock-timeout`), when
    /// the file says; `Some(ZERO)` turns a runner's default off.
    pub fn lock_timeout(&self) -> Option<Duration> {
        unpack_timeout(self.guard >> 32)
    }

    /// How long each of its statements may run (`-- migrate:statement-timeout`), when the file
    /// says; `Some(ZERO)` turns a runner's default off.
    pub fn statement_timeout(&self) -> Option<Duration> {
        unpack_timeout(self.guard)
    }

    /// The SQL, as in the file (a goose or dbmate file's section), without a byte order mark.
    pub fn sql(&self) -> &str {
        let sql = &self.text[usize::from(self.file_len)..];
        sql.strip_prefix('\u{feff}').unwrap_or(sql)
    }

    /// The file, relative to the crate (or as given to [`crate::Migrator::from_dir`]).
    pub fn file(&self) -> &str {
        &self.text[..usize::from(self.file_len)]
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

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("file", &self.file())
            .field("line", &self.line)
            .field("transaction", &self.transaction)
            .field("lock_timeout", &self.lock_timeout())
            .field("statement_timeout", &self.statement_timeout())
            .field("sql", &self.sql())
            .finish()
    }
}
