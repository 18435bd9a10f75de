//! Undoing applied migrations with their down scripts, newest first.

use std::time::Instant;

use super::apply::in_transaction;
use super::{locate, restore_after_failure, session_restore, statements, validate, Cx};
use crate::driver::tracking::{self, Write};
use crate::driver::{Driver, Table};
use crate::error::Error;
use crate::report::{Applied, Progress, Report};
use crate::table::{Migration, Script, Transaction, Version};

/// Under the lock: `undo_to` (`Some`: the target stays applied) and `undo_all` (`None`).
pub(crate) async fn undo<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    table: &Table,
    target: Option<Version>,
) -> Result<Report, Error> {
    let rows = tracking::history_if_any::<DB>(conn, table).await?;
    validate::check(cx.migrator, &cx.rules::<DB>(table), &rows, None)?;
    // Every down script is looked up before anything runs: a missing one refuses the undo.
    let mut steps = Vec::new();
    for row in rows
        .iter()
        .rev()
        .filter(|r| target.is_none_or(|t| r.version > t.get()))
    {
        let version = Version::__checked(row.version);
        let m = cx.migrator.get(version).ok_or_else(|| Error::Missing {
            version,
            name: row.name.clone(),
        })?;
        let down = m.down().ok_or_else(|| Error::Irreversible {
            version,
            file: m.up().file().to_owned(),
        })?;
        steps.push((m, down));
    }
    cx.progress(Progress::Planned {
        migrations: steps.len(),
    });
    let restore = session_restore::<DB>(conn).await?;
    let mut report = Report::default();
    for (m, down) in steps {
        tracing::info!(version = %m.version(), file = down.file(), "undoing migration");
        cx.progress(Progress::Started {
            version: m.version(),
            name: m.name(),
        });
        let start = Instant::now();
        let undone = undo_one::<DB>(conn, table, m, down, &restore).await;
        if undone.is_err() {
            restore_after_failure::<DB>(conn, &restore).await;
        }
        undone?;
        let undone = Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: start.elapsed(),
        };
        cx.progress(Progress::Done(&undone));
        report.migrations.push(undone);
    }
    Ok(report)
}

/// One down script and the removal of its row: together in a transaction where the script
/// runs in one, else the row goes after the last statement.
async fn undo_one<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    m: &Migration,
    down: &Script,
    after: &str,
) -> Result<(), Error> {
    let delete = tracking::write_sql::<DB>(
        table,
        Write::Delete {
            version: m.version().get(),
        },
    );
    if down.transaction() == Transaction::Wrapped && DB::TRANSACTIONAL_DDL {
        return in_transaction::<DB>(conn, m.version(), down, &|_| delete.clone(), after)
            .await
            .map_err(|e| e.in_undo(None));
    }
    let statements = statements(down.sql(), DB::DIALECT);
    for (index, statement) in statements.iter().enumerate() {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            let error = locate::statement::<DB>(m.version(), down, statement, e);
            return Err(error.in_undo(Some((index, statements.len()))));
        }
    }
    DB::exec(conn, &delete).await?;
    if !after.is_empty() {
        DB::exec(conn, after).await?;
    }
    Ok(())
}
