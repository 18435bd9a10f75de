//! The algorithm, the same on every database, one job per module:
//!
//! - [`validate`]: pure functions over the tracking rows — the fast path's test, and what a
//!   run must do or refuse;
//! - [`lock`]: taking and releasing the migration lock; [`locked`] wraps every operation
//!   that writes ([`Op`]);
//! - [`apply`], [`atomic`]: applying pending migrations, one transaction each or all in one;
//!   [`script`]: running one script, in its transaction or statement by statement, guarded
//!   by its timeouts ([`guard`]) and retried on a lock timeout; [`repeatable`]: the repeatable
//!   migrations that changed, after the others;
//! - [`locate`]: placing a failed statement in its file;
//! - [`undo`]; [`admin`]: baseline, force, forget; [`inspect`]: status and plan;
//! - [`adopt`]: taking over another tool's history.

use std::time::Duration;

use std::future::Future;

use migrate_core::split::{self, Dialect, Statement};

use held::Held;

use crate::driver::{Conn, Driver, Table};
use crate::error::Error;
use crate::report::{Progress, Report};
use crate::runner::{Locking, Options};
use crate::table::{Migration, Migrator, Version};

pub(crate) mod admin;
pub(crate) mod adopt;
pub(crate) mod apply;
pub(crate) mod atomic;
pub(crate) mod guard;
pub(crate) mod held;
pub(crate) mod inspect;
pub(crate) mod locate;
pub(crate) mod lock;
pub(crate) mod repeatable;
pub(crate) mod script;
pub(crate) mod undo;
pub(crate) mod validate;

/// What an operation works with: the set and the settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cx<'m> {
    pub migrator: &'m Migrator,
    pub options: &'m Options,
}

impl Cx<'_> {
    /// The tracking table of the settings, checked and quoted for `DB`.
    pub fn table<DB: Driver>(&self) -> Result<Table, Error> {
        Table::new::<DB>(&self.options.table, self.options.schema.as_deref())
    }

    /// The validation rules of the settings on `DB`, for `table`.
    pub fn rules<'a, DB: Driver>(&self, table: &'a Table) -> validate::Rules<'a> {
        validate::Rules {
            allow_missing: self.options.allow_missing,
            allow_out_of_order: self.options.allow_out_of_order,
            resume: self.options.resume,
            dialect: DB::DIALECT,
            transactional_ddl: DB::TRANSACTIONAL_DDL,
            table: &table.key,
        }
    }

    /// Tells the observer, if there is one.
    pub fn progress(&self, progress: Progress<'_>) {
        if let Some(observer) = &self.options.observer {
            (observer.0)(progress);
        }
    }

    /// `version`, if it is a migration of the set.
    pub fn known(&self, version: Version) -> Result<Version, Error> {
        self.migrator
            .get(version)
            .map(|m| m.version())
            .ok_or(Error::UnknownVersion { version })
    }
}

/// The chain at every migration of the set, hashed once per run that has work to do (the
/// table stores only the head's, which is all the fast path needs).
pub(crate) struct Chains<'m> {
    migrator: &'m Migrator,
    chains: Vec<[u8; 32]>,
}

impl<'m> Chains<'m> {
    pub fn new(migrator: &'m Migrator) -> Self {
        Self {
            migrator,
            chains: migrator.chains().collect(),
        }
    }

    /// The chain at `m`.
    pub fn of(&self, m: &Migration) -> Result<&[u8; 32], Error> {
        self.migrator
            .index(m.version())
            .and_then(|i| self.chains.get(i))
            .ok_or(Error::UnknownVersion {
                version: m.version(),
            })
    }
}

/// An operation that writes, done under the migration lock.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op<'a> {
    /// Apply what is pending, up to the target if given.
    Apply(Option<Version>),
    /// Undo what is newer than the target, or everything.
    Undo(Option<Version>),
    /// What a human decides on.
    Admin(admin::Admin),
    /// Record these migrations as applied by another tool, into an empty tracking table.
    Adopt(&'a [Version]),
}

