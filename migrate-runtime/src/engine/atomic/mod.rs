//! Atomic mode: every pending migration in one transaction, all or nothing (PostgreSQL and
//! SQLite); on PostgreSQL many migrations per round trip ([`batch`]).

use std::time::Instant;

use super::apply::{insert, roll_back};
use super::held::Held;
use super::validate::Plan;
use super::{locate, millis, statements, Chains};
use crate::driver::tracking::{self, Write};
use crate::driver::{Driver, GuardSql, Scope};
use crate::error::{Error, Subject};
use crate::report::Applied;
use crate::table::{Script, Transaction};

mod batch;

/// The timeouts of each migration in the one transaction. One that a migration sets lasts to
/// the end of the transaction, so the next migration that sets none puts it back.
#[derive(Default)]
struct Timeouts {
    set: bool,
}

impl Timeouts {
    /// The SQL that gives `script` its timeouts in the open transaction.
    async fn of<DB: Driver>(
        &mut self,
        held: &Held,
        conn: &mut DB::Connection,
        script: &Script,
    ) -> Result<GuardSql, Error> {
        let guard = held.guards.of::<DB>(conn, script).await?;
        let scope = Scope::Transaction { reset: self.set };
        self.set |= !guard.is_empty();
        Ok(held.guards.sql::<DB>(&guard, script, scope))
    }
}

/// Applies `plan.pending` in one transaction; a failure rolls back all of them.
pub(crate) async fn apply<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    plan: &Plan<'_>,
    chains: &Chains<'_>,
) -> Result<Vec<Applied>, Error> {
    if !DB::TRANSACTIONAL_DDL {
        return Err(Error::AtomicUnsupported {
            database: <DB as Driver>::NAME,
        });
    }
    if let Some((m, _)) = plan.resume {
        return Err(Error::AtomicDirty {
            version: m.version(),
            file: m.up().file().to_owned(),
        });
    }
    if let Some(m) = plan
        .pending
        .iter()
        .find(|m| m.transaction() == Transaction::Disabled)
    {
        return Err(Error::AtomicNoTransaction {
            version: m.version(),
            file: m.up().file().to_owned(),
        });
    }
    // A lock timeout rolls all of them back: the transaction is tried again whole.
    let mut retry = held.guards.retrier(&held.guards.defaults());
    loop {
        match all_in_one::<DB>(conn, held, plan, chains).await {
            Err(e)
                if retry
                    .again::<DB>(e.failed_source(), &"the atomic run", "")
                    .await => {}
            Err(e) => {
                let failed = plan
                    .pending
                    .iter()
                    .find(|m| e.version() == Some(m.version()));
                return Err(match failed {
                    Some(m) => retry.finish::<DB>(e, m.up()),
                    None => e,
                });
            }
            Ok(applied) => return Ok(applied),
        }
    }
}

async fn all_in_one<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    plan: &Plan<'_>,
    chains: &Chains<'_>,
) -> Result<Vec<Applied>, Error> {
    DB::exec(conn, "BEGIN").await?;
    // one fence for the one transaction: it holds the lease row until the commit
    if let Err(e) = held.fence::<DB>(conn).await {
        roll_back::<DB>(conn).await;
        return Err(e);
    }
    let applied = if DB::BATCH {
        batch::apply::<DB>(conn, held, plan, chains).await
    } else {
        each::<DB>(conn, held, plan, chains).await
    };
    match applied {
        Ok(applied) => {
            DB::exec(conn, "COMMIT").await?;
            Ok(applied)
        }
        Err(error) => {
            roll_back::<DB>(conn).await;
            Err(lock_table_full(error, plan))
        }
    }
}

/// A failure for want of lock table space says what atomic mode has to do with it.
fn lock_table_full(mut error: Error, plan: &Plan<'_>) -> Error {
    let at = error
        .version()
        .and_then(|v| plan.pending.iter().position(|m| m.version() == v));
    if let Error::Failed { hint, source, .. } = &mut error {
        let locks = source.to_string().contains("shared memory")
            || hint
                .as_deref()
                .is_some_and(|h| h.contains("max_locks_per_transaction"));
        if locks {
            let so_far = at.map_or(plan.pending.len(), |i| i + 1);
            *hint = Some(format!(
                "atomic mode holds the lock of every table it touches until the end ({so_far} migrations so far): raise max_locks_per_transaction, or run without atomic"
            ));
        }
    }
    error
}

/// One migration at a time in the open transaction, statement by statement (a database that
/// takes no batches).
async fn each<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    plan: &Plan<'_>,
    chains: &Chains<'_>,
) -> Result<Vec<Applied>, Error> {
    let mut applied = Vec::with_capacity(plan.pending.len());
    let mut timeouts = Timeouts::default();
    for m in &plan.pending {
        let start = Instant::now();
        let chain = chains.of(m)?;
        let guard_sql = timeouts.of::<DB>(held, conn, m.up()).await?;
        one_transaction::<DB>(conn, held, m, chain, (start, &guard_sql)).await?;
        applied.push(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: start.elapsed(),
        });
    }
    Ok(applied)
}

/// One migration's timeouts, statements and row inside the open transaction.
async fn one_transaction<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    m: &crate::table::Migration,
    chain: &[u8; 32],
    (start, guard): (Instant, &GuardSql),
) -> Result<(), Error> {
    if !guard.begin.is_empty() {
        DB::exec(conn, &guard.begin).await?;
    }
    let table = &held.table;
    for statement in statements(m.up_sql(), DB::DIALECT) {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            let subject = Subject::Migration(m.version());
            return Err(locate::statement::<DB>(subject, m.up(), &statement, e));
        }
    }
    let ms = millis(start.elapsed()).to_string();
    let write: Write<'_> = insert(m, chain, &ms, true);
    tracking::write::<DB>(conn, table, write).await?;
    Ok(())
}
