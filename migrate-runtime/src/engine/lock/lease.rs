//! The lease lock: one row in a table beside the tracking table (`<table>_lock`) that a
//! runner holds until an expiry read from the database's clock, renewed while it works.
//!
//! Taking, renewing and releasing it are single statements, so they work through a
//! transaction pooler and across a Galera cluster, where a session lock excludes nothing.
//! `token` counts acquisitions: every write of the holder checks it (see `engine::held`), so a
//! runner whose lease expired and was taken over can never commit again.

use std::time::{Duration, Instant};

use super::{jittered, worth_trying, Watch, FIRST_PAUSE, MAX_PAUSE, SAY_WAITING};
use crate::driver::{Driver, Table};
use crate::error::Error;

/// A held lease.
#[derive(Clone, Debug)]
pub(crate) struct Lease {
    /// The lock table.
    pub lock: Table,
    /// Who holds it: host, process and a random id.
    pub holder: String,
    /// The acquisition it is (the fencing token).
    pub token: i64,
    /// How long each renewal lasts.
    pub duration: Duration,
}

/// The lease table beside the tracking table `table`.
pub(crate) fn lock_table<DB: Driver>(table: &Table) -> Table {
    table.sibling::<DB>("_lock")
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}

/// Who this runner is: host, process, and a random id that tells two runs of one process
/// apart.
fn me() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".to_owned());
    format!(
        "{host} pid {} run {:08x}",
        std::process::id(),
        super::random() as u32
    )
}

/// How many times making the lease table and its row is tried when other runners race to make
/// them (on Galera, one's DDL or insert aborts the others' with a certification failure).
const ENSURE_ATTEMPTS: u32 = 8;

