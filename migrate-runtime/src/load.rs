//! A [`Migrator`] read from a directory at run time, through the same code in migrate-db-core
//! that `embed_migrations!` runs at compile time.

use std::path::Path;

use crate::error::Error;
use crate::table::{Amendment, Migration, Migrator, Repeatable, Script, Transaction, Version};

impl Migrator {
    /// Reads and checks a migrations directory at run time, through the same code that
    /// `embed_migrations!` runs at compile time, so both give the same table.
    ///
    /// File paths in the table and in errors start with `dir` as given.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let display = dir.to_string_lossy().replace('\\', "/");
        let set = migrate_core::load(dir, &display, &migrate_core::Options::default())?;
        Self::from_set(&set)
    }

    /// The table of a set that migrate-db-core read and checked.
    #[doc(hidden)]
    pub fn from_set(set: &migrate_core::MigrationSet) -> Result<Self, Error> {
        let migrations = set
            .migrations
            .iter()
            .map(migration)
            .collect::<Result<Vec<_>, _>>()?;
        let amendments = set
            .lock
            .iter()
            .flat_map(|lock| &lock.amendments)
            .map(|a| Amendment::__new(a.version, a.old, a.new))
            .collect();
        let repeatables = set
            .repeatables
            .iter()
            .map(repeatable)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::owned(migrations, amendments, repeatables, set.head()))
    }
}

fn repeatable(r: &migrate_core::set::Repeatable) -> Result<Repeatable, Error> {
    let script = script(&r.script)?;
    let not_in_path = || Error::NameNotInPath {
        file: r.script.file.clone(),
        name: r.name.clone(),
    };
    // the name is the file's name without `R__` and `.sql`: its last occurrence in the path
    let start = r.script.file.rfind(&r.name).ok_or_else(not_in_path)?;
    let start = u16::try_from(start).map_err(|_| not_in_path())?;
    let end = u16::try_from(usize::from(start) + r.name.len()).map_err(|_| not_in_path())?;
    Ok(Repeatable::owned(script, r.checksum, start..end))
}

fn migration(m: &migrate_core::set::Migration) -> Result<Migration, Error> {
    let up = script(&m.up)?;
    let name = m
        .description_in_file()
        .ok_or_else(|| Error::NameNotInPath {
            file: m.up.file.clone(),
            name: m.description.clone(),
        })?;
    // Within the path, whose length `script` checked.
    let start = u16::try_from(name.start).unwrap_or(u16::MAX);
    let end = u16::try_from(name.end).unwrap_or(start);
    let down = m.down.as_ref().map(script).transpose()?;
    let version = Version::new(m.version).ok_or(Error::InvalidVersion { value: m.version })?;
    Ok(Migration::owned(version, up, down, m.checksum, start..end))
}

fn script(s: &migrate_core::set::Script) -> Result<Script, Error> {
    let file_len = u16::try_from(s.file.len()).map_err(|_| Error::PathTooLong {
        file: s.file.clone(),
    })?;
    let transaction = if s.no_transaction {
        Transaction::Disabled
    } else {
        Transaction::Wrapped
    };
    Ok(Script::owned(
        format!("{}{}", s.file, s.sql),
        (s.line, file_len),
        transaction,
        migrate_core::duration::pack(s.lock_timeout, s.statement_timeout),
    ))
}
