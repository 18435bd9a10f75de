//! Reading without writing: `status` (the state of every migration) and `plan` (what a run
//! would do). Neither takes the lock nor creates the tracking table.

use std::collections::BTreeMap;
use std::time::Duration;

use super::validate::{self, hex};
use super::{lock, statements, Cx};
use crate::driver::repeatable;
use crate::driver::tracking::{self, Row};
use crate::driver::{Conn, Driver, Table};
use crate::error::Error;
use crate::report::{MigrationStatus, RepeatableState, RepeatableStatus, State, Step};
use crate::table::{Migration, Transaction, Version};
use crate::version::Timestamp;

/// The rows of the resolved tracking table, none when it does not exist.
async fn rows<DB: Driver>(cx: Cx<'_>, conn: &mut Conn<'_, DB>) -> Result<(Table, Vec<Row>), Error> {
    let table = cx.table::<DB>()?.resolve::<DB>(conn.get()).await?;
    let rows = tracking::history_if_any::<DB>(conn.get(), &table).await?;
    Ok((table, rows))
}

/// `status`: every migration of the set, and applied ones the set lacks, by version.
pub(crate) async fn status<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<MigrationStatus>, Error> {
    let (table, rows) = rows(cx, conn).await?;
    // A dirty row whose runner still holds the lock is being applied, not stopped.
    let running =
        rows.iter().any(|r| !r.success) && lock::held_elsewhere(cx, conn, &table).await?.is_some();
    let recorded: BTreeMap<i64, &Row> = rows.iter().map(|r| (r.version, r)).collect();
    let mut out: Vec<MigrationStatus> = cx
        .migrator
        .migrations()
        .iter()
        .map(|m| {
            let row = recorded.get(&m.version().get()).copied();
            line(
                m.version(),
                m.name(),
                Some(m),
                row,
                state(cx, m, row, running),
            )
        })
        .collect();
    for row in rows
        .iter()
        .filter(|r| Version::new(r.version).is_none_or(|v| cx.migrator.get(v).is_none()))
    {
        let version = Version::__checked(row.version);
        out.push(line(version, &row.name, None, Some(row), State::Missing));
    }
    out.sort_by_key(|s| s.version);
    Ok(out)
}

fn state(cx: Cx<'_>, m: &Migration, row: Option<&Row>, running: bool) -> State {
    match row {
        None => State::Pending,
        Some(r) if !r.success && running => State::InProgress {
            statements_done: usize::try_from(r.statements_done).unwrap_or(0),
        },
        Some(r) if !r.success => State::Dirty {
            statements_done: usize::try_from(r.statements_done).unwrap_or(0),
            error: r.error.clone(),
        },
        Some(r)
            if r.checksum.as_slice() != m.checksum() && !cx.migrator.is_amended(m, &r.checksum) =>
        {
            State::Edited {
                applied_checksum: hex(&r.checksum),
            }
        }
        Some(_) => State::Applied,
    }
}

fn line(
    version: Version,
    name: &str,
    m: Option<&Migration>,
    row: Option<&Row>,
    state: State,
) -> MigrationStatus {
    MigrationStatus {
        version,
        name: name.to_owned(),
        file: m.map(|m| m.up().file().to_owned()),
        state,
        applied_at: row.map(|r| Timestamp::from_unix_micros(r.applied_at_micros)),
        duration: row.map(|r| Duration::from_millis(u64::try_from(r.duration_ms).unwrap_or(0))),
    }
}

/// `repeatable_status`: every repeatable migration of the set, and those the database
/// recorded that the set lacks, by name.
pub(crate) async fn repeatable_status<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<RepeatableStatus>, Error> {
    let table = cx.table::<DB>()?.resolve::<DB>(conn.get()).await?;
    let sql = repeatable::history_sql::<DB>(&repeatable::table::<DB>(&table));
    let rows = repeatable::fetch::<DB>(conn.get(), &sql)
        .await?
        .unwrap_or_default();
    let running =
        rows.iter().any(|r| !r.success) && lock::held_elsewhere(cx, conn, &table).await?.is_some();
    let line = |name: &str, file: Option<&str>, row: Option<&repeatable::Applied>, state| {
        RepeatableStatus {
            name: name.to_owned(),
            file: file.map(str::to_owned),
            state,
            applied_at: row.map(|r| Timestamp::from_unix_micros(r.applied_at_micros)),
            duration: row.map(|r| Duration::from_millis(u64::try_from(r.duration_ms).unwrap_or(0))),
        }
    };
    let mut out: Vec<RepeatableStatus> = cx
        .migrator
        .repeatables()
        .iter()
        .map(|r| {
            let row = rows.iter().find(|row| row.name == r.name());
            let done =
                |row: &repeatable::Applied| usize::try_from(row.statements_done).unwrap_or(0);
            let state = match row {
                None => RepeatableState::Pending,
                Some(row) if !row.success && running => RepeatableState::InProgress {
                    statements_done: done(row),
                },
                Some(row) if !row.success => RepeatableState::Dirty {
                    statements_done: done(row),
                    error: row.error.clone(),
                },
                Some(row) if row.checksum.as_slice() != r.checksum() => RepeatableState::Changed {
                    applied_checksum: hex(&row.checksum),
                },
                Some(_) => RepeatableState::Applied,
            };
            line(r.name(), Some(r.script().file()), row, state)
        })
        .collect();
    for row in rows.iter().filter(|row| {
        !cx.migrator
            .repeatables()
            .iter()
            .any(|r| r.name() == row.name)
    }) {
        out.push(line(&row.name, None, Some(row), RepeatableState::Removed));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `plan` and `plan_to`: what `run_to(target)` would apply, or the error it would stop with.
pub(crate) async fn plan<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    target: Option<Version>,
) -> Result<Vec<Step>, Error> {
    if let Some(target) = target {
        cx.known(target)?;
    }
    let (table, rows) = rows(cx, conn).await?;
    let plan = match validate::check(cx.migrator, &cx.rules::<DB>(&table), &rows, target) {
        Ok(plan) => plan,
        Err(dirty @ Error::Dirty { .. }) => {
            // a dirty row whose runner still holds the lock is being applied
            let Some(holder) = lock::held_elsewhere(cx, conn, &table).await? else {
                return Err(dirty);
            };
            let Error::Dirty { version, file, .. } = dirty else {
                return Err(dirty);
            };
            return Err(Error::InProgress {
                version,
                file,
                holder: Some(holder),
            });
        }
        Err(e) => return Err(e),
    };
    let step = |m: &Migration, sql: String, transaction| Step {
        version: m.version(),
        name: m.name().to_owned(),
        file: m.up().file().to_owned(),
        sql,
        transaction,
    };
    let mut steps = Vec::new();
    if let Some((m, done)) = plan.resume {
        let rest: Vec<&str> = statements(m.up_sql(), DB::DIALECT)
            .iter()
            .skip(done)
            .map(|s| s.sql())
            .collect();
        steps.push(step(m, rest.join("\n"), Transaction::Disabled));
    }
    for m in plan.pending {
        let transaction = if DB::TRANSACTIONAL_DDL {
            m.transaction()
        } else {
            Transaction::Disabled
        };
        steps.push(step(m, m.up_sql().to_owned(), transaction));
    }
    Ok(steps)
}
