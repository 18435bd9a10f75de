//! Taking and releasing the migration lock, by the strategy the settings name
//! ([`crate::Locking`]): the database's session lock, the lease ([`lease`]), or none.
//!
//! The session lock is polled (`try_lock`, then a short jittered sleep) rather than waited
//! for inside a statement: a waiter blocked in `pg_advisory_lock` would hold a snapshot that a
//! `CREATE INDEX CONCURRENTLY` in the holder's migration waits for, a deadlock. The jitter keeps
//! a herd of waiters from polling in step, and the short ceiling lets each see the release
//! within a few tens of milliseconds.

use std::time::{Duration, Instant};

use super::Cx;
use crate::driver::{Conn, Driver, Table};
use crate::error::Error;
use crate::runner::Locking;

pub(crate) mod lease;

use lease::Lease;

/// The first pause between two attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(2);
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_millis(25);

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

/// Takes the lock of `table` by `strategy`, waiting up to the lock timeout.
pub(crate) async fn acquire<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut Conn<'_, DB>,
    table: &Table,
    strategy: Locking,
) -> Result<Guard<DB::Lock>, Error> {
    match strategy {
        Locking::None => return Ok(Guard::None),
        Locking::Lease => {
            let lock = lease::lock_table::<DB>(table);
            let options = cx.options;
            let held = lease::acquire::<DB>(conn.get(), lock, options.lease, options.lock_timeout);
            return Ok(Guard::Lease(held.await?));
        }
        Locking::Auto | Locking::Session => {}
    }
    let conn = conn.get();
    let timeout = cx.options.lock_timeout;
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut logged = false;
    loop {
        if let Some(lock) = DB::try_lock(conn, table).await? {
            return Ok(Guard::Session(lock));
        }
        if start.elapsed() >= timeout {
            return Err(Error::LockTimeout {
                waited: start.elapsed(),
                holder: DB::holder(conn, table).await,
            });
        }
        if !logged {
            let holder = DB::holder(conn, table).await;
            tracing::info!(holder = holder.as_deref().unwrap_or("unknown"), table = %table.key, "waiting for the migration lock");
            logged = true;
        }
        tokio::time::sleep(jittered(pause)).await;
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
