//! The tracking table as a run holds it under the lock, and the fence every write passes.
//!
//! Under a lease, every transaction that writes a tracking row or applies a migration first
//! renews the lease if this runner still holds it (same holder, same token) and aborts
//! otherwise. The renewal locks the lease row until the transaction ends, so a runner taking
//! over waits for it (PostgreSQL, SQLite) or loses the certification (Galera): two holders
//! can never both commit. Under a session lock, nothing is added.

use super::guard::Guards;
use super::lock::jittered;
use super::lock::lease::Lease;
use crate::driver::repeatable::{self, Applied};
use crate::driver::tracking::{self, Newest, Row, Write};
use crate::driver::{Driver, Table};
use crate::error::Error;

/// How many times a write that conflicted with a concurrent transaction (Galera's
/// certification) is tried again.
const CONFLICT_RETRIES: u32 = 3;

/// The tracking table under the lock.
pub(crate) struct Held {
    /// The table, resolved to its schema.
    pub table: Table,
    /// The lease, when the lock is one.
    pub lease: Option<Lease>,
    /// SQL that puts the session back after each migration (empty under a lease: nothing
    /// session-bound goes through a pooler).
    pub restore: String,
    /// The timeouts and retries of the run's scripts.
    pub guards: Guards,
}

impl Held {
    /// A read that decides what to apply: under a lease, one that sees every write committed
    /// on any node (Galera's causal read).
    fn read<DB: Driver>(&self, sql: String) -> String {
        match self.lease {
            Some(_) => format!("{}{sql}", DB::CAUSAL_READ),
            None => sql,
        }
    }

    /// The newest row, or why there is none.
    pub async fn newest<DB: Driver>(&self, conn: &mut DB::Connection) -> Result<Newest, Error> {
        let sql = self.read::<DB>(tracking::newest_sql(&self.table));
        Ok(tracking::newest_from::<DB>(conn, &sql).await?)
    }

    /// Every row, oldest first; none when the table does not exist.
    pub async fn history<DB: Driver>(&self, conn: &mut DB::Connection) -> Result<Vec<Row>, Error> {
        let sql = self.read::<DB>(tracking::history_sql::<DB>(&self.table));
        match DB::fetch_rows(conn, &sql).await {
            Err(e) if DB::is_undefined_table(&e) => Ok(Vec::new()),
            other => Ok(other?),
        }
    }

    /// The table of repeatable migrations beside the tracking table.
    pub fn repeatable_table<DB: Driver>(&self) -> Table {
        repeatable::table::<DB>(&self.table)
    }

    /// The rows of the repeatable migrations, by name; `None` when their table does not
    /// exist.
    pub async fn repeatables<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
    ) -> Result<Option<Vec<Applied>>, Error> {
        let sql = self.read::<DB>(repeatable::history_sql::<DB>(
            &self.repeatable_table::<DB>(),
        ));
        Ok(repeatable::fetch::<DB>(conn, &sql).await?)
    }

    /// The statement that fences a batch (`BEGIN`, this, the work, `COMMIT`) on a database
    /// that takes batches; `None` without a lease.
    pub fn fence_in_batch<DB: Driver>(&self) -> Option<String> {
        self.lease.as_ref().map(Lease::assert_sql::<DB>)
    }

    /// Fences the open transaction, on a database whose statements go one by one: renews the
    /// lease or says it was lost.
    pub async fn fence<DB: Driver>(&self, conn: &mut DB::Connection) -> Result<(), Error> {
        match &self.lease {
            Some(lease) => lease.renew::<DB>(conn).await,
            None => Ok(()),
        }
    }

    /// A change to the tracking table, fenced in a transaction of its own under a lease.
    pub async fn write<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
        write: Write<'_>,
    ) -> Result<(), Error> {
        self.write_sql::<DB>(conn, tracking::write_sql::<DB>(&self.table, write))
            .await
    }

    /// A change to the tracking table or its sibling tables, as SQL, fenced in a transaction
    /// of its own under a lease.
    pub async fn write_sql<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
        sql: String,
    ) -> Result<(), Error> {
        let Some(lease) = &self.lease else {
            DB::exec(conn, &sql).await?;
            return Ok(());
        };
        if DB::BATCH {
            let batch = format!("BEGIN;\n{};\n{sql};\nCOMMIT;", lease.assert_sql::<DB>());
            return match DB::exec_counted(conn, &batch).await {
                Ok(()) => Ok(()),
                Err((completed, e)) => {
                    super::apply::roll_back::<DB>(conn).await;
                    // BEGIN completed, the fence did not: the lease is gone
                    Err(if completed == 1 {
                        lease.lost()
                    } else {
                        e.into()
                    })
                }
            };
        }
        let mut attempt = 0;
        loop {
            match self.write_once::<DB>(conn, lease, &sql).await {
                Err(Error::Database(e)) if DB::is_conflict(&e) && attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    tracing::info!(attempt, error = %e, "a tracking write conflicted with a concurrent transaction; trying again");
                    tokio::time::sleep(jittered(std::time::Duration::from_millis(20))).await;
                }
                other => return other,
            }
        }
    }

    async fn write_once<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
        lease: &Lease,
        sql: &str,
    ) -> Result<(), Error> {
        DB::exec(conn, "BEGIN").await?;
        let done = match lease.renew::<DB>(conn).await {
            Ok(()) => DB::exec(conn, sql).await.map_err(Error::from),
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            super::apply::roll_back::<DB>(conn).await;
            return Err(e);
        }
        DB::exec(conn, "COMMIT").await?;
        Ok(())
    }
}
