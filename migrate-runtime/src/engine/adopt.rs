//! `adopt`: reads another tool's history table and maps it onto the set (no lock: it writes
//! nothing, and the other table is not ours to lock), then, when asked, records the
//! migrations it applied under the lock, in one transaction, into an empty tracking table.

use std::time::Duration;

use super::apply::{insert, reseals, roll_back};
use super::held::Held;
use super::{Chains, Cx, Op};
use crate::adopt::{map, read, Adoption, Source};
use crate::driver::tracking::{self, Write};
use crate::driver::{Conn, Driver, Table};
use crate::error::Error;
use crate::report::{Applied, Report};
use crate::table::Version;

/// Reads, maps and verifies `source`'s history; with [`Source::apply`] and no problem, records
/// what it applied.
pub(crate) async fn adopt<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    source: &Source,
) -> Result<Adoption, Error> {
    let ours = cx.table::<DB>()?.resolve::<DB>(conn.get()).await?;
    let theirs = Table::new::<DB>(source.table_name(), source.schema_name())?
        .resolve::<DB>(conn.get())
        .await?;
    let sql = read::query::<DB>(source, &theirs);
    let rows = match DB::fetch_cells(conn.get(), &sql).await {
        Ok(rows) => rows,
        Err(e) if DB::is_undefined_table(&e) => {
            return Err(Error::NoHistory {
                who: source.who(),
                table: theirs.key,
            })
        }
        Err(source_error) => {
            return Err(Error::HistoryQuery {
                who: source.who(),
                table: theirs.key,
                sql,
                source: source_error,
            })
        }
    };
    let history = read::interpret(source, &theirs.key, &rows)?;
    let mut adoption = map::map(cx.migrator, source, &history, theirs.key);
    let tracked = tracking::history_if_any::<DB>(conn.get(), &ours).await?;
    if !tracked.is_empty() {
        adoption
            .problems
            .insert(0, already_tracked(&ours, tracked.len()));
    }
    if !source.apply {
        return Ok(adoption);
    }
    if !adoption.problems.is_empty() {
        return Err(adoption.problems.remove(0));
    }
    super::locked(cx, conn, Op::Adopt(&adoption.adopted)).await?;
    adoption.written = true;
    Ok(adoption)
}

fn already_tracked(table: &Table, rows: usize) -> Error {
    Error::AlreadyTracked {
        table: table.key.clone(),
        rows,
    }
}

/// Under the lock: records `versions` as applied, with their checksums and chains, in one
/// transaction — the rows are plain inserts, so even MySQL, whose DDL commits, takes them all
/// or none; the table itself is created first where it is missing.
pub(crate) async fn record<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    versions: &[Version],
) -> Result<Report, Error> {
    let table = &held.table;
    let newest = held.newest::<DB>(conn).await?;
    tracking::ensure::<DB>(conn, table, &newest).await?;
    DB::exec(conn, "BEGIN").await?;
    let written = async {
        // under a lease, the transaction holds it until the commit
        held.fence::<DB>(conn).await?;
        // Read again under the lock: a run or another adopt may have written since the dry
        // look.
        let rows = held.history::<DB>(conn).await?;
        if !rows.is_empty() {
            return Err(already_tracked(table, rows.len()));
        }
        let chains = Chains::new(cx.migrator);
        let mut report = Report::default();
        for &version in versions {
            let m = cx
                .migrator
                .get(version)
                .ok_or(Error::UnknownVersion { version })?;
            let row: Write<'_> = insert(m, chains.of(m)?, "0", true);
            tracking::write::<DB>(conn, table, row).await?;
            let name = m.name().to_owned();
            let duration = Duration::ZERO;
            report.migrations.push(Applied {
                version,
                name,
                duration,
            });
        }
        // With a gap accepted, the set's chains do not follow from the rows: rewrite them
        // from the rows, so a later run sees the skipped migration as out of order, not as
        // a deleted row.
        let rows = held.history::<DB>(conn).await?;
        for (version, chain) in reseals(&rows) {
            let reseal = Write::Reseal {
                version,
                chain: &chain,
            };
            tracking::write::<DB>(conn, table, reseal).await?;
        }
        Ok(report)
    }
    .await;
    match written {
        Ok(report) => {
            DB::exec(conn, "COMMIT").await?;
            tracing::info!(table = %table.key, migrations = report.migrations.len(), "adopted another tool's history");
            Ok(report)
        }
        Err(e) => {
            roll_back::<DB>(conn).await;
            Err(e)
        }
    }
}
