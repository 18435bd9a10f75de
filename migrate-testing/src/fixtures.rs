//! Fixtures: SQL files applied after the migrations, in the order given, statement by
//! statement, so that a failure names the file, the line and the column.

use migrate_core::split::{line_col, split};
use sqlx::Pool;

use crate::fresh::TestDriver;
use crate::Error;

/// A fixture: a file of SQL statements that puts data in a test database.
///
/// `#[migrate::test(fixtures("users", "posts"))]` makes these from `fixtures/users.sql` and
/// `fixtures/posts.sql`, embedded in the test; without the attribute, make them with
/// `include_str!` and apply them with [`apply_fixtures`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixture<'a> {
    file: &'a str,
    sql: &'a str,
}

impl<'a> Fixture<'a> {
    /// A fixture named `file` in messages (the path relative to the crate is what
    /// `#[migrate::test]` gives), holding `sql`.
    pub const fn new(file: &'a str, sql: &'a str) -> Self {
        Fixture { file, sql }
    }

    /// The file, as messages name it.
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// The SQL.
    pub fn sql(&self) -> &'a str {
        self.sql
    }
}

/// Applies `fixtures` to the database of `pool`, in order, one statement at a time (split
/// as the database's own client splits a file), and stops at the first statement that fails:
/// [`Error::Fixture`] names its file, line and column, with the database's error as the
/// source.
///
/// ```no_run
/// # use migrate_testing as testing;
/// # async fn example(pool: sqlx::SqlitePool) -> Result<(), testing::Error> {
/// testing::apply_fixtures(
///     &pool,
///     &[testing::Fixture::new("fixtures/users.sql", "INSERT INTO users (id) VALUES (1);")],
/// )
/// .await?;
/// # Ok(()) }
/// ```
pub async fn apply_fixtures<DB: TestDriver>(
    pool: &Pool<DB>,
    fixtures: &[Fixture<'_>],
) -> Result<(), Error> {
    let mut conn = pool.acquire().await.map_err(|source| Error::Database {
        what: "could not connect to the test database to apply the fixtures".to_owned(),
        source,
    })?;
    for fixture in fixtures {
        for statement in split(fixture.sql, DB::DIALECT) {
            if statement.is_blank() {
                continue;
            }
            if let Err(source) = DB::exec(&mut conn, statement.sql()).await {
                // the database's position (PostgreSQL's, in characters) where it gives one,
                // else the statement's start
                let offset = DB::error_position(&source)
                    .and_then(|chars| statement.sql().char_indices().nth(chars))
                    .map_or(statement.sql_offset(), |(byte, _)| {
                        statement.sql_offset() + byte
                    });
                let (line, column) = line_col(fixture.sql, offset);
                return Err(Error::Fixture {
                    file: fixture.file.to_owned(),
                    line,
                    column,
                    source,
                });
            }
        }
    }
    Ok(())
}
