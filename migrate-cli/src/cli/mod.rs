//! The command line: what `migrate --help` shows.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit;

mod fleet;
mod guard;

pub use fleet::{Fleet, FleetAction};
pub use guard::Guard;

/// Manage `migrate` migration sets: add and lock migrations, check the directory, and apply,
/// undo or inspect them in PostgreSQL, SQLite or MySQL/MariaDB.
#[derive(Debug, Parser)]
#[command(name = "migrate", version, after_long_help = after_help())]
pub struct Cli {
    /// The database, as `postgres://…`, `postgresql://…`, `sqlite:<file>`, `mysql://…` or
    /// `mariadb://…` (default: the `DATABASE_URL` variable, also read from `./.env`).
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// The migrations directory.
    #[arg(long, global = true, value_name = "DIR", default_value = "migrations")]
    pub source: String,

    /// The tracking table.
    #[arg(long, global = true, value_name = "NAME", default_value = migrate::DEFAULT_TABLE)]
    pub table: String,

    /// The tracking table's schema (PostgreSQL) or database (MySQL); default: the
    /// connection's current one.
    #[arg(long, global = true, value_name = "NAME")]
    pub schema: Option<String>,

    /// How long to wait for another instance's migration lock.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60)]
    pub lock_timeout: u64,

    /// How runners exclude each other: the session lock on a direct connection (`auto` picks
    /// the lease on a Galera node, CockroachDB and YugabyteDB); say `lease` behind a
    /// transaction pooler such as PgBouncer in transaction mode.
    #[arg(
        long = "lock",
        global = true,
        value_enum,
        default_value = "auto",
        env = "MIGRATE_LOCK"
    )]
    pub locking: LockArg,

    /// How long a lease lasts unless renewed (with `--lock lease`): another runner takes it
    /// over after that if this one stops.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    pub lease: u64,

    /// The timeouts and retries of the migrations' statements.
    #[command(flatten)]
    pub guard: Guard,

    #[command(subcommand)]
    pub command: Command,
}

/// `--lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LockArg {
    /// The session lock, or the lease where the server needs it.
    Auto,
    /// The database's session lock.
    Session,
    /// A lease row beside the tracking table, with a fencing token.
    Lease,
    /// No lock.
    None,
}

impl LockArg {
    /// The runtime's setting.
    pub fn locking(self) -> migrate::Locking {
        match self {
            LockArg::Auto => migrate::Locking::Auto,
            LockArg::Session => migrate::Locking::Session,
            LockArg::Lease => migrate::Locking::Lease,
            LockArg::None => migrate::Locking::None,
        }
    }
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the migrations directory, a build.rs that tracks it, and a .gitattributes entry.
    Init,

    /// Create the next migration in the directory's own layout and numbering.
    ///
    /// The layout (sqlx, golang-migrate, diesel, refinery, goose, dbmate) and the numbering
    /// (timestamps `YYYYMMDDHHMMSS` in UTC, or sequential keeping the zero padding) follow the
    /// newest migration; an empty directory gets sqlx's `<timestamp>_<description>.sql`.
    Add(Add),

    /// Write the lock file: add every migration that is not in it yet.
    ///
    /// Refuses, naming the file and the fix, when a locked migration was edited (amend it,
    /// or put the change in a new migration) or when an unlocked migration is older than the
    /// newest locked one (`migrate renumber` it first).
    Lock(Lock),

    /// Check the directory and the lock, without a database; with --lint, squawk's
    /// PostgreSQL rules too.
    ///
    /// Errors: everything the build refuses. Warnings: empty or comment-only scripts, and
    /// statements that do not belong in a script that runs in a transaction (`CREATE INDEX
    /// CONCURRENTLY`, `VACUUM`, `ALTER TYPE … ADD VALUE`, `BEGIN`/`COMMIT`/`ROLLBACK`), which
    /// --lint reports among its findings.
    Check(Check),

    /// Show every migration's state in the database: applied, pending, edited, missing, dirty.
    Status(Status),

    /// Apply pending migrations.
    Up(Up),

    /// Undo applied migrations with their down scripts, newest first (default: one).
    Down(Down),

    /// Undo the newest applied migration and apply it again.
    Redo,

    /// Adopt an existing database: record every migration up to VERSION as applied, without
    /// running it (only on a database without tracking rows).
    Baseline(VersionArg),

    /// Record VERSION as applied with its current content, without running it: for a dirty
    /// migration finished by hand.
    Force(VersionArg),

    /// Delete the tracking row of VERSION, so the next `up` runs it again from its first
    /// statement: for a dirty migration whose partial effects were reverted by hand.
    Forget(Forget),

