//! Applying pending migrations: a transactional one with its tracking row in one
//! transaction, the others statement by statement with progress recorded after each (see
//! [`super::script`]), then the repeatable migrations that changed (see [`super::repeatable`]),
//! and last the newest row's chain sealed over them, for the fast path.

use std::time::{Duration, Instant};

use super::held::Held;
use super::script::{in_transaction, one_by_one, Work};
use super::validate::{self, Plan};
use super::{atomic, lock, repeatable, restore_after_failure, Chains, Cx, Op};
use crate::driver::tracking::{self, Newest, Write};
use crate::driver::{Conn, Driver};
use crate::error::{Error, Subject};
use crate::report::{Applied, Progress, Report};
use crate::table::{Migration, Transaction, Version};

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
    // Repeatable migrations run once every migration of the set is applied: their rows are
    // read now, so the count planned includes them.
    let repeatables = match plan.complete {
        true => repeatable::plan::<DB>(cx, conn, held).await?,
        false => repeatable::Planned::default(),
    };
    let steps = usize::from(plan.resume.is_some()) + plan.pending.len() + repeatables.len();
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
                one_by_one::<DB>(conn, held, Work::Migration(m, chain), resume_from)
                    .await
                    .map(|duration| applied(m, duration))
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
    if plan.complete {
        report.repeatables = repeatable::apply::<DB>(cx, conn, held, repeatables).await?;
        seal::<DB>(cx, conn, held).await?;
    }
    Ok(report)
}

/// Once every repeatable migration is applied with its current content, the newest row (at
/// the set's newest migration) takes the chain extended over them, so that the fast path's
/// one row covers them too ([`crate::Migrator::head_chain`]).
async fn seal<DB: Driver>(cx: Cx<'_>, conn: &mut DB::Connection, held: &Held) -> Result<(), Error> {
    let Newest::Row {
        version,
        chain,
        success: true,
    } = held.newest::<DB>(conn).await?
    else {
        return Ok(());
    };
    let at_head = cx.migrator.head().map(|m| m.version().get()) == Some(version);
    let Ok(chain) = <[u8; 32]>::try_from(chain.as_slice()) else {
        return Ok(());
    };
    let sealed = cx.migrator.sealed(&chain);
    if at_head && sealed != chain {
        let write = Write::Reseal {
            version,
            chain: &sealed,
        };
        held.write::<DB>(conn, write).await?;
    }
    Ok(())
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
    in_transaction::<DB>(conn, held, Subject::Migration(m.version()), m.up(), &record).await?;
    Ok(applied(m, start.elapsed()))
}
