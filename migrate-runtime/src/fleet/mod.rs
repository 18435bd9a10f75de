//! Fleets: one migration set over many tenants — PostgreSQL schemas on one server, databases
//! anywhere (PostgreSQL, MySQL/MariaDB), SQLite files — each with its own tracking table.
//!
//! ```no_run
//! # async fn example(migrator: &migrate_runtime::Migrator) -> Result<(), migrate_runtime::Error> {
//! use migrate_runtime::fleet::{Fleet, Target};
//!
//! let server = "postgres://app@127.0.0.1/app";
//! let tenants = Target::schemas_like(server, "tenant_%").await?;
//! let fleet = Fleet::new(migrator.runner()).jobs(8).canary(5);
//! let report = fleet.up(&tenants).await;
//! for failed in report.failed() {
//!     eprintln!("{}: {:?}", failed.target, failed.outcome);
//! }
//! # Ok(()) }
//! ```
//!
//! - `target`: what a tenant is, and listing schemas from the catalogue;
//! - `schemas`: a server's schema tenants read in a few statements, and runs with the tenant
//!   first on the search path;
//! - `run`: bounded concurrency, the canary group, stopping at the first failure;
//! - `state`: what a tenant's newest row (and its repeatable migrations) say against the set;
//! - `tenant`: one tenant's status, plan or run, on the connection its kind needs.

use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::report::{Report, Step};
use crate::runner::Runner;
use crate::table::{Migrator, Version};

mod run;
#[cfg(feature = "postgres")]
mod schemas;
mod state;
pub(crate) mod target;
mod tenant;

pub use target::Target;

/// What [`Fleet::on_progress`] calls.
type Observer = Arc<dyn Fn(FleetProgress<'_>) + Send + Sync>;

/// One migration set over many tenants, run through a configured [`Runner`] (its tracking
/// table name, lock and options apply to every tenant; a schema tenant's table is in its own
/// schema).
#[derive(Clone)]
pub struct Fleet<'m> {
    runner: Runner<'m>,
    jobs: usize,
    canary: usize,
    continue_on_error: bool,
    shared_schemas: Vec<String>,
    observer: Option<Observer>,
}

impl fmt::Debug for Fleet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("jobs", &self.jobs)
            .field("canary", &self.canary)
            .field("continue_on_error", &self.continue_on_error)
            .field("shared_schemas", &self.shared_schemas)
            .finish()
    }
}

impl<'m> Fleet<'m> {
    /// A fleet run by `runner`: 4 tenants at a time, no canary, stopping at the first failure.
    pub fn new(runner: Runner<'m>) -> Self {
        Self {
            runner,
            jobs: 4,
            canary: 0,
            continue_on_error: false,
            shared_schemas: Vec::new(),
            observer: None,
        }
    }

    /// How many tenants are worked on at once — and so how many connections are open to a
    /// server at most (default 4; at least 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Migrate the first `count` tenants (in the order given) first, and stop unless all of
    /// them succeed (default 0: no canary).
    pub fn canary(mut self, count: usize) -> Self {
        self.canary = count;
        self
    }

    /// Go on with the other tenants after one fails (default: stop starting new ones; the
    /// ones not started are reported as skipped).
    pub fn continue_on_error(mut self, go_on: bool) -> Self {
        self.continue_on_error = go_on;
        self
    }

    /// Schemas to put on the search path after a schema tenant's own (e.g. `public`, where
    /// the extensions live).
    pub fn shared_schemas(mut self, schemas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.shared_schemas = schemas.into_iter().map(Into::into).collect();
        self
    }

    /// Calls `observer` as tenants finish (for a progress bar).
    pub fn on_progress(
        mut self,
        observer: impl Fn(FleetProgress<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The migration set.
    pub fn migrator(&self) -> &'m Migrator {
        self.runner.migrator()
    }

    /// The state of every tenant, read without locking or writing: schema tenants of one
    /// server in a few statements (one for the catalogue, one per batch of tracking tables),
    /// other tenants one connection each, `jobs` at a time.
    pub async fn status(&self, targets: &[Target]) -> Vec<TenantStatus> {
        run::status(self, targets).await
    }

    /// What `up` would apply to each tenant that is not at the head, or the error it would
    /// stop with.
    pub async fn plan(&self, targets: &[Target]) -> Vec<TenantPlan> {
        run::plan(self, targets).await
    }

    /// Applies the set to every tenant: tenants at the head cost nothing more than the status
    /// read; the others are migrated `jobs` at a time, the canary group first.
    pub async fn up(&self, targets: &[Target]) -> FleetReport {
        run::up(self, targets).await
    }

    fn tell(&self, progress: FleetProgress<'_>) {
        if let Some(observer) = &self.observer {
            observer(progress);
        }
    }
}

/// Where a fleet run stands, after each tenant.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct FleetProgress<'a> {
    /// The tenant just finished.
    pub target: &'a Target,
    /// Tenants done (up to date or migrated).
    pub done: usize,
    /// Tenants failed.
    pub failed: usize,
    /// Tenants not finished yet.
    pub remaining: usize,
}

