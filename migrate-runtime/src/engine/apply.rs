//! Applying pending migrations: a transactional one with its tracking row in one
//! transaction, the others statement by statement with progress recorded after each, so that
//! a failure or a crash leaves a dirty row that says where to resume.

use std::time::{Duration, Instant};

use super::held::Held;
use super::validate::{self, Plan};
use super::{atomic, locate, lock, millis, restore_after_failure, statements, Chains, Cx, Op};
use crate::driver::tracking::{self, Write};
use crate::driver::{Conn, Driver};
use crate::error::Error;
use crate::report::{Applied, Progress, Report};
use crate::table::{Migration, Script, Transaction, Version};

/// `run` and `run_to`: the fast path, else the lock and the full path.
pub(crate) async fn run<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    target: Option<Version>,
) -> Result<Report, Error> {
    let table = cx.table::<DB>()?;
    let settled = lock::Settled {
        migrator: cx.migrator,
        target,
    };
    if settled.done::<DB>(conn.get(), &table).await? {
        return Ok(Report::default());
    }
    super::locked(cx, conn, Op::Apply(target)).await
}

/// Under the lock: validates the history, applies what is pending, reseals.
pub(crate) async fn apply<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    target: Option<Version>,
) -> Result<Report, Error> {
    // Another instance may have finished while this one waited: one row tells.
    let newest = held.newest::<DB>(conn).await?;
    if validate::up_to_date(cx.migrator, &newest, target) {
        return Ok(Report::default());
    }
    tracking::ensure::<DB>(conn, &held.table, &newest).await?;
    let rows = held.history::<DB>(conn).await?;
    let plan = validate::check(cx.migrator, &cx.rules::<DB>(&held.table), &rows, target)?;
    let chains = Chains::new(cx.migrator);
    record_amendments::<DB>(conn, held, &plan, &chains).await?;
    let steps = usize::from(plan.resume.is_some()) + plan.pending.len();
    cx.progress(Progress::Planned { migrations: steps });
    let restore = held.restore.as_str();
    let mut report = Report::default();
    if cx.options.atomic && !plan.pending.is_empty() {
        let applied = atomic::apply::<DB>(conn, held, &plan, &chains).await;
        if applied.is_err() {
            restore_after_failure::<DB>(conn, restore).await;
        }
        report.migrations = applied?;
        if !restore.is_empty() {
            DB::exec(conn, restore).await?;
        }
        report
            .migrations
            .iter()
            .for_each(|a| cx.progress(Progress::Done(a)));
    } else {
        let resumed = plan.resume.map(|(m, done)| (m, Some(done)));
        let pending = plan.pending.iter().map(|m| (*m, None));
        for (m, resume_from) in resumed.into_iter().chain(pending) {
            cx.progress(Progress::Started {
                version: m.version(),
                name: m.name(),
            });
            let chain = chains.of(m)?;
            let applied = if resume_from.is_none()
                && m.transaction() == Transaction::Wrapped
                && DB::TRANSACTIONAL_DDL
            {
                wrapped::<DB>(conn, held, m, chain).await
            } else {
                one_by_one::<DB>(conn, held, m, chain, resume_from).await
            };
            if applied.is_err() {
                restore_after_failure::<DB>(conn, restore).await;
            }
            let applied = applied?;
            cx.progress(Progress::Done(&applied));
            report.migrations.push(applied);
        }
    }
    reseal::<DB>(conn, held).await?;
    Ok(report)
}

/// Reviewed edits (`migrate lock --amend`): the database takes the new checksum.
async fn record_amendments<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    plan: &Plan<'_>,
    chains: &Chains<'_>,
) -> Result<(), Error> {
    for (m, duration_ms) in &plan.amended {
        tracing::warn!(version = %m.version(), file = m.up().file(), "recording a reviewed edit (lock amendment): the database takes the new checksum");
        let write = Write::Finish {
            version: m.version().get(),
            checksum: m.checksum(),
            chain: chains.of(m)?,
            duration_ms: *duration_ms,
        };
        held.write::<DB>(conn, write).await?;
    }
    Ok(())
}

/// After out-of-order or forced rows, chains no longer follow from the rows below them (each
/// was written with the set of its day), which would keep the fast path off for good. Every
/// checksum was just validated, so rewrite each chain from the rows themselves.
pub(crate) async fn reseal<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
) -> Result<(), Error> {
    let rows = held.history::<DB>(conn).await?;
    for (version, chain) in reseals(&rows) {
        let write = Write::Reseal {
            version,
            chain: &chain,
        };
        held.write::<DB>(conn, write).await?;
    }
    Ok(())
}

/// The rows whose stored chain differs from the one their content and the rows below give,
/// with that chain (see [`reseal`]).
pub(crate) fn reseals(rows: &[tracking::Row]) -> Vec<(i64, [u8; 32])> {
    let mut out = Vec::new();
    for (version, expected, stored) in tracking::links(rows) {
        let Some(chain) = expected else { break };
        if stored != chain.as_slice() {
            out.push((version, chain));
        }
    }
    out
}

/// The tracking row of `m`, applied or started.
pub(crate) fn insert<'a>(
    m: &'a Migration,
    chain: &'a [u8; 32],
    duration_ms: &'a str,
    success: bool,
) -> Write<'a> {
    Write::Insert {
        version: m.version().get(),
        name: m.name(),
        checksum: m.checksum(),
        chain,
        duration_ms,
        success,
    }
}

