//! `migrate fleet`'s arguments.

use clap::{Args, Subcommand};

use super::Format;

/// `fleet`.
#[derive(Debug, Args)]
pub struct Fleet {
    /// What to do.
    #[command(subcommand)]
    pub action: FleetAction,

    /// Schema tenants on the `--database-url` server: names separated by commas, or a
    /// `LIKE` pattern (with `%`: `tenant_%`), read from the catalogue.
    #[arg(long, global = true, value_name = "LIST|PATTERN")]
    pub schemas: Option<String>,

    /// Schemas to put after each tenant's on its search path (e.g. `public`, for extensions).
    #[arg(long, global = true, value_name = "LIST", value_delimiter = ',')]
    pub shared_schemas: Vec<String>,

    /// A file of database URLs, one per line (`#` starts a comment): PostgreSQL,
    /// MySQL/MariaDB or SQLite, on any servers.
    #[arg(long, global = true, value_name = "FILE")]
    pub databases: Option<std::path::PathBuf>,

    /// SQLite files: a path whose file name may hold `*` and `?`.
    #[arg(long, global = true, value_name = "GLOB")]
    pub sqlite: Option<String>,

    /// How many tenants at once (and connections to a server at most).
    #[arg(long, global = true, value_name = "N", default_value_t = 4)]
    pub jobs: usize,

    /// Migrate the first K tenants first, and stop unless all of them succeed.
    #[arg(long, global = true, value_name = "K", default_value_t = 0)]
    pub canary: usize,

    /// Go on with the other tenants after one fails (default: stop starting new ones).
    #[arg(long, global = true)]
    pub continue_on_error: bool,

    /// `table` for people, `json` for programs.
    #[arg(long, global = true, value_enum, default_value = "table")]
    pub format: Format,

    /// `status`: exit with 3 when a tenant is not at the head.
    #[arg(long, global = true)]
    pub exit_code: bool,

    /// `up`: continue each dirty tenant's migration from its failed statement (after you
    /// repaired what it left), as `migrate up --resume` does for one database.
    #[arg(long, global = true)]
    pub resume: bool,
}

/// `fleet`'s actions.
#[derive(Clone, Copy, Debug, Subcommand)]
pub enum FleetAction {
    /// Every tenant's state: at head, behind (how many pending), untracked, dirty, diverged,
    /// unreachable; exits with 1 when a tenant cannot be read.
    Status,
    /// What `up` would apply to each tenant that is not at the head.
    Plan,
    /// Apply the set to every tenant; exits with 1 when a tenant failed.
    Up,
}