/// Resolves the tracking table, takes the lock, does `op`, and releases the lock on every
/// path; the operation's error wins over the release's. Under a lease, a heartbeat renews it
/// from a second pooled connection while the operation works.
pub(crate) async fn locked<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    op: Op<'_>,
) -> Result<Report, Error> {
    match op {
        Op::Apply(Some(v))
        | Op::Undo(Some(v))
        | Op::Admin(admin::Admin::Baseline(v) | admin::Admin::Force(v)) => {
            cx.known(v)?;
        }
        Op::Apply(None)
        | Op::Undo(None)
        | Op::Admin(admin::Admin::Forget(_) | admin::Admin::ForgetApplied(_))
        | Op::Adopt(_) => {}
    }
    let table = cx.table::<DB>()?.resolve::<DB>(conn.get()).await?;
    let strategy = lock::strategy::<DB>(cx, conn.get()).await?;
    // Until the lock is released, a cancelled run closes a connection that may hold a session
    // lock rather than return it to the pool.
    let mut armed = conn.armed(DB::SESSION_LOCK && strategy != Locking::Lease);
    let conn = armed.conn();
    // A runner that came to apply stops waiting once another has applied it all.
    let settled = match op {
        Op::Apply(target) => Some(lock::Settled {
            migrator: cx.migrator,
            target,
        }),
        Op::Undo(_) | Op::Admin(_) | Op::Adopt(_) => None,
    };
    let guard = match lock::acquire(cx, conn, &table, strategy, settled).await {
        Ok(Some(guard)) => guard,
        Ok(None) => {
            armed.disarm();
            return Ok(Report::default());
        }
        Err(e) => {
            // not taken: nothing to lose with the connection
            armed.disarm();
            return Err(e);
        }
    };
    let conn = armed.conn();
    let pool = conn.pool().cloned();
    let result = under_lock(cx, conn.get(), &table, guard.lease(), pool, op).await;
    let result = lock::release(conn, &table, guard, result).await;
    armed.disarm();
    result
}

async fn under_lock<DB: Driver>(
    cx: Cx<'_>,
    c: &mut DB::Connection,
    table: &Table,
    lease: Option<&lock::lease::Lease>,
    pool: Option<sqlx::Pool<DB>>,
    op: Op<'_>,
) -> Result<Report, Error> {
    let restore = match lease {
        Some(_) => String::new(),
        None => session_restore::<DB>(c).await?,
    };
    let held = Held {
        table: table.clone(),
        lease: lease.cloned(),
        restore,
        guards: guard::Guards::new(cx.options, lease.is_some()),
    };
    let work = async {
        match op {
            Op::Apply(target) => apply::apply::<DB>(cx, c, &held, target).await,
            Op::Undo(target) => undo::undo::<DB>(cx, c, &held, target).await,
            Op::Admin(op) => admin::admin::<DB>(cx, c, &held, op).await,
            Op::Adopt(versions) => adopt::record::<DB>(cx, c, &held, versions).await,
        }
    };
    match (lease, pool) {
        (Some(lease), Some(pool)) => with_heartbeat(work, lease.heartbeat(pool)).await,
        _ => work.await,
    }
}

/// Polls `work` to its end, and `beat` beside it until `beat` ends.
async fn with_heartbeat<T>(work: impl Future<Output = T>, beat: impl Future<Output = ()>) -> T {
    let mut work = std::pin::pin!(work);
    let mut beat = std::pin::pin!(beat);
    let mut beating = true;
    std::future::poll_fn(|context| {
        if let std::task::Poll::Ready(value) = work.as_mut().poll(context) {
            return std::task::Poll::Ready(value);
        }
        if beating && beat.as_mut().poll(context).is_ready() {
            beating = false;
        }
        std::task::Poll::Pending
    })
    .await
}

/// The SQL that puts the session back as it is now after each migration (see
/// [`Driver::SESSION_SQL`]); empty where there is nothing to put back.
pub(crate) async fn session_restore<DB: Driver>(
    conn: &mut DB::Connection,
) -> Result<String, Error> {
    let Some(sql) = DB::SESSION_SQL else {
        return Ok(String::new());
    };
    let saved = DB::fetch_texts(conn, sql).await?;
    Ok(
        match saved
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
            .flatten()
        {
            Some(saved) => DB::restore_session_sql(&saved),
            None => String::new(),
        },
    )
}

/// Runs `restore` after a migration failed, when there is one; its own failure is logged, the
/// migration's error is the one reported.
pub(crate) async fn restore_after_failure<DB: Driver>(conn: &mut DB::Connection, restore: &str) {
    if restore.is_empty() {
        return;
    }
    if let Err(e) = DB::exec(conn, restore).await {
        tracing::warn!(error = %e, "could not put the session back after a failed migration");
    }
}

/// The statements a script runs one by one, without blank pieces.
pub(crate) fn statements(sql: &str, dialect: Dialect) -> Vec<Statement<'_>> {
    split::split(sql, dialect)
        .into_iter()
        .filter(|s| !s.is_blank())
        .collect()
}

/// Milliseconds, saturated.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
