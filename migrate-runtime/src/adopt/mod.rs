//! Switching from another migration tool: [`crate::Runner::adopt`] with a [`Source`].
//!
//! The tool's history table is read (`read`, which documents each tool's table with its
//! sources), mapped onto this set by that tool's rules (`map`), its recorded checksums
//! compared with the files (`digest`), and — only when asked — the migrations it applied are
//! recorded in this tracking table without running them (`engine::adopt`). The other table
//! is never written.

use std::fmt;

use crate::error::Error;
use crate::table::Version;

pub(crate) mod digest;
pub(crate) mod map;
pub(crate) mod read;

/// A migration tool whose history table `adopt` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    /// sqlx 0.9 (`_sqlx_migrations`): per-version rows with success and SHA-384 checksums.
    Sqlx,
    /// diesel_migrations 2 (`__diesel_schema_migrations`): applied version strings.
    Diesel,
    /// refinery 0.10 (`refinery_schema_history`): per-version rows with SipHash checksums.
    Refinery,
    /// golang-migrate (`schema_migrations`): one current version and a dirty flag.
    GolangMigrate,
    /// goose (`goose_db_version`): an append-only log of applied and undone versions.
    Goose,
    /// dbmate (`schema_migrations`): applied version strings.
    Dbmate,
    /// Flyway (`flyway_schema_history`): ranked rows with CRC-32 checksums, baselines, failures.
    Flyway,
}

impl Tool {
    /// Every tool, in the order the documentation lists them.
    pub const ALL: [Tool; 7] = [
        Tool::Sqlx,
        Tool::Diesel,
        Tool::Refinery,
        Tool::GolangMigrate,
        Tool::Goose,
        Tool::Dbmate,
        Tool::Flyway,
    ];

    /// The tool's name as the command line spells it: `sqlx`, `golang-migrate`, ….
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "diesel",
            Tool::Refinery => "refinery",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Goose => "goose",
            Tool::Dbmate => "dbmate",
            Tool::Flyway => "flyway",
        }
    }

    /// The table the tool keeps its history in unless configured otherwise.
    pub fn default_table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::Refinery => "refinery_schema_history",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Flyway => "flyway_schema_history",
        }
    }

    /// The tool named `name` (as [`Tool::name`] spells it).
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a home-made runner computed the checksums it stored (as hex text or bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumKind {
    /// SHA-256.
    Sha256,
    /// MD5.
    Md5,
}

impl ChecksumKind {
    /// `sha256` or `md5`.
    pub fn name(self) -> &'static str {
        match self {
            ChecksumKind::Sha256 => "sha256",
            ChecksumKind::Md5 => "md5",
        }
    }
}

/// The columns of a home-made runner's history table: one row per applied migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub(crate) version: String,
    pub(crate) name: Option<String>,
    pub(crate) checksum: Option<(String, ChecksumKind)>,
}

impl Columns {
    /// The column that names the migration: its version (`42`), or its file name
    /// (`0042_add_users.sql`), matched exactly first and then by its leading digits.
    pub fn new(version: impl Into<String>) -> Self {
        Self {
            version: version.into(),
            name: None,
            checksum: None,
        }
    }

    /// A column with the migration's description, shown in the mapping.
    pub fn name(mut self, column: impl Into<String>) -> Self {
        self.name = Some(column.into());
        self
    }

    /// A column with the checksum of each file, computed by `kind` (hex text, either case, or
    /// bytes). It is compared with the file as it is, with a byte order mark, and with its
    /// line ends made LF; for goose and dbmate layouts, with the up section.
    pub fn checksum(mut self, column: impl Into<String>, kind: ChecksumKind) -> Self {
        self.checksum = Some((column.into(), kind));
        self
    }
}

/// Which history `adopt` reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A tool's own table.
    Tool(Tool),
    /// A home-made runner's table.
    Table(Columns),
}

/// What `adopt` accepts besides a clean history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Accept {
    pub unknown: bool,
    pub gaps: bool,
    pub dirty: bool,
    pub out_of_order: bool,
}

/// Another tool's history, for [`crate::Runner::adopt`]: the tool, its table, what to accept
/// and whether to write.
///
/// ```
/// use migrate_runtime::adopt::{Source, Tool};
///
/// let source = Source::tool(Tool::GolangMigrate)
///     .history_table("schema_migrations")
///     .accept_dirty(false)
///     .apply(true);
/// assert_eq!(source.table_name(), "schema_migrations");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub(crate) from: Origin,
    table: String,
    schema: Option<String>,
    pub(crate) accept: Accept,
    pub(crate) apply: bool,
}

impl Source {
    /// The history of `tool`, in its default table; a dry run.
    pub fn tool(tool: Tool) -> Self {
        Self::new(Origin::Tool(tool), tool.default_table())
    }

