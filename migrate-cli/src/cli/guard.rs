//! The options that guard the migrations' statements: timeouts and lock retries.

use clap::Args;

/// `--ddl-lock-timeout`, `--statement-timeout`, `--lock-retries`, `--lock-retry-pause`.
#[derive(Debug, Args)]
pub struct Guard {
    /// How long each statement of a migration may wait for a lock on a table (PostgreSQL's
    /// lock_timeout, MySQL's lock_wait_timeout), unless its file says otherwise with
    /// `-- migrate:lock-timeout`: `100ms`, `5s`, `2min` (default: the server's).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration_parser())]
    pub ddl_lock_timeout: Option<std::time::Duration>,

    /// How long each statement of a migration may run (PostgreSQL's statement_timeout,
    /// MariaDB's max_statement_time), unless its file says otherwise with
    /// `-- migrate:statement-timeout` (default: the server's).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration_parser())]
    pub statement_timeout: Option<std::time::Duration>,

    /// How many times a migration that could not get a lock in time is tried again: whole
    /// when it runs in a transaction, else the statement that waited.
    #[arg(long, global = true, value_name = "N", default_value_t = 3)]
    pub lock_retries: u32,

    /// The pause before the first retry; it doubles at each one (jittered).
    #[arg(long, global = true, value_name = "DURATION", default_value = "1s", value_parser = duration_parser())]
    pub lock_retry_pause: std::time::Duration,
}

/// A duration as the timeout directives write it: `100ms`, `5s`, `2min`, `1h`, `0`.
fn duration_parser() -> impl clap::builder::TypedValueParser<Value = std::time::Duration> {
    |text: &str| migrate_core::duration::parse(text)
}
