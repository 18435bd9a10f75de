//! Undoing applied migrations with their down scripts, newest first.

use std::time::Instant;

use super::held::Held;
use super::script::in_transaction;
use super::{locate, restore_after_failure, statements, validate, Cx};
use crate::driver::tracking::{self, Write};
use crate::driver::Driver;
use crate::error::{Error, Subject};
use crate::report::{Applied, Progress, Report};
use crate::table::{Migration, Script, Transaction, Version};

/// Under the lock: `undo_to` (`Some`: the target stays applied) and `undo_all` (`None`).
pub(crate) async fn undo<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    target: Option<Version>,
) -> Result<Report, Error> {
    let rows = held.history::<DB>(conn).await?;
    validate::check(cx.migrator, &cx.rules::<DB>(&held.table), &rows, None)?;
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
    let mut report = Report::default();
    for (m, down) in steps {
        tracing::info!(version = %m.version(), file = down.file(), "undoing migration");
        cx.progress(Progress::Started {
            version: m.version(),
            name: m.name(),
        });
        let start = Instant::now();
        let undone = undo_one::<DB>(conn, held, m, down).await;
        if undone.is_err() {
            restore_after_failure::<DB>(conn, &held.restore).await;
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
    if !report.migrations.is_empty() && held.repeatables::<DB>(conn).await?.is_some() {
        // The down scripts may have dropped what a repeatable migration made (a view over a
        // table, with CASCADE): the next run that reaches the newest migration applies them
        // all again.
        let table = held.repeatable_table::<DB>();
        held.write_sql::<DB>(conn, format!("DELETE FROM {}", table.sql))
            .await?;
        tracing::info!(table = %table.key, "repeatable migrations forgotten: the next run applies them again");
    }
    Ok(report)
}

/// One down script and the removal of its row: together in a transaction where the script
/// runs in one, else the row goes after the last statement.
async fn undo_one<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    m: &Migration,
    down: &Script,
) -> Result<(), Error> {
    let delete = Write::Delete {
        version: m.version().get(),
    };
    if down.transaction() == Transaction::Wrapped && DB::TRANSACTIONAL_DDL {
        let sql = tracking::write_sql::<DB>(&held.table, delete);
        let subject = Subject::Migration(m.version());
        return in_transaction::<DB>(conn, held, subject, down, &|_| sql.clone())
            .await
            .map_err(|e| e.in_undo(None));
    }
    let statements = statements(down.sql(), DB::DIALECT);
    for (index, statement) in statements.iter().enumerate() {
        held.fence::<DB>(conn).await?;
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            let error =
                locate::statement::<DB>(Subject::Migration(m.version()), down, statement, e);
            return Err(error.in_undo(Some((index, statements.len()))));
        }
    }
    held.write::<DB>(conn, delete).await?;
    if !held.restore.is_empty() {
        DB::exec(conn, &held.restore).await?;
    }
    Ok(())
}
