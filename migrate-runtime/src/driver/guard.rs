//! The timeouts that guard a script's statements, and the SQL each database sets them with
//! (the drivers' `guard_sql`): what is the same everywhere lives here.

use std::time::Duration;

/// The timeouts in effect for one script: its file's directives, else the runner's defaults.
/// `Some(ZERO)` is "no timeout", sent as such.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    /// How long a statement may wait for a lock.
    pub lock: Option<Duration>,
    /// How long a statement may run.
    pub statement: Option<Duration>,
}

impl Guard {
    /// Whether it sets nothing.
    pub fn is_empty(&self) -> bool {
        self.lock.is_none() && self.statement.is_none()
    }
}

/// Which timeouts a server has, asked once per run that has timeouts to set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Support {
    /// A lock wait timeout.
    pub lock: bool,
    /// A statement timeout (PostgreSQL; MariaDB's `max_statement_time`; not MySQL's, which
    /// covers only `SELECT`).
    pub statement: bool,
    /// Settings for one statement (MariaDB's `SET STATEMENT … FOR`): nothing outlives it.
    pub per_statement: bool,
}

/// Where the settings apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Inside the migration's transaction, ending with it; `reset` also sets the timeouts the
    /// guard leaves unset back to their defaults (atomic mode, where an earlier migration in
    /// the same transaction may have set them).
    Transaction {
        /// Reset what the guard leaves unset.
        reset: bool,
    },
    /// Around a script run statement by statement, outside a transaction.
    Session,
}

/// The SQL that applies a [`Guard`] around a script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuardSql {
    /// Statements to run before the script, each ended by `;\n`.
    pub begin: String,
    /// How many statements `begin` holds.
    pub statements: usize,
    /// SQL that undoes `begin` after the script, on every path (empty in a transaction).
    pub end: String,
    /// What goes in front of each statement of the script (MariaDB's `SET STATEMENT … FOR `).
    pub prefix: String,
}

impl GuardSql {
    /// `begin` from `settings`, each a complete statement without its `;`.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) fn begin_with(settings: Vec<String>, end: String) -> Self {
        let statements = settings.len();
        let begin = settings.iter().map(|s| format!("{s};\n")).collect();
        Self {
            begin,
            statements,
            end,
            prefix: String::new(),
        }
    }
}

/// Milliseconds as PostgreSQL reads a duration setting: `'100ms'`.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn pg_millis(duration: Duration) -> String {
    format!("'{}ms'", migrate_core::duration::millis_of(duration))
}

/// Whole seconds, rounded up, at least 1: MySQL's `lock_wait_timeout` counts seconds.
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
pub(crate) fn mysql_seconds(duration: Duration) -> u64 {
    migrate_core::duration::millis_of(duration)
        .div_ceil(1000)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_in_each_unit() {
        assert_eq!(pg_millis(Duration::from_millis(100)), "'100ms'");
        assert_eq!(mysql_seconds(Duration::from_millis(100)), 1);
        assert_eq!(mysql_seconds(Duration::from_millis(2001)), 3);
        let sql =
            GuardSql::begin_with(vec!["SET a = 1".into(), "SET b = 2".into()], "RESET".into());
        assert_eq!(
            (sql.begin.as_str(), sql.statements),
            ("SET a = 1;\nSET b = 2;\n", 2)
        );
    }
}