    /// Apply the set to many tenants: PostgreSQL schemas on the `--database-url` server
    /// (`--schemas`), databases (`--databases`), SQLite files (`--sqlite`); each has its own
    /// tracking table. `status` reads every schema tenant of a server in a few statements.
    Fleet(Fleet),

    /// Move a late-merged, unlocked migration after the newest one: rename its file(s) or
    /// diesel directory to the next version in the directory's numbering.
    Renumber(VersionArg),

    /// Switch from another tool: read its history table, check it against the files, and
    /// (with --apply) record what it applied as applied, without running anything.
    ///
    /// Prints the mapping (each migration, the other tool's row, the checksum verdict) and
    /// writes nothing unless --apply is given. A file that is not the script the tool
    /// applied is refused; rows the directory lacks, gaps, failed or dirty rows and
    /// out-of-order history are refused unless an --accept option accepts them. The other
    /// tool's table is only read; the tracking table must be empty.
    Adopt(Adopt),
}

/// `adopt`.
#[derive(Debug, Args)]
pub struct Adopt {
    /// The tool: sqlx, diesel, refinery, golang-migrate, goose, dbmate, flyway, or
    /// `table:<name>` for a home-made runner's table.
    #[arg(long, value_name = "TOOL")]
    pub from: String,

    /// The tool's history table, when it was configured with another name (default: the
    /// tool's own, e.g. `_sqlx_migrations`).
    #[arg(long, value_name = "NAME")]
    pub history_table: Option<String>,

    /// The history table's schema (PostgreSQL) or database (MySQL); default: where the
    /// name resolves on the connection.
    #[arg(long, value_name = "NAME")]
    pub history_schema: Option<String>,

    /// With `table:<name>`: the column that names each migration, by version or file name.
    #[arg(long, value_name = "COLUMN")]
    pub version_column: Option<String>,

    /// With `table:<name>`: a column with each migration's description, shown in the mapping.
    #[arg(long, value_name = "COLUMN")]
    pub name_column: Option<String>,

    /// With `table:<name>`: the column with each file's checksum (default `checksum` when
    /// --checksum is sha256 or md5).
    #[arg(long, value_name = "COLUMN")]
    pub checksum_column: Option<String>,

    /// With `table:<name>`: how the checksums were computed.
    #[arg(long, value_enum, value_name = "KIND")]
    pub checksum: Option<ChecksumKind>,

    /// Leave out applied migrations the directory does not have.
    #[arg(long)]
    pub accept_unknown: bool,

    /// Leave pending the migrations the tool skipped below newer ones.
    #[arg(long)]
    pub accept_gaps: bool,

    /// Leave pending a migration the tool recorded as failed or dirty (repair it first).
    #[arg(long)]
    pub accept_dirty: bool,

    /// Accept a history applied in another order than the versions'.
    #[arg(long)]
    pub accept_out_of_order: bool,

    /// Write the tracking rows (default: a dry run that only prints the mapping).
    #[arg(long)]
    pub apply: bool,
}

/// How a home-made runner computed its checksums.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChecksumKind {
    /// SHA-256 of the file, in hex.
    Sha256,
    /// MD5 of the file, in hex.
    Md5,
    /// Not checked.
    None,
}

/// `add`.
#[derive(Debug, Args)]
pub struct Add {
    /// Also create a down script.
    #[arg(short, long)]
    pub reversible: bool,

    /// Number with a UTC timestamp whatever the directory does.
    #[arg(long, conflicts_with = "sequential")]
    pub timestamp: bool,

    /// Number with the newest version plus one whatever the directory does.
    #[arg(long)]
    pub sequential: bool,

    /// What the migration does; spaces become underscores (diesel keeps them).
    #[arg(required = true, num_args = 1.., value_name = "DESCRIPTION")]
    pub description: Vec<String>,
}

/// `lock`.
#[derive(Debug, Args)]
pub struct Lock {
    /// Do not write: exit with 4 when the lock misses migrations or is in an older format.
    #[arg(long, conflicts_with_all = ["amend", "allow_empty"])]
    pub check: bool,

    /// Accept the edit of the locked migration VERSION (its content or transaction mode):
    /// record `amend <version> <old sha256> <new sha256> <reason>` and lock the new content.
    #[arg(long, value_name = "VERSION", value_parser = version_parser())]
    pub amend: Option<i64>,

    /// Why the locked migration was edited (one line, kept in the lock; default: "no reason
    /// given").
    #[arg(long, value_name = "TEXT", requires = "amend")]
    pub reason: Option<String>,

    /// Also lock new migrations that hold no SQL yet (empty or only comments), which are
    /// otherwise refused: once locked, a migration cannot change.
    #[arg(long)]
    pub allow_empty: bool,
}