/// The lease table and its one row, made when missing: several runners may race to make them,
/// and losing that race is fine.
async fn ensure<DB: Driver>(conn: &mut DB::Connection, lock: &Table) -> Result<(), Error> {
    let mut attempt = 0;
    loop {
        match ensure_once::<DB>(conn, lock).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < ENSURE_ATTEMPTS => {
                attempt += 1;
                tracing::debug!(attempt, error = %e, table = %lock.key, "making the lease table raced with another runner; trying again");
                tokio::time::sleep(jittered(Duration::from_millis(20) * attempt)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn ensure_once<DB: Driver>(
    conn: &mut DB::Connection,
    lock: &Table,
) -> Result<(), sqlx::Error> {
    let probe = format!(
        "SELECT CAST(token AS {}) FROM {} WHERE id = 1",
        DB::TEXT,
        lock.sql
    );
    match DB::fetch_texts(conn, &probe).await {
        Ok(rows) if !rows.is_empty() => return Ok(()),
        Ok(_) => {}
        Err(e) if DB::is_undefined_table(&e) => {
            let t = DB::TYPES;
            let create = format!(
                "CREATE TABLE IF NOT EXISTS {} (id {int} NOT NULL PRIMARY KEY, holder {name}, \
                 token {big} NOT NULL DEFAULT 0, beats {big} NOT NULL DEFAULT 0, \
                 expires_at {big} NOT NULL DEFAULT 0, previous {name}, \
                 previous_expires_at {big} NOT NULL DEFAULT 0)",
                lock.sql,
                int = t.int,
                name = t.name,
                big = t.bigint,
            );
            DB::exec(conn, &create).await?;
        }
        Err(e) => return Err(e),
    }
    DB::exec(conn, &DB::insert_if_absent(&lock.sql, "id, token", "1, 0")).await?;
    Ok(())
}

/// The lease row: holder, token, microseconds until it expires, previous holder and how long
/// ago its lease had expired when it was taken over.
type LeaseRow = (Option<String>, i64, i64, Option<String>, i64);

async fn read<DB: Driver>(conn: &mut DB::Connection, lock: &Table) -> Result<LeaseRow, Error> {
    let sql = format!(
        "SELECT holder, CAST(token AS {t}), CAST(expires_at - {now} AS {t}), previous, \
         CAST(previous_expires_at AS {t}) FROM {} WHERE id = 1",
        lock.sql,
        t = DB::TEXT,
        now = DB::NOW_MICROS
    );
    let row = DB::fetch_texts(conn, &sql).await?.into_iter().next();
    let mut cells = row.unwrap_or_default().into_iter();
    let mut next = || cells.next().flatten();
    let number = |cell: Option<String>| cell.and_then(|c| c.parse().ok()).unwrap_or(0);
    let holder = next();
    let token = number(next());
    let expires_in = number(next());
    Ok((holder, token, expires_in, next(), number(next())))
}

/// How [`acquire`] waits.
pub(crate) struct Wait<'a> {
    /// The lease taken.
    pub duration: Duration,
    /// How long to wait for it.
    pub timeout: Duration,
    /// What a waiter that came to apply watches between attempts.
    pub watch: Option<Watch<'a>>,
}

/// Takes the lease of `lock`, waiting up to `wait.timeout` for the holder to release it or let
/// it expire; `None` when, meanwhile, another runner did what `wait.watch` waits for. A
/// contended attempt (0 rows; on Galera, a certification failure) means "held".
pub(crate) async fn acquire<DB: Driver>(
    conn: &mut DB::Connection,
    lock: Table,
    wait: Wait<'_>,
) -> Result<Option<Lease>, Error> {
    let Wait {
        duration,
        timeout,
        mut watch,
    } = wait;
    let holder = me();
    let now = DB::NOW_MICROS;
    // `previous` first: MySQL assigns left to right, seeing values already set.
    let take = format!(
        "UPDATE {} SET previous = holder, previous_expires_at = {now} - expires_at, \
         holder = {}, token = token + 1, beats = 0, expires_at = {now} + {} \
         WHERE id = 1 AND (holder IS NULL OR expires_at < {now})",
        lock.sql,
        DB::text_literal(&holder),
        micros(duration)
    );
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut conflicts = 0u32;
    let mut logged = false;
    let mut ensured = false;
    let mut first = true;
    loop {
        match worth_trying::<DB>(&mut watch, &mut first, conn).await? {
            None => return Ok(None),
            Some(false) => {}
            // The table and its row usually exist: make them only when taking finds nothing.
            Some(true) => match DB::exec(conn, &take).await {
                Ok(1) => break,
                Ok(_) if !ensured => {
                    ensure::<DB>(conn, &lock).await?;
                    ensured = true;
                    continue;
                }
                Ok(_) => {}
                Err(e) if DB::is_undefined_table(&e) && !ensured => {
                    ensure::<DB>(conn, &lock).await?;
                    ensured = true;
                    continue;
                }
                Err(e) if DB::is_conflict(&e) => conflicts += 1,
                Err(e) => return Err(e.into()),
            },
        }
        if start.elapsed() >= timeout || (!logged && start.elapsed() >= SAY_WAITING) {
            let (current, _, expires_in, _, _) = read::<DB>(conn, &lock).await?;
            let current = current.map(|h| format!("{h} (lease for {} ms more)", expires_in / 1000));
            if start.elapsed() >= timeout {
                return Err(Error::LockTimeout {
                    waited: start.elapsed(),
                    holder: current,
                });
            }
            tracing::info!(holder = current.as_deref().unwrap_or("unknown"), table = %lock.key, "waiting for the migration lease");
            logged = true;
        }
        let next = watch.as_ref().map_or(pause, |w| w.pause(pause));
        tokio::time::sleep(jittered(next)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
    let (_, token, _, previous, expired_for) = read::<DB>(conn, &lock).await?;
    if let Some(previous) = previous {
        tracing::warn!(previous = %previous, expired_ms = expired_for / 1000, table = %lock.key, "took over an expired migration lease: its holder stopped renewing it (killed, paused or cut off)");
    }
    if conflicts > 0 {
        tracing::debug!(
            conflicts,
            "the lease was contended (certification failures) before it was taken"
        );
    }
    Ok(Some(Lease {
        lock,
        holder,
        token,
        duration,
    }))
}

impl Lease {
    /// The statement that renews the lease if this runner still holds it: one row changed,
    /// or none when the lease was lost.
    pub fn renew_sql<DB: Driver>(&self) -> String {
        let now = DB::NOW_MICROS;
        format!(
            "UPDATE {} SET expires_at = {now} + {}, beats = beats + 1 \
             WHERE id = 1 AND holder = {} AND token = {}",
            self.lock.sql,
            micros(self.duration),
            DB::text_literal(&self.holder),
            self.token
        )
    }

    /// The renewal as one statement that fails (division by zero) when the lease was lost,
    /// for a batch that must not go on without it.
    pub fn assert_sql<DB: Driver>(&self) -> String {
        format!(
            "WITH fence AS ({} RETURNING 1) SELECT 1 / (SELECT CAST(count(*) AS INTEGER) FROM fence)",
            self.renew_sql::<DB>()
        )
    }

    /// Renews the lease; [`Error::LeaseLost`] when it was lost.
    pub async fn renew<DB: Driver>(&self, conn: &mut DB::Connection) -> Result<(), Error> {
        match DB::exec(conn, &self.renew_sql::<DB>()).await? {
            1 => Ok(()),
            _ => Err(self.lost()),
        }
    }

    /// The error of a lost lease.
    pub fn lost(&self) -> Error {
        Error::LeaseLost {
            holder: self.holder.clone(),
            table: self.lock.key.clone(),
            lease: self.duration,
        }
    }

    /// Gives the lease back, if this runner still holds it.
    pub async fn release<DB: Driver>(&self, conn: &mut DB::Connection) -> Result<(), Error> {
        let sql = format!(
            "UPDATE {} SET holder = NULL, expires_at = 0 WHERE id = 1 AND holder = {} AND token = {}",
            self.lock.sql,
            DB::text_literal(&self.holder),
            self.token
        );
        DB::exec(conn, &sql).await?;
        Ok(())
    }

    /// Renews the lease every third of its duration from a connection of `pool`, while the
    /// run works on its own; ends (logging why) when a renewal fails.
    pub async fn heartbeat<DB: Driver>(&self, pool: sqlx::Pool<DB>) {
        loop {
            tokio::time::sleep(self.duration / 3).await;
            let renewed = match pool.acquire().await {
                Ok(mut conn) => self.renew::<DB>(&mut conn).await,
                Err(e) => Err(e.into()),
            };
            if let Err(e) = renewed {
                tracing::warn!(error = %e, table = %self.lock.key, "could not renew the migration lease; the run stops at its next write if it was lost");
                return;
            }
        }
    }
}

/// Who holds the lease of `lock` now, if someone does and it has not expired.
pub(crate) async fn holder<DB: Driver>(
    conn: &mut DB::Connection,
    lock: &Table,
) -> Result<Option<String>, Error> {
    match read::<DB>(conn, lock).await {
        Ok((Some(holder), _, expires_in, _, _)) if expires_in > 0 => Ok(Some(holder)),
        Ok(_) => Ok(None),
        Err(Error::Database(e)) if DB::is_undefined_table(&e) => Ok(None),
        Err(e) => Err(e),
    }
}
