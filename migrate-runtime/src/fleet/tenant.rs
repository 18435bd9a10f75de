//! One tenant's work — its newest row, its plan, its run — on the connection its kind needs:
//! a connection of its own for a database tenant (see `schemas` for schema tenants).

use crate::driver::{repeatable, tracking, Conn, Driver, Newest, Table};
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
    Newest(Seen),
    /// The migrations `up` would apply, then the repeatable migrations, by name.
    Steps(Vec<Step>, Vec<String>),
    Report(Report),
}

/// What a status read finds of a tenant: its newest tracking row and, when the set has
/// repeatable migrations, the name and checksum of each one its database applied in full
/// (`None`: not read, or no table of them).
#[derive(Debug)]
pub(crate) struct Seen {
    pub newest: Newest,
    pub repeatables: Option<Vec<(String, Vec<u8>)>>,
}

impl Seen {
    /// A tenant read without its repeatable migrations.
    pub fn newest(newest: Newest) -> Self {
        Self {
            newest,
            repeatables: None,
        }
    }
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
            let newest = tracking::newest::<DB>(conn.get(), &table).await?;
            // a row that is not this set's chain at its version may be sealed over repeatable
            // migrations, those of the set or ones it no longer has
            let sealed = match &newest {
                Newest::Row { version, chain, .. } => {
                    !cx.migrator.repeatables().is_empty()
                        || crate::Version::new(*version)
                            .and_then(|v| cx.migrator.chain_of(v))
                            .is_some_and(|plain| chain.as_slice() != plain)
                }
                _ => !cx.migrator.repeatables().is_empty(),
            };
            let repeatables = match newest {
                Newest::NoTable => None,
                _ if sealed => applied::<DB>(conn.get(), &table).await?,
                _ => None,
            };
            Ok(Done::Newest(Seen {
                newest,
                repeatables,
            }))
        }
        Work::Plan => {
            let steps = engine::inspect::plan(cx, conn, None).await?;
            let repeatables = engine::inspect::repeatable_status(cx, conn)
                .await?
                .into_iter()
                .filter(|r| r.state.will_apply())
                .map(|r| r.name)
                .collect();
            Ok(Done::Steps(steps, repeatables))
        }
        Work::Up => Ok(Done::Report(engine::apply::run(cx, conn, None).await?)),
    }
}

/// The repeatable migrations applied in full beside tracking table `table`, with their
/// checksums; `None` when there is no table of them.
async fn applied<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
) -> Result<Option<Vec<(String, Vec<u8>)>>, Error> {
    let sql = repeatable::history_sql::<DB>(&repeatable::table::<DB>(table));
    let rows = repeatable::fetch::<DB>(conn, &sql).await?;
    Ok(rows.map(|rows| {
        rows.into_iter()
            .filter(|r| r.success)
            .map(|r| (r.name, r.checksum))
            .collect()
    }))
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
    /// The feature of `migrate-db` that drives this kind.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            Kind::Postgres => "postgres",
            Kind::MySql => "mysql",
            Kind::Sqlite => "sqlite",
        }
    }
}
