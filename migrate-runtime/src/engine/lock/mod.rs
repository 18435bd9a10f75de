//! Taking and releasing the migration lock, by the strategy the settings name
//! ([`crate::Locking`]): the database's session lock, the lease ([`lease`]), or none.
//!
//! The session lock is polled (`try_lock`, then a short jittered sleep) rather than waited
//! for inside a statement: a waiter blocked in `pg_advisory_lock` would hold a snapshot that a
//! `CREATE INDEX CONCURRENTLY` in the holder's migration waits for, a deadlock. The jitter keeps
//! a herd of waiters from polling in step, and the short ceiling lets each see the release
//! within a few tens of milliseconds. A waiter that came to apply also reads the newest
//! tracking row between attempts ([`Watch`]): once another runner has applied what it came
//! for, it returns without taking the lock; while the row moves, the holder is at work and the
//! lock is not worth trying, so a waiting herd sends one cheap query per round.

use std::time::{Duration, Instant};

use super::validate;
use super::Cx;
use crate::driver::tracking::{self, Newest};
use crate::driver::{Conn, Driver, Table};
use crate::error::Error;
use crate::runner::Locking;
use crate::table::{Migrator, Version};

pub(crate) mod lease;

use lease::Lease;

/// The first pause between two attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(2);
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_millis(25);
/// How long a runner waits before it says so, naming the holder (a herd released together
/// would otherwise query who holds the lock once per instance, as the holder starts work).
pub(crate) const SAY_WAITING: Duration = Duration::from_secs(1);
/// The longest pause of a waiter that sees much of the holder's work remaining.
const LONG_PAUSE: Duration = Duration::from_millis(100);

/// A held lock, released by [`release`].
pub(crate) enum Guard<L> {
    /// Locking is off.
    None,
    /// The database's session lock.
    Session(L),
    /// A lease.
    Lease(Lease),
}

impl<L> Guard<L> {
    /// The lease, when the lock is one.
    pub fn lease(&self) -> Option<&Lease> {
        match self {
            Guard::Lease(lease) => Some(lease),
            Guard::None | Guard::Session(_) => None,
        }
    }
}

/// The fast path's test, which a waiter that came to apply also makes between attempts:
/// whether everything up to the target is applied (by another runner, meanwhile).
#[derive(Clone, Copy)]
pub(crate) struct Settled<'a> {
    pub migrator: &'a Migrator,
    pub target: Option<Version>,
}

impl Settled<'_> {
    /// Whether the newest row of `table` says there is nothing to do.
    pub async fn done<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
    ) -> Result<bool, Error> {
        Ok(self.read::<DB>(conn, table).await?.1)
    }

    /// The newest row of `table`, and whether it says there is nothing to do.
    async fn read<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
    ) -> Result<(Newest, bool), sqlx::Error> {
        let newest = tracking::newest::<DB>(conn, table).await?;
        let done = validate::up_to_date(self.migrator, &newest, self.target);
        Ok((newest, done))
    }
}

/// What a waiter that came to apply has seen of the holder's work, look after look.
pub(crate) struct Watch<'a> {
    settled: Settled<'a>,
    table: &'a Table,
    last: Option<Newest>,
    /// When the first look saw the holder at which migration of the set, and when the last
    /// look saw it at which: the holder's pace.
    first_seen: Option<(Instant, usize)>,
    last_seen: Option<usize>,
}

/// What one look saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Everything the waiter came for is applied.
    Done,
    /// The newest row changed since the last look: the holder is at work.
    Moved,
    /// Nothing changed (or this is the first look): worth trying the lock.
    Still,
}

impl<'a> Watch<'a> {
    pub fn new(settled: Settled<'a>, table: &'a Table) -> Self {
        Watch {
            settled,
            table,
            last: None,
            first_seen: None,
            last_seen: None,
        }
    }

    /// The pause before the next look: `base`, or longer while the holder's pace says much
    /// of its work remains — half the time that work should take, up to [`LONG_PAUSE`]. A
    /// herd waiting on a long run then sends a few queries, not one per waiter every few
    /// milliseconds, and still looks often as the end nears.
    pub fn pause(&self, base: Duration) -> Duration {
        let (Some((since, first)), Some(at)) = (self.first_seen, self.last_seen) else {
            return base;
        };
        let (done, remaining) = (at.saturating_sub(first), self.remaining(at));
        if done == 0 || remaining == 0 {
            return base;
        }
        let per_migration = since.elapsed() / u32::try_from(done).unwrap_or(u32::MAX);
        let left = per_migration.saturating_mul(u32::try_from(remaining).unwrap_or(u32::MAX));
        base.max((left / 2).min(LONG_PAUSE))
    }

    /// Migrations of the waiter's set after the one at `index`, up to its target.
    fn remaining(&self, index: usize) -> usize {
        let migrations = self.settled.migrator.migrations();
        let end = match self.settled.target {
            Some(target) => migrations.partition_point(|m| m.version() <= target),
            None => migrations.len(),
        };
        end.saturating_sub(index + 1)
    }

    /// Reads the newest row. A stale read only says "not yet", so it needs no causal read on
    /// Galera; nor does a read aborted by a conflict (Galera aborts it when another node's
    /// DDL replicates), which counts as nothing seen.
    pub async fn look<DB: Driver>(&mut self, conn: &mut DB::Connection) -> Result<Seen, Error> {
        let newest = match self.settled.read::<DB>(conn, self.table).await {
            Ok((_, true)) => return Ok(Seen::Done),
            Ok((newest, false)) => newest,
            Err(e) if DB::is_conflict(&e) => return Ok(Seen::Still),
            Err(e) => return Err(e.into()),
        };
        let moved = self.last.as_ref().is_some_and(|last| *last != newest);
        if let Newest::Row { version, .. } = &newest {
            let index = Version::new(*version).and_then(|v| self.settled.migrator.index(v));
            if let Some(index) = index {
                self.first_seen.get_or_insert((Instant::now(), index));
                self.last_seen = Some(index);
            }
        }
        self.last = Some(newest);
        Ok(if moved { Seen::Moved } else { Seen::Still })
    }
}

