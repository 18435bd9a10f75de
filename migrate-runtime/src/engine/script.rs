//! Running one script, guarded by its timeouts and retried on a lock timeout: in one fenced
//! transaction with its tracking write, or statement by statement with progress recorded
//! after each, so that a failure or a crash leaves a row that says where to resume.

use std::time::{Duration, Instant};

use super::apply::{insert, roll_back};
use super::held::Held;
use super::{locate, millis, statements, validate};
use crate::driver::repeatable::{self, Write as RepeatableWrite};
use crate::driver::tracking::{self, Write};
use crate::driver::{Driver, Guard, GuardSql, Scope};
use crate::error::{Error, Subject};
use crate::table::{Migration, Repeatable, Script};

/// What a script run statement by statement is recorded as.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Work<'a> {
    /// A versioned migration's up script, with the migration's chain.
    Migration(&'a Migration, &'a [u8; 32]),
    /// A repeatable migration.
    Repeatable(&'a Repeatable),
}

impl<'a> Work<'a> {
    pub fn subject(&self) -> Subject<'a> {
        match *self {
            Work::Migration(m, _) => Subject::Migration(m.version()),
            Work::Repeatable(r) => Subject::Repeatable(r.name()),
        }
    }

    pub fn script(&self) -> &'a Script {
        match *self {
            Work::Migration(m, _) => m.up(),
            Work::Repeatable(r) => r.script(),
        }
    }

    /// Its row, started (not finished) or, in the script's transaction, applied.
    pub fn start<DB: Driver>(&self, held: &Held, duration_ms: &str, success: bool) -> String {
        match *self {
            Work::Migration(m, chain) => {
                tracking::write_sql::<DB>(&held.table, insert(m, chain, duration_ms, success))
            }
            Work::Repeatable(r) => repeatable::write_sql::<DB>(
                &held.repeatable_table::<DB>(),
                RepeatableWrite::Start {
                    name: r.name(),
                    checksum: r.checksum(),
                    duration_ms,
                    success,
                },
            ),
        }
    }

    fn progress<DB: Driver>(
        &self,
        held: &Held,
        done: usize,
        hash: &[u8; 32],
        error: Option<&str>,
    ) -> String {
        let statements_done = i64::try_from(done).unwrap_or(i64::MAX);
        match *self {
            Work::Migration(m, _) => tracking::write_sql::<DB>(
                &held.table,
                Write::Progress {
                    version: m.version().get(),
                    statements_done,
                    done_hash: hash,
                    error,
                },
            ),
            Work::Repeatable(r) => repeatable::write_sql::<DB>(
                &held.repeatable_table::<DB>(),
                RepeatableWrite::Progress {
                    name: r.name(),
                    statements_done,
                    done_hash: hash,
                    error,
                },
            ),
        }
    }

    fn finish<DB: Driver>(&self, held: &Held, duration: Duration) -> String {
        match *self {
            Work::Migration(m, chain) => tracking::write_sql::<DB>(
                &held.table,
                Write::Finish {
                    version: m.version().get(),
                    checksum: m.checksum(),
                    chain,
                    duration_ms: millis(duration),
                },
            ),
            Work::Repeatable(r) => repeatable::write_sql::<DB>(
                &held.repeatable_table::<DB>(),
                RepeatableWrite::Finish {
                    name: r.name(),
                    duration_ms: millis(duration),
                },
            ),
        }
    }
}

/// Runs `script` and the tracking write `record` gives (from the duration as SQL) in one
/// fenced transaction, with the script's timeouts set in it, then puts the session back: in
/// one batch where the database allows it, else statement by statement. A lock timeout rolls
/// it back, and it is tried again whole after a pause, as many times as the run allows.
pub(crate) async fn in_transaction<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    subject: Subject<'_>,
    script: &Script,
    record: &(dyn Fn(&str) -> String + Sync),
) -> Result<(), Error> {
    let guard = held.guards.of::<DB>(conn, script).await?;
    let guard_sql = held
        .guards
        .sql::<DB>(&guard, script, Scope::Transaction { reset: false });
    let mut retry = held.guards.retrier(&guard);
    loop {
        match transaction_once::<DB>(conn, held, subject, script, record, &guard_sql).await {
            Err(e)
                if retry
                    .again::<DB>(e.failed_source(), &subject, script.file())
                    .await => {}
            Err(e) => return Err(retry.finish::<DB>(e, script)),
            Ok(()) => return Ok(()),
        }
    }
}

