//! The database's error about a statement of a migration.

/// A database's error about a statement of a migration: its message and SQLSTATE, and the
/// driver's error behind them ([`DatabaseError::sqlx`]).
#[derive(Debug)]
pub struct DatabaseError(Box<sqlx::Error>);

impl DatabaseError {
    pub(crate) fn new(error: sqlx::Error) -> Self {
        Self(Box::new(error))
    }

    /// The driver's error.
    pub fn sqlx(&self) -> &sqlx::Error {
        &self.0
    }

    /// The SQLSTATE (PostgreSQL, SQLite's extended code, MySQL's), when the database sent one.
    pub fn code(&self) -> Option<String> {
        self.0.as_database_error()?.code().map(|c| c.into_owned())
    }

    /// The driver's error, taken out.
    pub fn into_sqlx(self) -> sqlx::Error {
        *self.0
    }
}

impl std::fmt::Display for DatabaseError {
    /// The database's message and code, without what the driver adds (PostgreSQL's "at line
    /// N" is a line of PostgreSQL's own source, not of the migration).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_database_error() {
            Some(db) => match db.code() {
                Some(code) => write!(f, "{} (SQLSTATE {code})", db.message()),
                None => f.write_str(db.message()),
            },
            None => std::fmt::Display::fmt(&self.0, f),
        }
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            sqlx::Error::Database(_) => None,
            other => other.source(),
        }
    }
}