/// A tenant's state, from its newest tracking row.
#[derive(Debug)]
#[non_exhaustive]
pub enum TenantState {
    /// Every migration applied, exactly this set's (the chains are equal).
    AtHead,
    /// This many migrations to apply, or repeatable migrations; the history applied is this
    /// set's up to the newest.
    Behind {
        /// Migrations newer than the newest applied.
        pending: usize,
        /// Repeatable migrations that a run would apply after them: new, or changed since the
        /// tenant applied them.
        repeatables: usize,
    },
    /// No tracking table yet: nothing applied.
    Untracked,
    /// The newest migration stopped part-way (see `up`'s error for where).
    Dirty {
        /// The dirty migration.
        version: Version,
    },
    /// The history is not a prefix of this set (an unknown version, an edited migration,
    /// another order): `up` or `plan` on the tenant says what. A tenant whose newest row was
    /// sealed over repeatable migrations of which some were removed both before and since its
    /// last run shows here too, until its next run (one row cannot tell which were there).
    Diverged,
    /// The tenant could not be read.
    Unreachable(Error),
}

impl TenantState {
    /// A short name: `at head`, `behind`, `untracked`, `dirty`, `diverged`, `unreachable`.
    pub fn name(&self) -> &'static str {
        match self {
            TenantState::AtHead => "at head",
            TenantState::Behind { .. } => "behind",
            TenantState::Untracked => "untracked",
            TenantState::Dirty { .. } => "dirty",
            TenantState::Diverged => "diverged",
            TenantState::Unreachable(_) => "unreachable",
        }
    }
}

/// One tenant of [`Fleet::status`].
#[derive(Debug)]
pub struct TenantStatus {
    /// The tenant.
    pub target: Target,
    /// Its newest applied migration.
    pub newest: Option<Version>,
    /// Its state.
    pub state: TenantState,
}

/// One tenant of [`Fleet::plan`].
#[derive(Debug)]
pub struct TenantPlan {
    /// The tenant.
    pub target: Target,
    /// What `up` would apply, or the error it would stop with.
    pub steps: Result<Vec<Step>, Error>,
    /// The repeatable migrations `up` would apply after the steps, by name.
    pub repeatables: Vec<String>,
}

/// What happened to one tenant in [`Fleet::up`].
#[derive(Debug)]
#[non_exhaustive]
pub enum TenantOutcome {
    /// It was at the head already.
    UpToDate,
    /// Migrations were applied.
    Applied(Report),
    /// It failed; nothing of another tenant was touched.
    Failed(Error),
    /// It was not started: the fleet stopped at a failure (or the canary failed).
    Skipped,
}

/// One tenant of a [`FleetReport`].
#[derive(Debug)]
pub struct TenantReport {
    /// The tenant.
    pub target: Target,
    /// Its newest migration before the run.
    pub before: Option<Version>,
    /// Its newest migration after the run.
    pub after: Option<Version>,
    /// What happened.
    pub outcome: TenantOutcome,
}

/// What [`Fleet::up`] did, tenant by tenant, in the order given.
#[derive(Debug, Default)]
pub struct FleetReport {
    /// Every tenant.
    pub tenants: Vec<TenantReport>,
}

impl FleetReport {
    /// The tenants that failed.
    pub fn failed(&self) -> impl Iterator<Item = &TenantReport> {
        self.tenants
            .iter()
            .filter(|t| matches!(t.outcome, TenantOutcome::Failed(_)))
    }

    /// Whether every tenant is at the head now (none failed or skipped).
    pub fn all_at_head(&self) -> bool {
        self.tenants.iter().all(|t| {
            matches!(
                t.outcome,
                TenantOutcome::UpToDate | TenantOutcome::Applied(_)
            )
        })
    }
}
