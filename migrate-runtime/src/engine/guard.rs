//! Guarding a script's statements: the lock and statement timeouts in effect for it (its
//! file's directives, else the runner's defaults, as far as the server has them), and the
//! retries of a script that could not get its locks in time.
//!
//! A transactional script that fails on a lock timeout was rolled back whole, so it is tried
//! again whole; a script run statement by statement tries again only the statement that
//! waited, the ones before it being applied and recorded. The pauses double from the runner's
//! first pause, jittered so that runners do not retry in step, and each retry is logged.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::lock::jittered;
use super::statements;
use super::validate::file_position;
use crate::driver::{Driver, Guard, GuardSql, Scope, Support};
use crate::error::{Error, LockWait};
use crate::report::Progress;
use crate::runner::{Observer, Options};
use crate::table::Script;

/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// The longest statement a [`Error::LockNotAvailable`] quotes, in characters.
const QUOTED: usize = 100;

/// The timeouts and retries of a run, for every script it runs.
pub(crate) struct Guards {
    defaults: Guard,
    retries: u32,
    pause: Duration,
    /// Under a lease nothing session-bound is sent (it would outlive its transaction on a
    /// pooled connection): a script run statement by statement gets no session timeouts.
    lease: bool,
    /// What the server has, asked at the first script that sets a timeout.
    support: OnceLock<Support>,
    /// Told of each retry.
    observer: Option<Observer>,
}

impl Guards {
    pub fn new(options: &Options, lease: bool) -> Self {
        Self {
            defaults: Guard {
                lock: options.ddl_lock_timeout,
                statement: options.statement_timeout,
            },
            retries: options.lock_retries,
            pause: options.lock_retry_pause,
            lease,
            support: OnceLock::new(),
            observer: options.observer.clone(),
        }
    }

    /// The runner's default timeouts.
    pub fn defaults(&self) -> Guard {
        self.defaults
    }

    /// The timeouts in effect for `script`, those the server has; nothing when none is set.
    pub async fn of<DB: Driver>(
        &self,
        conn: &mut DB::Connection,
        script: &Script,
    ) -> Result<Guard, Error> {
        let wanted = Guard {
            lock: script.lock_timeout().or(self.defaults.lock),
            statement: script.statement_timeout().or(self.defaults.statement),
        };
        if wanted.is_empty() {
            return Ok(wanted);
        }
        let support = match self.support.get() {
            Some(support) => *support,
            None => {
                let support = DB::timeout_support(conn).await?;
                *self.support.get_or_init(|| support)
            }
        };
        let kept = Guard {
            lock: wanted.lock.filter(|_| support.lock),
            statement: wanted.statement.filter(|_| support.statement),
        };
        if kept != wanted {
            tracing::warn!(
                file = script.file(),
                database = <DB as Driver>::NAME,
                "the database has no such timeout: the script runs without it"
            );
        }
        Ok(kept)
    }

    /// The SQL that sets `guard` in `scope`.
    pub fn sql<DB: Driver>(&self, guard: &Guard, script: &Script, scope: Scope) -> GuardSql {
        let support = self.support.get().copied().unwrap_or_default();
        // nothing to set — unless an earlier migration of the same transaction set something
        // that must be put back
        if guard.is_empty() && scope != (Scope::Transaction { reset: true }) {
            return GuardSql::default();
        }
        if scope == Scope::Session && self.lease && !support.per_statement {
            tracing::warn!(file = script.file(), "under the lease lock, a script run outside a transaction gets no timeouts: a session setting would outlive its transaction on a pooled connection");
            return GuardSql::default();
        }
        DB::guard_sql(guard, support, scope)
    }

    /// The retries of one script (or of one statement of it) under `guard`.
    pub fn retrier(&self, guard: &Guard) -> Retrier {
        Retrier {
            observer: self.observer.clone(),
            retries: self.retries,
            pause: self.pause,
            timeout: guard.lock,
            attempts: 1,
            started: Instant::now(),
        }
    }
}

/// The attempts at one script, or at one statement of a script run statement by statement.
pub(crate) struct Retrier {
    observer: Option<Observer>,
    retries: u32,
    pause: Duration,
    timeout: Option<Duration>,
    attempts: u32,
    started: Instant,
}

impl Retrier {
    /// After a failed attempt: whether to try again, because the database's `error` is a lock
    /// timeout and retries remain; the pause is slept and the retry logged first.
    pub async fn again<DB: Driver>(
        &mut self,
        error: Option<&sqlx::Error>,
        subject: &(dyn std::fmt::Display + Sync),
        file: &str,
    ) -> bool {
        let Some(error) = error.filter(|e| DB::is_lock_timeout(e)) else {
            return false;
        };
        if self.attempts > self.retries {
            return false;
        }
        let doubled = self
            .pause
            .saturating_mul(1 << (self.attempts - 1).min(16))
            .min(MAX_PAUSE);
        let pause = jittered(doubled);
        tracing::warn!(
            migration = %subject,
            file,
            attempt = self.attempts,
            retries = self.retries,
            lock_timeout_ms = self.timeout.map(|t| t.as_millis()),
            pause_ms = pause.as_millis(),
            error = %error,
            "could not get a lock in time; trying again after a pause"
        );
        if let Some(observer) = &self.observer {
            (observer.0)(Progress::LockRetry {
                subject: &subject.to_string(),
                file,
                attempt: self.attempts,
                retries: self.retries,
                timeout: self.timeout,
                pause,
            });
        }
        tokio::time::sleep(pause).await;
        self.attempts += 1;
        true
    }

    /// The error to report after the last attempt: a lock timeout becomes
    /// [`Error::LockNotAvailable`], naming the statement, the timeout and the attempts.
    pub fn finish<DB: Driver>(&self, error: Error, script: &Script) -> Error {
        if !error.failed_source().is_some_and(DB::is_lock_timeout) {
            return error;
        }
        let (version, line, progress, source) = match error {
            Error::Failed {
                version,
                line,
                statement,
                source,
                ..
            } => (Some(version), line, statement, source),
            Error::RepeatableFailed {
                line,
                statement,
                source,
                ..
            } => (None, line, statement, source),
            other => return other,
        };
        let statement = statement_at::<DB>(script, line);
        Error::LockNotAvailable {
            wait: Box::new(LockWait {
                version,
                file: script.file().to_owned(),
                line,
                table: migrate_core::relation::table(&statement),
                statement: abridged(&statement),
                timeout: self.timeout,
                attempts: self.attempts,
                waited: self.started.elapsed(),
                progress,
            }),
            source,
        }
    }
}

/// The statement of `script` at file line `line` (the last one starting at or above it), on
/// one line.
fn statement_at<DB: Driver>(script: &Script, line: Option<u32>) -> String {
    let all = statements(script.sql(), DB::DIALECT);
    let at = all
        .iter()
        .rev()
        .find(|s| line.is_none_or(|line| file_position(script, s.sql_offset()).0 <= line))
        .or(all.first());
    let text: String = at
        .map(|s| s.sql().split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    text.trim_end_matches(';').to_owned()
}

/// `statement`, cut to [`QUOTED`] characters.
fn abridged(statement: &str) -> String {
    match statement.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &statement[..cut]),
        None => statement.to_owned(),
    }
}