/// Before each attempt but the first (the fast path has just looked): whether to try the lock
/// (`Some(true)`), skip it because the holder is visibly at work (`Some(false)`: one query
/// per round, not two, while a herd waits), or stop because the work is done (`None`).
async fn worth_trying<DB: Driver>(
    watch: &mut Option<Watch<'_>>,
    first: &mut bool,
    conn: &mut DB::Connection,
) -> Result<Option<bool>, Error> {
    let seen = match watch {
        Some(watch) if !*first => watch.look::<DB>(conn).await?,
        _ => Seen::Still,
    };
    *first = false;
    Ok(match seen {
        Seen::Done => None,
        Seen::Moved => Some(false),
        Seen::Still => Some(true),
    })
}

/// The strategy the settings name for this database: `auto` asks the server.
pub(crate) async fn strategy<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
) -> Result<Locking, Error> {
    Ok(match cx.options.locking {
        Locking::Auto if DB::wants_lease(conn).await? => Locking::Lease,
        Locking::Auto => Locking::Session,
        other => other,
    })
}

/// Takes the lock of `table` by `strategy`, waiting up to the lock timeout; `None` when,
/// while it waited, another runner did what `settled` asks for.
pub(crate) async fn acquire<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    table: &Table,
    strategy: Locking,
    settled: Option<Settled<'_>>,
) -> Result<Option<Guard<DB::Lock>>, Error> {
    match strategy {
        Locking::None => return Ok(Some(Guard::None)),
        Locking::Lease => {
            let lock = lease::lock_table::<DB>(table);
            let options = cx.options;
            let wait = lease::Wait {
                duration: options.lease,
                timeout: options.lock_timeout,
                watch: settled.map(|s| Watch::new(s, table)),
            };
            let held = lease::acquire::<DB>(conn.get(), lock, wait).await?;
            return Ok(held.map(Guard::Lease));
        }
        Locking::Auto | Locking::Session => {}
    }
    let conn = conn.get();
    let timeout = cx.options.lock_timeout;
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut logged = false;
    let mut watch = settled.map(|s| Watch::new(s, table));
    let mut first = true;
    loop {
        match worth_trying::<DB>(&mut watch, &mut first, conn).await? {
            None => return Ok(None),
            Some(true) => {
                if let Some(lock) = DB::try_lock(conn, table).await? {
                    return Ok(Some(Guard::Session(lock)));
                }
            }
            Some(false) => {}
        }
        if start.elapsed() >= timeout {
            return Err(Error::LockTimeout {
                waited: start.elapsed(),
                holder: DB::holder(conn, table).await,
            });
        }
        if !logged && start.elapsed() >= SAY_WAITING {
            let holder = DB::holder(conn, table).await;
            tracing::info!(holder = holder.as_deref().unwrap_or("unknown"), table = %table.key, "waiting for the migration lock");
            logged = true;
        }
        let next = watch.as_ref().map_or(pause, |w| w.pause(pause));
        tokio::time::sleep(jittered(next)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// Who holds the lock of `table`, if another runner does (`Some`, with what the database says
/// of the holder): for a session lock, probed by taking it and releasing it at once; for a
/// lease, read from its row.
pub(crate) async fn held_elsewhere<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    table: &Table,
) -> Result<Option<String>, Error> {
    match strategy::<DB>(cx, conn.get()).await? {
        Locking::None => return Ok(None),
        Locking::Lease => {
            return lease::holder::<DB>(conn.get(), &lease::lock_table::<DB>(table)).await
        }
        Locking::Auto | Locking::Session => {}
    }
    // taken and given back at once: a cancelled probe must not leave it with the pool
    let mut armed = conn.armed(DB::SESSION_LOCK);
    let conn = armed.conn().get();
    let held = match DB::try_lock(conn, table).await? {
        Some(lock) => {
            DB::unlock(conn, table, lock).await?;
            None
        }
        None => Some(
            DB::holder(conn, table)
                .await
                .unwrap_or_else(|| "another runner".to_owned()),
        ),
    };
    armed.disarm();
    Ok(held)
}

/// Releases the lock, whatever `result` is; the work's error wins over the release's.
pub(crate) async fn release<DB: Driver, T>(
    conn: &mut Conn<'_, DB>,
    table: &Table,
    guard: Guard<DB::Lock>,
    result: Result<T, Error>,
) -> Result<T, Error> {
    let released = match guard {
        Guard::Session(lock) => DB::unlock(conn.get(), table, lock)
            .await
            .map_err(Error::from),
        Guard::Lease(lease) => lease.release::<DB>(conn.get()).await,
        Guard::None => Ok(()),
    };
    let value = result?;
    released?;
    Ok(value)
}

/// A pause between half of `pause` and all of it, different in every process and call.
pub(crate) fn jittered(pause: Duration) -> Duration {
    let half = pause / 2;
    let spread = u64::try_from(half.as_micros()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_micros(random() % spread)
}

/// A cheap random number: a clock reading and a counter, mixed (SplitMix64). Good enough to
/// spread waiters; nothing depends on it being unpredictable.
pub(crate) fn random() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_the_pause() {
        for _ in 0..1000 {
            let d = jittered(Duration::from_millis(20));
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
        }
        let spread: std::collections::BTreeSet<_> = (0..100)
            .map(|_| jittered(Duration::from_millis(20)))
            .collect();
        assert!(spread.len() > 50, "{spread:?}");
    }
}
