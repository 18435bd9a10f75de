//! The database: its kind from the URL scheme, and a connection pool for one command.

use std::str::FromStr;
use std::time::Duration;

use migrate::sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use migrate::sqlx::postgres::{PgConnectOptions, PgConnection};
use migrate::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use migrate::sqlx::{ConnectOptions as _, Connection as _};
use migrate_core::split::Dialect;

use crate::exit::{self, Failure};

/// The databases the runtime drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `postgres://`, `postgresql://`.
    Postgres,
    /// `sqlite:`.
    Sqlite,
    /// `mysql://`, `mariadb://`.
    MySql,
}

impl Kind {
    /// The kind the URL's scheme names.
    pub fn of(url: &str) -> Result<Kind, Failure> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Kind::Postgres),
            "sqlite" => Ok(Kind::Sqlite),
            "mysql" | "mariadb" => Ok(Kind::MySql),
            _ => Err(Failure::usage(format!(
                "the database URL's scheme `{scheme}` is not one migrate knows: write postgres://…, postgresql://…, sqlite:<file>, mysql://… or mariadb://…"
            ))),
        }
    }

    /// How scripts for this database split into statements.
    pub fn dialect(self) -> Dialect {
        match self {
            Kind::Postgres => Dialect::Postgres,
            Kind::Sqlite => Dialect::Sqlite,
            Kind::MySql => Dialect::MySql,
        }
    }
}

/// The connection of one command, to one of the three databases.
pub enum Database {
    /// PostgreSQL.
    Postgres(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
    /// MySQL or MariaDB.
    MySql(MySqlConnection),
}

/// How long to wait for the server before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl Database {
    /// Connects to `url`. A SQLite file is created when `create` is set (commands that
    /// write), and must exist otherwise unless the URL says `?mode=rwc`.
    pub async fn connect(url: &str, create: bool) -> Result<Database, Failure> {
        // The URL may hold a password: no message repeats it.
        let bad_url = |e: migrate::sqlx::Error| {
            Failure::usage(format!("the database URL cannot be read: {e}"))
        };
        Ok(match Kind::of(url)? {
            Kind::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(bad_url)?;
                Database::Postgres(open(options.connect()).await?)
            }
            Kind::Sqlite => {
                refuse_memory(url)?;
                let mut options = SqliteConnectOptions::from_str(url).map_err(bad_url)?;
                // `?mode=rwc` in the URL creates the file for any command.
                if create {
                    options = options.create_if_missing(true);
                }
                let connection = open(options.connect()).await.map_err(|mut failure| {
                    if let (false, Some(message)) = (create, failure.messages.first_mut()) {
                        message.push_str("\n  hint: this command does not create a SQLite database: check the path, or create it with `migrate up`");
                    }
                    failure
                })?;
                Database::Sqlite(connection)
            }
            Kind::MySql => {
                let options = MySqlConnectOptions::from_str(url).map_err(bad_url)?;
                Database::MySql(open(options.connect()).await?)
            }
        })
    }

    /// Closes the connection gracefully.
    pub async fn close(self) {
        // Closing only says goodbye to the server; a failure changes nothing for the user.
        let _ = match self {
            Database::Postgres(c) => c.close().await,
            Database::Sqlite(c) => c.close().await,
            Database::MySql(c) => c.close().await,
        };
    }
}

/// Refuses a SQLite URL that names no file: an in-memory database (`sqlite::memory:`,
/// `?mode=memory`) or an empty path (`sqlite:`, an unset variable in `sqlite:$DB`) would take
/// the migrations and be gone when the command exits, which would report success for nothing.
fn refuse_memory(url: &str) -> Result<(), Failure> {
    let rest = url.split_once(':').map_or("", |(_, rest)| rest);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = query
        .split('&')
        .any(|pair| pair.eq_ignore_ascii_case("mode=memory"));
    let what = if path.trim().is_empty() {
        "names no file"
    } else if path == ":memory:" || memory {
        "is an in-memory database"
    } else {
        return Ok(());
    };
    Err(Failure::usage(format!(
        "the database URL `{url}` {what}: what migrate applies there is gone when the command exits; give a file, as in `sqlite:app.db` (check that the variable the URL comes from is set)"
    )))
}

/// A connection, or why there is none, within [`CONNECT_TIMEOUT`].
async fn open<C>(
    connecting: impl std::future::Future<Output = Result<C, migrate::sqlx::Error>>,
) -> Result<C, Failure> {
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => Err(Failure::error(format!(
            "cannot connect to the database: {}",
            exit::with_causes(&e)
        ))),
        Err(_) => Err(Failure::error(format!(
            "cannot connect to the database: no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_schemes() {
        let kind = |url: &str| Kind::of(url).ok();
        assert_eq!(kind("postgres://u@h/db"), Some(Kind::Postgres));
        assert_eq!(kind("postgresql://u@h/db"), Some(Kind::Postgres));
        assert_eq!(kind("sqlite:app.db"), Some(Kind::Sqlite));
        assert_eq!(kind("sqlite://app.db"), Some(Kind::Sqlite));
        assert_eq!(kind("mysql://u@h/db"), Some(Kind::MySql));
        assert_eq!(kind("MariaDB://u@h/db"), Some(Kind::MySql));
        assert_eq!(
            Kind::of("mssql://h").err().map(|f| f.code),
            Some(exit::USAGE)
        );
        assert_eq!(Kind::of("app.db").err().map(|f| f.code), Some(exit::USAGE));
    }

    #[test]
    fn sqlite_urls_must_name_a_file() {
        for url in [
            "sqlite:",
            "sqlite://",
            "sqlite:  ",
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
            "sqlite:app.db?mode=memory",
        ] {
            let refused = refuse_memory(url).err().map(|f| f.code);
            assert_eq!(refused, Some(exit::USAGE), "{url}");
        }
        for url in [
            "sqlite:app.db",
            "sqlite://dir/app.db?mode=rwc",
            "sqlite:///tmp/a.db",
        ] {
            assert!(refuse_memory(url).is_ok(), "{url}");
        }
    }
}
