//! Atomic mode: every pending migration in one transaction, all or nothing (PostgreSQL and
//! SQLite).

use std::time::Instant;

use super::apply::{insert, roll_back};
use super::held::Held;
use super::validate::Plan;
use super::{locate, millis, statements, Chains};
use crate::driver::tracking::{self, Write};
use crate::driver::{Driver, Table};
use crate::error::Error;
use crate::report::Applied;
use crate::table::Transaction;

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
    DB::exec(conn, "BEGIN").await?;
    // one fence for the one transaction: it holds the lease row until the commit
    if let Err(e) = held.fence::<DB>(conn).await {
        roll_back::<DB>(conn).await;
        return Err(e);
    }
    let mut applied = Vec::new();
    for m in &plan.pending {
        let start = Instant::now();
        let chain = chains.of(m)?;
        let outcome = if DB::BATCH {
            // the script and its row in one round trip
            let row = tracking::write_sql::<DB>(
                &held.table,
                insert(m, chain, DB::BATCH_ELAPSED_MS, true),
            );
            let batch = format!("{}\n;\n{row};", m.up_sql());
            DB::exec_counted(conn, &batch)
                .await
                .map_err(|failed| locate::in_batch::<DB>(m.version(), m.up(), failed, 0, 0))
        } else {
            one_transaction::<DB>(conn, &held.table, m, chain, start).await
        };
        if let Err(mut error) = outcome {
            if let Error::Failed { hint, source, .. } = &mut error {
                let locks = source.to_string().contains("shared memory")
                    || hint
                        .as_deref()
                        .is_some_and(|h| h.contains("max_locks_per_transaction"));
                if locks {
                    *hint = Some(format!(
                        "atomic mode holds the lock of every table it touches until the end ({} migrations so far): raise max_locks_per_transaction, or run without atomic",
                        applied.len() + 1
                    ));
                }
            }
            roll_back::<DB>(conn).await;
            return Err(error);
        }
        applied.push(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: start.elapsed(),
        });
    }
    DB::exec(conn, "COMMIT").await?;
    Ok(applied)
}

/// One migration's statements and row inside the open transaction.
async fn one_transaction<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    m: &crate::table::Migration,
    chain: &[u8; 32],
    start: Instant,
) -> Result<(), Error> {
    for statement in statements(m.up_sql(), DB::DIALECT) {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            return Err(locate::statement::<DB>(m.version(), m.up(), &statement, e));
        }
    }
    let ms = millis(start.elapsed()).to_string();
    let write: Write<'_> = insert(m, chain, &ms, true);
    tracking::write::<DB>(conn, table, write).await?;
    Ok(())
}