fn applied(m: &Migration, duration: Duration) -> Applied {
    Applied {
        version: m.version(),
        name: m.name().to_owned(),
        duration,
    }
}

/// Rolls back after a failure; a failed `ROLLBACK` is logged, never returned in place of the
/// error that caused it.
pub(crate) async fn roll_back<DB: Driver>(conn: &mut DB::Connection) {
    if let Err(e) = DB::exec(conn, "ROLLBACK").await {
        tracing::warn!(error = %e, "ROLLBACK after a failed migration failed too");
    }
}

/// A transactional migration: its script and its row commit together.
async fn wrapped<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    m: &Migration,
    chain: &[u8; 32],
) -> Result<Applied, Error> {
    tracing::info!(version = %m.version(), file = m.up().file(), "applying migration");
    let start = Instant::now();
    let record = |duration_ms: &str| {
        tracking::write_sql::<DB>(&held.table, insert(m, chain, duration_ms, true))
    };
    in_transaction::<DB>(conn, held, m.version(), m.up(), &record).await?;
    Ok(applied(m, start.elapsed()))
}

/// Runs `script` and the tracking write `record` gives (from the duration as SQL) in one
/// fenced transaction, then puts the session back: in one batch where the database allows
/// it, else statement by statement.
pub(crate) async fn in_transaction<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    version: Version,
    script: &Script,
    record: &(dyn Fn(&str) -> String + Sync),
) -> Result<(), Error> {
    let after = held.restore.as_str();
    if DB::BATCH {
        // One round trip: the fence, the script and its row in one transaction, one batch.
        let fence = held
            .fence_in_batch::<DB>()
            .map(|f| format!("{f};\n"))
            .unwrap_or_default();
        let head = format!("{}{fence}", locate::BATCH_BEGIN);
        let batch = format!(
            "{head}{}\n;\n{};\nCOMMIT;\n{after}",
            script.sql(),
            record(DB::BATCH_ELAPSED_MS)
        );
        if let Err((completed, e)) = DB::exec_counted(conn, &batch).await {
            // The batch may have opened its transaction before failing; there may be none.
            roll_back::<DB>(conn).await;
            let before = 1 + usize::from(!fence.is_empty());
            if let (Some(lease), true) = (&held.lease, completed + 1 == before) {
                return Err(lease.lost());
            }
            let failed = (completed, e);
            return Err(locate::in_batch::<DB>(
                version,
                script,
                failed,
                head.len(),
                before,
            ));
        }
        return Ok(());
    }
    let start = Instant::now();
    DB::exec(conn, "BEGIN").await?;
    if let Err(e) = held.fence::<DB>(conn).await {
        roll_back::<DB>(conn).await;
        return Err(e);
    }
    for statement in statements(script.sql(), DB::DIALECT) {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            roll_back::<DB>(conn).await;
            return Err(locate::statement::<DB>(version, script, &statement, e));
        }
    }
    if let Err(e) = DB::exec(conn, &record(&millis(start.elapsed()).to_string())).await {
        roll_back::<DB>(conn).await;
        return Err(e.into());
    }
    DB::exec(conn, "COMMIT").await?;
    if !after.is_empty() {
        DB::exec(conn, after).await?;
    }
    Ok(())
}

/// A migration run statement by statement, progress recorded after each (with the hash of
/// the statements done, so a resume can tell they did not change); from statement
/// `resume_from` + 1 when resuming a dirty one; then `after` (SQL, or empty).
pub(crate) async fn one_by_one<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    m: &Migration,
    chain: &[u8; 32],
    resume_from: Option<usize>,
) -> Result<Applied, Error> {
    let script = m.up();
    let version = m.version().get();
    let statements = statements(script.sql(), DB::DIALECT);
    let start = Instant::now();
    let first = resume_from.unwrap_or(0);
    match resume_from {
        Some(done) => {
            tracing::info!(version = %m.version(), file = script.file(), statement = done + 1, "resuming migration");
        }
        None => {
            tracing::info!(version = %m.version(), file = script.file(), "applying migration statement by statement");
            held.write::<DB>(conn, insert(m, chain, "0", false)).await?;
        }
    }
    let total = statements.len();
    let mut done_hash = validate::statements_hash(&statements, first);
    for (index, statement) in statements.iter().enumerate().skip(first) {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        // outside a transaction, the lease is checked before each statement
        held.fence::<DB>(conn).await?;
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            let error = locate::statement::<DB>(m.version(), script, statement, e)
                .with_progress(index, total);
            let progress = Write::Progress {
                version,
                statements_done: count(index),
                done_hash: &done_hash,
                error: Some(&locate::recorded(&error)),
            };
            // The statement's error is the one to report, even if recording it fails too
            // (on a lost connection, it does).
            if let Err(e) = held.write::<DB>(conn, progress).await {
                tracing::warn!(version, error = %e, "could not record where the migration stopped");
            }
            return Err(error);
        }
        done_hash = migrate_core::checksum::chain(
            &done_hash,
            count(index),
            &migrate_core::checksum::checksum(statement.sql()),
        );
        let progress = Write::Progress {
            version,
            statements_done: count(index + 1),
            done_hash: &done_hash,
            error: None,
        };
        held.write::<DB>(conn, progress).await?;
    }
    let duration = start.elapsed();
    let finish = Write::Finish {
        version,
        checksum: m.checksum(),
        chain,
        duration_ms: millis(duration),
    };
    held.write::<DB>(conn, finish).await?;
    if !held.restore.is_empty() {
        DB::exec(conn, &held.restore).await?;
    }
    Ok(applied(m, duration))
}