async fn transaction_once<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    subject: Subject<'_>,
    script: &Script,
    record: &(dyn Fn(&str) -> String + Sync),
    guard: &GuardSql,
) -> Result<(), Error> {
    let after = held.restore.as_str();
    if DB::BATCH {
        // One round trip: the fence, the timeouts, the script and its row in one
        // transaction, one batch.
        let fence = held
            .fence_in_batch::<DB>()
            .map(|f| format!("{f};\n"))
            .unwrap_or_default();
        let head = format!("{}{fence}{}", locate::BATCH_BEGIN, guard.begin);
        let batch = format!(
            "{head}{}\n;\n{};\nCOMMIT;\n{after}",
            script.sql(),
            record(DB::BATCH_ELAPSED_MS)
        );
        if let Err((completed, e)) = DB::exec_counted(conn, &batch).await {
            // The batch may have opened its transaction before failing; there may be none.
            roll_back::<DB>(conn).await;
            // BEGIN completed, the fence did not: the lease is gone
            if let (Some(lease), true) = (&held.lease, !fence.is_empty() && completed == 1) {
                return Err(lease.lost());
            }
            let before = 1 + usize::from(!fence.is_empty()) + guard.statements;
            let failed = (completed, e);
            return Err(locate::in_batch::<DB>(
                subject,
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
    let guarded = match guard.begin.is_empty() {
        true => Ok(0),
        false => DB::exec(conn, &guard.begin).await,
    };
    if let Err(e) = guarded {
        roll_back::<DB>(conn).await;
        return Err(e.into());
    }
    for statement in statements(script.sql(), DB::DIALECT) {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            roll_back::<DB>(conn).await;
            return Err(locate::statement::<DB>(subject, script, &statement, e));
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

/// A script run statement by statement, progress recorded after each (with the hash of the
/// statements done, so a resume can tell they did not change); from the statement after
/// `resume_from` when resuming a dirty one. Its timeouts are set for the session around it (per
/// statement where the database has that) and reset on every path; a statement that could not
/// get its lock in time is tried again, alone. How long it took.
pub(crate) async fn one_by_one<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    work: Work<'_>,
    resume_from: Option<usize>,
) -> Result<Duration, Error> {
    let script = work.script();
    let subject = work.subject();
    let start = Instant::now();
    match resume_from {
        Some(done) => {
            tracing::info!(migration = %subject, file = script.file(), statement = done + 1, "resuming migration");
        }
        None => {
            tracing::info!(migration = %subject, file = script.file(), "applying migration statement by statement");
            held.write_sql::<DB>(conn, work.start::<DB>(held, "0", false))
                .await?;
        }
    }
    let guard = held.guards.of::<DB>(conn, script).await?;
    let guard_sql = held.guards.sql::<DB>(&guard, script, Scope::Session);
    if !guard_sql.begin.is_empty() {
        DB::exec(conn, &guard_sql.begin).await?;
    }
    let first = resume_from.unwrap_or(0);
    let done = statement_by_statement::<DB>(conn, held, work, first, (&guard, &guard_sql)).await;
    if !guard_sql.end.is_empty() {
        // the statements' error is the one to report; a failed reset is only logged
        if let Err(e) = DB::exec(conn, &guard_sql.end).await {
            tracing::warn!(error = %e, "could not reset the timeouts after a migration");
        }
    }
    done?;
    let duration = start.elapsed();
    held.write_sql::<DB>(conn, work.finish::<DB>(held, duration))
        .await?;
    if !held.restore.is_empty() {
        DB::exec(conn, &held.restore).await?;
    }
    Ok(duration)
}

async fn statement_by_statement<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    work: Work<'_>,
    first: usize,
    (guard, guard_sql): (&Guard, &GuardSql),
) -> Result<(), Error> {
    let (script, subject) = (work.script(), work.subject());
    let statements = statements(script.sql(), DB::DIALECT);
    let total = statements.len();
    let mut done_hash = validate::statements_hash(&statements, first);
    for (index, statement) in statements.iter().enumerate().skip(first) {
        let sql = format!("{}{}", guard_sql.prefix, statement.sql());
        let mut retry = held.guards.retrier(guard);
        let outcome = loop {
            // outside a transaction, the lease is checked before each statement
            held.fence::<DB>(conn).await?;
            match DB::exec(conn, &sql).await {
                Ok(_) => break Ok(()),
                Err(e) if retry.again::<DB>(Some(&e), &subject, script.file()).await => {}
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = outcome {
            let error =
                locate::statement::<DB>(subject, script, statement, e).with_progress(index, total);
            let error = retry.finish::<DB>(error, script);
            let progress =
                work.progress::<DB>(held, index, &done_hash, Some(&locate::recorded(&error)));
            // The statement's error is the one to report, even if recording it fails too
            // (on a lost connection, it does).
            if let Err(e) = held.write_sql::<DB>(conn, progress).await {
                tracing::warn!(migration = %subject, error = %e, "could not record where the migration stopped");
            }
            return Err(error);
        }
        done_hash = migrate_core::checksum::chain(
            &done_hash,
            i64::try_from(index).unwrap_or(i64::MAX),
            &migrate_core::checksum::checksum(statement.sql()),
        );
        held.write_sql::<DB>(conn, work.progress::<DB>(held, index + 1, &done_hash, None))
            .await?;
    }
    Ok(())
}
