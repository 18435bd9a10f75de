//! One tenant's work — its newest row, its plan, its run — on the connection its kind needs:
//! a connection of its own for a database tenant (see `schemas` for schema tenants).

use crate::driver::{tracking, Conn, Driver, Newest};
use crate::engine::{self, Cx};
use crate::error::Error;
use crate::report::{Report, Step};
use crate::runner::Runner;

use super::target::{without_password, Kind};

/// What to do on a tenant.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Work {
    /// Read the newest tracking row.
    Newest,
    /// Work out what `up` would do.
    Plan,
    /// Apply what is pending.
    Up,
}

/// What the work gave.
#[derive(Debug)]
pub(crate) enum Done {
    Newest(Newest),
    Steps(Vec<Step>),
    Report(Report),
}

/// Does `work` on the tenant behind `conn`, with the settings of `cx`.
pub(crate) async fn act<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    work: Work,
) -> Result<Done, Error> {
    match work {
        Work::Newest => {
            let table = cx.table::<DB>()?;
            Ok(Done::Newest(
                tracking::newest::<DB>(conn.get(), &table).await?,
            ))
        }
        Work::Plan => Ok(Done::Steps(engine::inspect::plan(cx, conn, None).await?)),
        Work::Up => Ok(Done::Report(engine::apply::run(cx, conn, None).await?)),
    }
}

/// Does `work` on the database of `url`, on a connection of its own (closed after).
pub(crate) async fn on_database(runner: &Runner<'_>, url: &str, work: Work) -> Result<Done, Error> {
    /// Connects with `$conn`, acts, closes.
    macro_rules! on {
        ($db:ty, $conn:ty) => {{
            use sqlx::Connection as _;
            let mut connection = <$conn>::connect(url).await?;
            let done = act::<$db>(runner.cx(), &mut Conn::Borrowed(&mut connection), work).await;
            // a failed goodbye changes nothing for the tenant
            let _ = connection.close().await;
            done
        }};
    }
    match Kind::of(url)? {
        #[cfg(feature = "postgres")]
        Kind::Postgres => on!(sqlx::Postgres, sqlx::PgConnection),
        #[cfg(feature = "mysql")]
        Kind::MySql => on!(sqlx::MySql, sqlx::MySqlConnection),
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => on!(sqlx::Sqlite, sqlx::SqliteConnection),
        #[allow(unreachable_patterns)] // with every database feature on
        other => Err(Error::DriverMissing {
            url: without_password(url),
            feature: other.feature(),
        }),
    }
}

impl Kind {
    /// The feature of `migrate` that drives this kind.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            Kind::Postgres => "postgres",
            Kind::MySql => "mysql",
            Kind::Sqlite => "sqlite",
        }
    }
}