/// `check`.
#[derive(Debug, Args)]
pub struct Check {
    /// Exit with 5 when there are warnings (or, with --lint, findings).
    #[arg(long)]
    pub strict: bool,

    /// Also run squawk's PostgreSQL rules over the up scripts and the repeatable migrations,
    /// each with its real transaction mode, knowing which tables are new in the set; findings
    /// print as `file:line:column: rule: message` with squawk's advice, and
    /// `-- migrate:allow <rule>` in a file acknowledges one.
    #[arg(long)]
    pub lint: bool,

    /// With --lint: the PostgreSQL version the migrations run on (`16`, `15.4`; default 15).
    #[arg(long, value_name = "VERSION", requires = "lint")]
    pub pg_version: Option<String>,

    /// With --lint: lint only the migrations that are not in the lock yet (and the repeatable
    /// migrations).
    #[arg(long, requires = "lint")]
    pub unreleased: bool,

    /// `table` for people, `json` for programs.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,

    /// How to split the scripts into statements (default: the database URL's kind, else
    /// postgres).
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
}

/// An SQL dialect for `check`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Dialect {
    /// PostgreSQL, split as psql does.
    Postgres,
    /// SQLite, split as the sqlite3 shell does.
    Sqlite,
    /// MySQL and MariaDB, split as the mysql client does.
    Mysql,
}

/// `status`.
#[derive(Debug, Args)]
pub struct Status {
    /// `table` for people, `json` for programs.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,

    /// Exit with 3 when a migration is pending, dirty, edited or missing.
    #[arg(long)]
    pub exit_code: bool,
}

/// How `status` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table.
    Table,
    /// `{"migrations": [{"version": …, "state": …}, …]}`.
    Json,
}

/// `up`.
#[derive(Debug, Args)]
pub struct Up {
    /// Stop after VERSION (a migration of the set).
    #[arg(long, value_name = "VERSION", value_parser = version_parser())]
    pub to: Option<i64>,

    /// Print what would run: each pending migration's SQL and transaction mode.
    #[arg(long)]
    pub dry_run: bool,

    /// Continue a dirty migration from the statement where it stopped.
    #[arg(long)]
    pub resume: bool,

    /// Accept applied migrations that the directory does not have.
    #[arg(long)]
    pub allow_missing: bool,

    /// Apply a pending migration even when a newer one is already applied.
    #[arg(long)]
    pub allow_out_of_order: bool,
}

/// `down`.
#[derive(Debug, Args)]
pub struct Down {
    /// How many applied migrations to undo.
    #[arg(value_name = "N", conflicts_with_all = ["to", "all"], value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,

    /// Undo every applied migration newer than VERSION (VERSION stays applied).
    #[arg(long, value_name = "VERSION", conflicts_with = "all", value_parser = version_parser())]
    pub to: Option<i64>,

    /// Undo every applied migration.
    #[arg(long)]
    pub all: bool,
}

/// `forget`.
#[derive(Debug, Args)]
pub struct Forget {
    /// The migration's version.
    #[arg(value_parser = version_parser())]
    pub version: i64,

    /// Forget a migration that is applied cleanly too (its effects must be gone: the next
    /// `up` runs it again).
    #[arg(long)]
    pub force: bool,
}

/// A command's one version.
#[derive(Debug, Args)]
pub struct VersionArg {
    /// The migration's version.
    #[arg(value_parser = version_parser())]
    pub version: i64,
}

/// A version as the migrations show it: a number, or diesel's `YYYY-MM-DD-HHMMSS[-NNNN]`.
fn version_parser() -> impl clap::builder::TypedValueParser<Value = i64> {
    |text: &str| -> Result<i64, String> {
        if text.contains('-') {
            return migrate_core::scheme::diesel_version(text).ok_or_else(|| {
                format!(
                    "`{text}` is neither a version nor a diesel version (YYYY-MM-DD-HHMMSS[-NNNN])"
                )
            });
        }
        text.parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| format!("`{text}` is not a version: give a non-negative integer"))
    }
}

fn after_help() -> String {
    format!(
        "Environment:
  DATABASE_URL   the database when --database-url is not given; a .env file in the
                 current directory may set it (the environment wins)
  NO_COLOR       no colours (there are none when the output is not a terminal either)

Exit codes:
{}",
        exit::TABLE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_shows_the_exit_code_table() {
        assert!(after_help().ends_with(exit::TABLE));
        for code in [
            exit::OK,
            exit::ERROR,
            exit::USAGE,
            exit::NOT_UP_TO_DATE,
            exit::LOCK_STALE,
            exit::WARNINGS,
        ] {
            assert!(exit::TABLE.contains(&format!("\n  {code}  ")) || code == 0);
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