    /// The history a home-made runner keeps in `table`; a dry run.
    pub fn generic(table: impl Into<String>, columns: Columns) -> Self {
        Self::new(Origin::Table(columns), table)
    }

    fn new(from: Origin, table: impl Into<String>) -> Self {
        Self {
            from,
            table: table.into(),
            schema: None,
            accept: Accept::default(),
            apply: false,
        }
    }

    /// The table's name, when the tool was configured with another one.
    pub fn history_table(mut self, name: impl Into<String>) -> Self {
        self.table = name.into();
        self
    }

    /// The table's schema (PostgreSQL) or database (MySQL); default: where the unqualified
    /// name resolves on the connection.
    pub fn history_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Adopt although the history has migrations this set does not have (they are left out).
    pub fn accept_unknown(mut self, accept: bool) -> Self {
        self.accept.unknown = accept;
        self
    }

    /// Adopt although the tool skipped migrations older than ones it applied (they stay
    /// pending; `run` then needs `allow_out_of_order`).
    pub fn accept_gaps(mut self, accept: bool) -> Self {
        self.accept.gaps = accept;
        self
    }

    /// Adopt although the tool recorded a migration as failed or dirty (it stays pending).
    pub fn accept_dirty(mut self, accept: bool) -> Self {
        self.accept.dirty = accept;
        self
    }

    /// Adopt although the tool applied migrations in another order than their versions'.
    pub fn accept_out_of_order(mut self, accept: bool) -> Self {
        self.accept.out_of_order = accept;
        self
    }

    /// Write the tracking rows (default `false`: a dry run that only returns the mapping).
    pub fn apply(mut self, apply: bool) -> Self {
        self.apply = apply;
        self
    }

    /// The history table's name.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The history table's schema, if one was given.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Who wrote the history, as messages name it: the tool, or "the home-made runner".
    pub fn who(&self) -> &'static str {
        match &self.from {
            Origin::Tool(tool) => tool.name(),
            Origin::Table(_) => "the home-made runner",
        }
    }
}

/// What `adopt` found, and did.
#[derive(Debug)]
#[non_exhaustive]
pub struct Adoption {
    /// Who wrote the history (see [`Source::who`]).
    pub who: &'static str,
    /// The history table, qualified as it resolved.
    pub table: String,
    /// One line per migration of the set, and one per row of theirs that matches none, by
    /// version.
    pub lines: Vec<Line>,
    /// What refuses the adoption (none of what the source accepts): with
    /// [`Source::apply`], the first of them is the error returned.
    pub problems: Vec<Error>,
    /// The versions recorded as applied (or, in a dry run, that would be).
    pub adopted: Vec<Version>,
    /// Whether the tracking rows were written.
    pub written: bool,
}

/// One line of the mapping: a migration of the set, or a row of theirs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The migration's version; for a row of theirs that matches no migration, its version
    /// when it is a number.
    pub version: Option<Version>,
    /// The migration's up script; `None` for a row that matches none.
    pub file: Option<String>,
    /// Their row about it, as read (`version=3 success=true`).
    pub row: Option<String>,
    /// What adopt makes of it.
    pub outcome: Outcome,
}

/// What `adopt` makes of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Recorded as applied.
    Adopted(Check),
    /// Not applied by the other tool: `run` applies it.
    Pending,
    /// Not applied by the other tool although it applied the newer `newest`.
    Gap {
        /// The newest version it applied.
        newest: Version,
    },
    /// Recorded as failed or dirty by the other tool: not adopted.
    Failed,
    /// Their row matches no migration of the set: not adopted.
    Unknown,
    /// The file is not the script they applied: refused.
    Mismatch {
        /// The checksum's algorithm.
        algorithm: &'static str,
        /// What they recorded.
        recorded: String,
        /// What the file gives.
        computed: String,
    },
}

/// How an adopted migration was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// The checksum they recorded is the file's, by their algorithm.
    Verified {
        /// The algorithm (`sha384`, `crc32`, `siphash-1-3`, `sha256`, `md5`).
        algorithm: &'static str,
    },
    /// They record no checksum (diesel, goose, dbmate, or a `NULL`): trusted by version.
    NotRecorded,
    /// Implied by another row: golang-migrate's current version, or a Flyway baseline.
    Implied,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Adopted(Check::Verified { algorithm }) => {
                write!(f, "adopted, {algorithm} verified")
            }
            Outcome::Adopted(Check::NotRecorded) => f.write_str("adopted, no checksum recorded"),
            Outcome::Adopted(Check::Implied) => f.write_str("adopted, implied by their history"),
            Outcome::Pending => f.write_str("pending"),
            Outcome::Gap { newest } => write!(f, "gap: pending, older than {newest}"),
            Outcome::Failed => f.write_str("failed in their history"),
            Outcome::Unknown => f.write_str("unknown to this set"),
            Outcome::Mismatch { algorithm, .. } => write!(f, "{algorithm} MISMATCH"),
        }
    }
}
