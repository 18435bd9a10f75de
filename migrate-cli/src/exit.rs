//! Exit codes scripts can rely on, and the one error type of the commands.

use migrate_core::Diagnostics;

/// Everything went as asked.
pub const OK: u8 = 0;
/// A problem in the migrations directory or the lock, a database or runtime error, a file
/// that cannot be read or written.
pub const ERROR: u8 = 1;
/// Bad arguments, no database URL, an unknown URL scheme (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// `status --exit-code`: a migration is pending, dirty, edited or missing.
pub const NOT_UP_TO_DATE: u8 = 3;
/// `lock --check`: migrations are missing from the lock, or it is in an older format.
pub const LOCK_STALE: u8 = 4;
/// `check --strict`: there are warnings or lint findings.
pub const WARNINGS: u8 = 5;

/// The exit codes, as `--help` and the README show them.
pub const TABLE: &str = "  0  success
  1  error: a problem in the migrations directory or the lock, a database or migration
     error, a file that cannot be read or written
  2  usage: bad arguments, no database URL, an unknown database URL scheme
  3  `status --exit-code`: a migration is pending, dirty, edited or missing
  4  `lock --check`: the lock is stale (migrations are not in it yet, or it is in
     format 1)
  5  `check --strict`: warnings (empty scripts, statements unsafe in a transaction) or,
     with --lint, lint findings
";

/// Why a command failed: the lines to print after `error: `, and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// One message per line of output.
    pub messages: Vec<String>,
}

impl Failure {
    /// A failure with exit code 1.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            code: ERROR,
            messages: vec![message.into()],
        }
    }

    /// A usage failure (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            messages: vec![message.into()],
        }
    }

    /// The problems of a migrations directory, one per line.
    pub fn diagnostics(problems: &Diagnostics) -> Self {
        Self {
            code: ERROR,
            messages: problems.0.iter().map(ToString::to_string).collect(),
        }
    }

    /// A runtime error: its message, with advice in this command line's words, then its
    /// causes.
    pub fn runtime(error: &migrate::Error) -> Self {
        if let migrate::Error::Source(problems) = error {
            return Self::diagnostics(problems);
        }
        Self::error(causes(
            error.describe(&WORDS),
            std::error::Error::source(error),
        ))
    }
}

/// How the runtime's advice names what to do on this command line.
const WORDS: migrate::Vocabulary = migrate::Vocabulary {
    resume: "`migrate up --resume`",
    force: "`migrate force {v}`",
    forget_applied: "`migrate forget {v} --force`",
    allow_missing: "`migrate up --allow-missing`",
    allow_out_of_order: "`migrate up --allow-out-of-order`",
    lock_timeout: "`--lock-timeout`",
    run: "`migrate up`",
    lease: "`--lease`",
    accept_unknown: "`migrate adopt --accept-unknown`",
    accept_gaps: "`migrate adopt --accept-gaps`",
    accept_dirty: "`migrate adopt --accept-dirty`",
    accept_out_of_order: "`migrate adopt --accept-out-of-order`",
    ddl_lock_timeout: "`--ddl-lock-timeout`",
    lock_retries: "`--lock-retries`",
};

/// A runtime error's message with its advice in this command line's words, and its causes.
pub fn describe(error: &migrate::Error) -> String {
    causes(error.describe(&WORDS), std::error::Error::source(error))
}

/// An error's message followed by its sources' (`: caused by …`), each only once.
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    causes(error.to_string(), error.source())
}

/// `text` followed by the messages of `source` and its sources, each only once.
fn causes(mut text: String, mut source: Option<&(dyn std::error::Error + 'static)>) -> String {
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str("\n  caused by: ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

/// For `?` on I/O: the path and the error.
pub fn io(path: &std::path::Path, what: &str, error: std::io::Error) -> Failure {
    Failure::error(format!("{}: cannot {what}: {error}", path.display()))
}

/// A runtime error from a database command.
impl From<migrate::Error> for Failure {
    fn from(error: migrate::Error) -> Self {
        Failure::runtime(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_follow_the_message_once() {
        let plain = migrate::Error::AtomicUnsupported { database: "MySQL" };
        assert_eq!(with_causes(&plain), plain.to_string());
        // advice in this command line's words, not the library's
        let missing = migrate::Error::Missing {
            version: migrate::Version::new(7).expect("a version"),
            name: "x".into(),
        };
        let text = &Failure::runtime(&missing).messages[0];
        assert!(text.contains("`migrate up --allow-missing`"), "{text}");
        assert!(!text.contains("Runner::"), "{text}");
        let wrapped = migrate::Error::Database(migrate::sqlx::Error::Protocol("boom".into()));
        let text = with_causes(&wrapped);
        assert!(
            text.starts_with("database error outside any migration"),
            "{text}"
        );
        assert!(
            text.ends_with("\n  caused by: encountered unexpected or invalid data: boom"),
            "{text}"
        );
        assert_eq!(Failure::runtime(&wrapped).code, ERROR);
    }

    #[test]
    fn directory_problems_are_one_message_each() {
        let mut problems = Diagnostics::default();
        problems.push(migrate_core::Diagnostic::new("m/1_a.sql", "bad"));
        problems.push(migrate_core::Diagnostic::at_line("m/2_b.sql", 3, "worse"));
        let failure = Failure::runtime(&migrate::Error::Source(problems));
        assert_eq!(failure.messages, ["m/1_a.sql: bad", "m/2_b.sql:3: worse"]);
    }
}
