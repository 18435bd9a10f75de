//! The options of a run and the operations a [`Runner`] offers.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::adopt::{Adoption, Source};
use crate::driver::Connect;
use crate::engine::{self, admin::Admin, Cx, Op};
use crate::error::Error;
use crate::report::{MigrationStatus, Progress, RepeatableStatus, Report, Step};
use crate::table::{Migrator, Version};

/// The default tracking table.
pub const DEFAULT_TABLE: &str = "_migrations";

/// Settings of a run; start from [`Migrator::runner`].
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub table: String,
    pub schema: Option<String>,
    pub allow_missing: bool,
    pub allow_out_of_order: bool,
    pub atomic: bool,
    pub lock_timeout: Duration,
    pub locking: Locking,
    pub lease: Duration,
    pub resume: bool,
    pub observer: Option<Observer>,
    pub ddl_lock_timeout: Option<Duration>,
    pub statement_timeout: Option<Duration>,
    pub lock_retries: u32,
    pub lock_retry_pause: Duration,
}

/// How runners exclude each other while one migrates (see [`Runner::locking`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locking {
    /// The session lock on a direct PostgreSQL or MariaDB/MySQL connection and on SQLite;
    /// the lease on a Galera node (`wsrep_on`), CockroachDB and YugabyteDB (from
    /// `version()`). Behind a transaction pooler, say [`Locking::Lease`].
    #[default]
    Auto,
    /// The database's session lock: `pg_advisory_lock`, `GET_LOCK`, SQLite's file lock. It
    /// belongs to one server session, so it excludes nothing through a transaction pooler
    /// (PgBouncer in transaction mode) or across Galera nodes.
    Session,
    /// A lease: a row in `<table>_lock` with a holder, a fencing token and an expiry from the
    /// database's clock, renewed while migrating; every write checks the token, so a runner
    /// whose lease expired cannot commit again. Works through any pooler and cluster.
    Lease,
    /// No lock: only where one runner at a time is guaranteed otherwise.
    None,
}

/// The callback of [`Runner::on_progress`].
#[derive(Clone)]
pub(crate) struct Observer(pub Arc<dyn Fn(Progress<'_>) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer(..)")
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            table: DEFAULT_TABLE.to_owned(),
            schema: None,
            allow_missing: false,
            allow_out_of_order: false,
            atomic: false,
            lock_timeout: Duration::from_secs(60),
            locking: Locking::Auto,
            lease: Duration::from_secs(30),
            resume: false,
            observer: None,
            ddl_lock_timeout: None,
            statement_timeout: None,
            lock_retries: 3,
            lock_retry_pause: Duration::from_secs(1),
        }
    }
}

/// A [`Migrator`] with settings: the tracking table, what to allow, how to lock.
///
/// ```no_run
/// # async fn example(pool: sqlx::SqlitePool) -> Result<(), migrate_runtime::Error> {
/// # static MIGRATOR: migrate_runtime::Migrator = migrate_runtime::Migrator::__embedded(&[], [0; 32]);
/// use std::time::Duration;
///
/// MIGRATOR
///     .runner()
///     .table("schema_history")
///     .lock_timeout(Duration::from_secs(10))
///     .run(&pool)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Runner<'m> {
    pub(crate) migrator: &'m Migrator,
    pub(crate) options: Options,
}

// The operations return `impl Future + Send` rather than being `async fn`s: with the bound
// declared, callers can `tokio::spawn(async move { MIGRATOR.run(&pool).await })`; left to
// inference, the compiler cannot prove `Send` for every lifetime of the borrowed pool and
// rejects it (rust-lang/rust#100013).
#[allow(clippy::manual_async_fn)]
impl Migrator {
    /// A runner with the default settings, to change some of them.
    pub fn runner(&self) -> Runner<'_> {
        Runner {
            migrator: self,
            options: Options::default(),
        }
    }

    /// Applies every pending migration (see [`Runner::run`]).
    pub fn run<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().run(db).await }
    }

    /// Applies pending migrations up to and including `target` (see [`Runner::run_to`]).
    pub fn run_to<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        target: Version,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().run_to(db, target).await }
    }

    /// Undoes applied migrations newer than `target` (see [`Runner::undo_to`]).
    pub fn undo_to<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        target: Version,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().undo_to(db, target).await }
    }

    /// Undoes every applied migration (see [`Runner::undo_all`]).
    pub fn undo_all<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().undo_all(db).await }
    }

    /// The state of every migration in the database (see [`Runner::status`]).
    pub fn status<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Vec<MigrationStatus>, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().status(db).await }
    }

    /// The state of every repeatable migration (see [`Runner::repeatable_status`]).
    pub fn repeatable_status<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Vec<RepeatableStatus>, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().repeatable_status(db).await }
    }

    /// What `run` would do, without doing it (see [`Runner::plan`]).
    pub fn plan<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Vec<Step>, Error>> + Send + use<'a, 'c, C> {
        async move { self.runner().plan(db).await }
    }
}

