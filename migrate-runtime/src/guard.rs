//! The settings that guard a migration's statements: how long each may wait for a lock and
//! run, and how often a migration that could not get its locks is tried again. The engine
//! applies them in `engine::guard`.

use std::time::Duration;

use crate::runner::Runner;

impl Runner<'_> {
    /// How long each statement of a migration may wait for a lock it needs (PostgreSQL's
    /// `lock_timeout`, MySQL's and MariaDB's `lock_wait_timeout`), for every script whose file
    /// does not say otherwise with `-- migrate:lock-timeout <duration>` (default: the
    /// server's). A short one keeps an `ALTER TABLE` from queueing behind a long transaction
    /// while every query on the table queues behind it; a migration that times out is tried
    /// again ([`Runner::lock_retries`]).
    pub fn ddl_lock_timeout(mut self, timeout: Duration) -> Self {
        self.options.ddl_lock_timeout = Some(timeout);
        self
    }

    /// How long each statement of a migration may run (PostgreSQL's `statement_timeout`,
    /// MariaDB's `max_statement_time`; MySQL has none for DDL), for every script whose file
    /// does not say otherwise with `-- migrate:statement-timeout <duration>` (default: the
    /// server's).
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.options.statement_timeout = Some(timeout);
        self
    }

    /// How many times a migration that could not get a lock within its lock timeout
    /// (SQLSTATE 55P03, MySQL's 1205) is tried again (default 3): a transactional one whole,
    /// after its rollback; one that runs statement by statement from the statement that
    /// waited. Each retry is logged. `0` reports the first timeout
    /// ([`crate::Error::LockNotAvailable`]).
    pub fn lock_retries(mut self, retries: u32) -> Self {
        self.options.lock_retries = retries;
        self
    }

    /// The pause before the first retry of [`Runner::lock_retries`] (default 1 s); it doubles
    /// at each retry, up to 30 s, each one jittered between half of it and all of it so that
    /// runners do not retry in step.
    pub fn lock_retry_pause(mut self, pause: Duration) -> Self {
        self.options.lock_retry_pause = pause;
        self
    }
}
