//! What a tenant is: a PostgreSQL schema on a server, or a database by URL (PostgreSQL,
//! MySQL/MariaDB, a SQLite file).

use std::fmt;
use std::path::Path;

use crate::error::Error;

/// One tenant of a fleet.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A schema on a PostgreSQL server: the tenant's tables and its tracking table are in it,
    /// and it is first on the search path while its migrations run.
    Schema {
        /// The server's URL (any database on it).
        server: String,
        /// The schema.
        schema: String,
    },
    /// A database of its own: `postgres://`, `mysql://`, `mariadb://` or `sqlite:` URL.
    Database {
        /// Its URL.
        url: String,
    },
}

/// The databases a URL can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Postgres,
    MySql,
    Sqlite,
}

impl Kind {
    /// The kind a URL's scheme names.
    pub fn of(url: &str) -> Result<Kind, Error> {
        let scheme = url
            .split_once(':')
            .map_or("", |(s, _)| s)
            .to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Ok(Kind::Postgres),
            "mysql" | "mariadb" => Ok(Kind::MySql),
            "sqlite" => Ok(Kind::Sqlite),
            _ => Err(Error::UnsupportedUrl {
                url: without_password(url),
            }),
        }
    }
}

impl Target {
    /// Schema `schema` on the PostgreSQL server of `server`.
    pub fn schema(server: impl Into<String>, schema: impl Into<String>) -> Target {
        Target::Schema {
            server: server.into(),
            schema: schema.into(),
        }
    }

    /// The database of `url`.
    pub fn database(url: impl Into<String>) -> Target {
        Target::Database { url: url.into() }
    }

    /// The SQLite file `path` (which must exist).
    pub fn sqlite(path: impl AsRef<Path>) -> Target {
        Target::Database {
            url: format!("sqlite://{}", path.as_ref().display()),
        }
    }

    /// Every schema of the server of `server` whose name matches the SQL `LIKE` pattern
    /// `pattern` (`tenant_%`), in name order, read from the catalogue; PostgreSQL's own
    /// schemas are left out.
    #[cfg(feature = "postgres")]
    pub async fn schemas_like(server: &str, pattern: &str) -> Result<Vec<Target>, Error> {
        super::schemas::like(server, pattern).await
    }

    /// The URL the tenant is reached by (its server's, for a schema).
    pub fn url(&self) -> &str {
        match self {
            Target::Schema { server, .. } => server,
            Target::Database { url } => url,
        }
    }

    pub(crate) fn kind(&self) -> Result<Kind, Error> {
        match self {
            Target::Schema { server, .. } => match Kind::of(server)? {
                Kind::Postgres => Ok(Kind::Postgres),
                _ => Err(Error::SchemaTenantNotPostgres {
                    url: without_password(server),
                }),
            },
            Target::Database { url } => Kind::of(url),
        }
    }
}

impl fmt::Display for Target {
    /// The schema and its server, or the URL — without a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Schema { server, schema } => {
                write!(f, "{schema} ({})", without_password(server))
            }
            Target::Database { url } => f.write_str(&without_password(url)),
        }
    }
}

/// A URL as shown in messages and reports: without the password.
pub fn without_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => {
            let user = url[start..start + at].split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &url[..start], &url[start + at + 1..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_show_no_password() {
        let t = Target::schema("postgres://app:secret@db:5432/app", "tenant_1");
        assert_eq!(t.to_string(), "tenant_1 (postgres://app@db:5432/app)");
        let t = Target::database("mysql://root:pw@127.0.0.1/t");
        assert_eq!(t.to_string(), "mysql://root@127.0.0.1/t");
        assert_eq!(Target::sqlite("/tmp/a.db").url(), "sqlite:///tmp/a.db");
    }

    #[test]
    fn kinds_from_urls() {
        assert_eq!(Kind::of("postgresql://h/d").ok(), Some(Kind::Postgres));
        assert_eq!(Kind::of("MariaDB://h/d").ok(), Some(Kind::MySql));
        assert_eq!(Kind::of("sqlite://x.db").ok(), Some(Kind::Sqlite));
        assert!(Kind::of("mssql://h").is_err());
        let schema_on_mysql = Target::schema("mysql://h/d", "s");
        assert!(matches!(
            schema_on_mysql.kind(),
            Err(Error::SchemaTenantNotPostgres { .. })
        ));
    }
}