#[allow(clippy::manual_async_fn)] // see `impl Migrator`
impl<'m> Runner<'m> {
    /// The tracking table's name (default `_migrations`). It is quoted, never pasted.
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.options.table = name.into();
        self
    }

    /// The tracking table's schema (PostgreSQL) or database (MySQL); default: the schema an
    /// unqualified name resolves to on the connection.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.options.schema = Some(schema.into());
        self
    }

    /// Accept applied migrations that this set does not have (a newer binary applied them).
    pub fn allow_missing(mut self, allow: bool) -> Self {
        self.options.allow_missing = allow;
        self
    }

    /// Apply a pending migration even when a newer one is already applied.
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.options.allow_out_of_order = allow;
        self
    }

    /// Apply all pending migrations in one transaction: all or nothing (PostgreSQL and
    /// SQLite; refused on MySQL and for `no-transaction` migrations). PostgreSQL holds a lock
    /// per table touched until the end, so thousands of DDL statements can exceed
    /// `max_locks_per_transaction` (64 by default).
    pub fn atomic(mut self, atomic: bool) -> Self {
        self.options.atomic = atomic;
        self
    }

    /// How long to wait for another instance's migration lock before giving up (default
    /// 60 s). Not to be confused with [`Runner::ddl_lock_timeout`], the wait of each
    /// statement of a migration for the table locks it needs.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.options.lock_timeout = timeout;
        self
    }

    /// How runners exclude each other (default [`Locking::Auto`]).
    pub fn locking(mut self, locking: Locking) -> Self {
        self.options.locking = locking;
        self
    }

    /// How long a lease lasts before another runner may take it over if it is not renewed
    /// (default 30 s). The run renews it every third of that from a second pooled connection,
    /// and before every write; a statement may run longer, not a paused or partitioned runner.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.options.lease = lease;
        self
    }

    /// Continue a dirty migration from the statement where it stopped (default `false`:
    /// a dirty migration stops the run with [`Error::Dirty`]).
    pub fn resume(mut self, resume: bool) -> Self {
        self.options.resume = resume;
        self
    }

    /// Calls `observer` as the run works: how many migrations it will apply once it holds the
    /// lock, and each one as it starts and ends (for a progress bar).
    pub fn on_progress(mut self, observer: impl Fn(Progress<'_>) + Send + Sync + 'static) -> Self {
        self.options.observer = Some(Observer(Arc::new(observer)));
        self
    }

    /// The tracking table's name and schema, as set.
    pub fn tracking_table(&self) -> (&str, Option<&str>) {
        (&self.options.table, self.options.schema.as_deref())
    }

    /// The migration set.
    pub fn migrator(&self) -> &'m Migrator {
        self.migrator
    }

    pub(crate) fn cx(&self) -> Cx<'_> {
        Cx {
            migrator: self.migrator,
            options: &self.options,
        }
    }

    /// Applies every pending migration, in order.
    ///
    /// When nothing is pending this costs one query that returns the newest tracking row: its
    /// version and chain prove the history that was applied is exactly the embedded one,
    /// whatever the number of migrations. It trusts the tracking table: a row edited or
    /// deleted by hand is found by [`Runner::status`], [`Runner::plan`] and the full
    /// validation of the next run that has work to do. Otherwise it takes the lock, validates
    /// the full history and applies what is pending.
    pub fn run<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::apply::run(self.cx(), &mut db.connect().await?, None).await }
    }

    /// Applies pending migrations up to and including `target`.
    pub fn run_to<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        target: Version,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::apply::run(self.cx(), &mut db.connect().await?, Some(target)).await }
    }

    /// Undoes applied migrations newer than `target` (which stays applied), newest first,
    /// each down script with the removal of its tracking row in one transaction. Before
    /// touching anything it refuses when one of them has no down script
    /// ([`Error::Irreversible`]).
    pub fn undo_to<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        target: Version,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::locked(self.cx(), &mut db.connect().await?, Op::Undo(Some(target))).await }
    }

    /// Undoes every applied migration, as [`Runner::undo_to`] does.
    pub fn undo_all<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::locked(self.cx(), &mut db.connect().await?, Op::Undo(None)).await }
    }

    /// The state of every migration, applied or not, and of applied ones this set lacks.
    /// Reads only; takes no lock.
    pub fn status<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Vec<MigrationStatus>, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::inspect::status(self.cx(), &mut db.connect().await?).await }
    }

    /// The state of every repeatable migration, and of those the database recorded that this
    /// set no longer has, by name. Reads only; takes no lock.
    pub fn repeatable_status<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Vec<RepeatableStatus>, Error>> + Send + use<'a, 'm, 'c, C>
    {
        async move { engine::inspect::repeatable_status(self.cx(), &mut db.connect().await?).await }
    }

    /// What `run` would apply, with the SQL and transaction mode of each step, or the error
    /// it would stop with. Reads only; takes no lock. The repeatable migrations it would
    /// apply after these are those whose [`Runner::repeatable_status`] says
    /// [`RepeatableState::will_apply`](crate::RepeatableState::will_apply).
    pub fn plan<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
    ) -> impl Future<Output = Result<Vec<Step>, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::inspect::plan(self.cx(), &mut db.connect().await?, None).await }
    }

    /// What `run_to(target)` would apply (see [`Runner::plan`]).
    pub fn plan_to<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        target: Version,
    ) -> impl Future<Output = Result<Vec<Step>, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::inspect::plan(self.cx(), &mut db.connect().await?, Some(target)).await }
    }

    /// Adopts an existing database: records every migration up to and including `version`
    /// as applied, without running it. Refused when the tracking table has rows.
    pub fn baseline<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        version: Version,
    ) -> impl Future<Output = Result<Report, Error>> + Send + use<'a, 'm, 'c, C> {
        async move {
            let op = Op::Admin(Admin::Baseline(version));
            engine::locked(self.cx(), &mut db.connect().await?, op).await
        }
    }

    /// Records `version` as applied with its current content, without running it: for a
    /// dirty migration finished by hand, or an edit a human has reviewed.
    pub fn force<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        version: Version,
    ) -> impl Future<Output = Result<(), Error>> + Send + use<'a, 'm, 'c, C> {
        async move {
            let op = Op::Admin(Admin::Force(version));
            engine::locked(self.cx(), &mut db.connect().await?, op).await?;
            Ok(())
        }
    }

    /// Deletes the tracking row of `version`, so the next run applies it again from its first
    /// statement: for a dirty migration whose partial effects were reverted by hand. Refused
    /// when the row is not there ([`Error::NotRecorded`]) or the migration is applied cleanly
    /// ([`Error::ForgetApplied`]: see [`Runner::forget_applied`]).
    pub fn forget<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        version: Version,
    ) -> impl Future<Output = Result<(), Error>> + Send + use<'a, 'm, 'c, C> {
        async move {
            let op = Op::Admin(Admin::Forget(version));
            engine::locked(self.cx(), &mut db.connect().await?, op).await?;
            Ok(())
        }
    }

    /// Deletes the tracking row of `version` whatever its state, so the next run applies it
    /// again: for a migration whose effects a human removed. Prefer undoing it
    /// ([`Runner::undo_to`]) where it has a down script.
    pub fn forget_applied<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        version: Version,
    ) -> impl Future<Output = Result<(), Error>> + Send + use<'a, 'm, 'c, C> {
        async move {
            let op = Op::Admin(Admin::ForgetApplied(version));
            engine::locked(self.cx(), &mut db.connect().await?, op).await?;
            Ok(())
        }
    }

    /// Takes over another tool's history (sqlx, diesel, refinery, golang-migrate, goose,
    /// dbmate, Flyway, or a home-made runner's table): reads its table, maps its rows onto
    /// this set by that tool's rules, and compares the checksums it recorded with the files.
    ///
    /// A dry run (the default) returns the mapping and the problems that would refuse it:
    /// a file that is not the script applied, rows the set does not know, gaps, failed or
    /// dirty rows, out-of-order history — each refused unless the [`Source`] accepts it (a
    /// checksum mismatch always) — and a tracking table that already has rows. With
    /// [`Source::apply`], the first problem is the error; without one, the migrations the
    /// other tool applied are recorded as applied, without running them, in one
    /// transaction under the lock; [`Runner::run`] then applies only the rest. The other
    /// tool's table is only read.
    pub fn adopt<'a, 'c, C: Connect<'c>>(
        &'a self,
        db: C,
        source: &'a Source,
    ) -> impl Future<Output = Result<Adoption, Error>> + Send + use<'a, 'm, 'c, C> {
        async move { engine::adopt::adopt(self.cx(), &mut db.connect().await?, source).await }
    }
}
