//! Templates: a migration set is applied once, into a template named by its hash chain, and
//! every test database is a clone of it.
//!
//! The algorithm is the same on every database; each one's file ([`postgres`], [`mysql`],
//! [`sqlite`]) says how to clone, lock, list, drop and build, behind [`Store`]:
//!
//! 1. Clone the template, without a lock. Its name holds the chain of the schema it holds,
//!    so a template that exists under that name is the right one; a set whose head changes
//!    gets a new name. A template is complete by construction: it is built under another
//!    name and renamed when done (PostgreSQL, SQLite), or checked against its tracking
//!    table's newest row (MySQL, which cannot rename a database).
//! 2. When there is none, take the set's lock (other processes may be building it: one
//!    builds, the others wait and then clone), look again, drop the set's stale templates
//!    and what a crashed build left, build, release.
//! 3. Clone again. A template dropped between the build and the clone (by a test run of
//!    another version of the set, on the same server) is built again, a few times at most.

use std::io::Write as _;
use std::time::Instant;

use migrate_runtime::{Connect, Locking, Migrator, Version};
use sqlx::Connection as _;

use crate::fresh::{Opts, TempDatabase, TestDriver};
use crate::Error;

pub(crate) use key::Key;
use key::BUILDING;

mod key;
#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

/// How many times a test tries to clone a template that keeps being dropped.
const ATTEMPTS: usize = 3;

/// Where the templates of one database live, and what differs per database.
///
/// One session serves a test's whole visit: the clone, and when there is no template the
/// lock, the build and the clone after it — a connection to the server costs as much as a
/// clone of a small template, so a test opens one, as `#[sqlx::test]` does.
pub(crate) trait Store {
    /// The database.
    type DB: TestDriver;
    /// A connection to the server (PostgreSQL, MySQL), or the lock file when it is held
    /// (SQLite).
    type Session;

    /// Where the templates are, for messages.
    fn place(&self) -> String;

    /// Opens a session.
    async fn session(&self) -> Result<Self::Session, Error>;

    /// Closes it; a lock still held goes with it.
    async fn close(&self, session: Self::Session);

    /// A new database cloned from `key`'s template; `None` when it is not there, or not
    /// complete.
    async fn clone_of(
        &self,
        session: &mut Self::Session,
        key: &Key,
    ) -> Result<Option<TempDatabase<Self::DB>>, Error>;

    /// Takes the lock of `key`'s set, waiting for it.
    async fn lock(&self, session: &mut Self::Session, key: &Key) -> Result<(), Error>;

    /// Releases it.
    async fn unlock(&self, session: &mut Self::Session, key: &Key) -> Result<(), Error>;

    /// Whether `key`'s template is there and complete.
    async fn is_complete(&self, session: &mut Self::Session, key: &Key) -> Result<bool, Error>;

    /// The names of every template and build of `key`'s set.
    async fn names(&self, session: &mut Self::Session, key: &Key) -> Result<Vec<String>, Error>;

    /// Drops a template or a build.
    async fn remove(&self, session: &mut Self::Session, name: &str) -> Result<(), Error>;

    /// Builds `key`'s template, complete when this returns.
    async fn build(
        &self,
        session: &mut Self::Session,
        key: &Key,
        migrator: &Migrator,
    ) -> Result<(), Error>;
}

/// A new database of `store` with the migrations of `migrator` up to `to` (default: all),
/// cloned from their template, which is built first when there is none.
pub(crate) async fn migrated<S: Store>(
    store: &S,
    migrator: &Migrator,
    to: Option<Version>,
) -> Result<TempDatabase<S::DB>, Error> {
    let Some(key) = Key::new(migrator, to)? else {
        // an empty set: nothing to keep in a template
        let db = S::DB::fresh().await?;
        db.migrated(migrator).await?.close().await;
        return Ok(db);
    };
    let mut session = store.session().await?;
    let db = clone_or_build(store, &mut session, &key, migrator).await;
    store.close(session).await;
    db
}

async fn clone_or_build<S: Store>(
    store: &S,
    session: &mut S::Session,
    key: &Key,
    migrator: &Migrator,
) -> Result<TempDatabase<S::DB>, Error> {
    for _ in 0..ATTEMPTS {
        if let Some(db) = store.clone_of(session, key).await? {
            return Ok(db);
        }
        store.lock(session, key).await?;
        let built = ensure(store, session, key, migrator).await;
        // released on every path; a failure to release does not hide the build's
        let released = store.unlock(session, key).await;
        built?;
        released?;
    }
    Err(Error::TemplateDropped {
        template: key.name(),
        place: store.place(),
    })
}

/// Under the set's lock: builds `key`'s template unless another process has, after dropping
/// the set's stale templates and what crashed builds left.
async fn ensure<S: Store>(
    store: &S,
    session: &mut S::Session,
    key: &Key,
    migrator: &Migrator,
) -> Result<(), Error> {
    if store.is_complete(session, key).await? {
        return Ok(());
    }
    let name = key.name();
    for other in store.names(session, key).await? {
        // the key's own name here is a template that is not complete: a crashed build's
        // (MySQL's are built under it)
        let why = if other == name || other.starts_with(BUILDING) {
            "left by a build that did not finish"
        } else if key.is_stale(&other) {
            "stale: the migrations changed"
        } else {
            continue;
        };
        store.remove(session, &other).await?;
        note(&format!(
            "dropped the template {other} ({why}; {})",
            store.place()
        ));
    }
    let started = Instant::now();
    store
        .build(session, key, migrator)
        .await
        .map_err(|source| Error::Template {
            template: name.clone(),
            place: store.place(),
            source: Box::new(source),
        })?;
    note(&format!(
        "built the template {name} ({}) in {:.1} s ({}); tests clone it until the migrations change",
        key.describe(),
        started.elapsed().as_secs_f64(),
        store.place()
    ));
    Ok(())
}

/// Applies `key`'s migrations to the database of `options` (a new one, being built), on one
/// connection and without the runtime's lock: the set's lock is held, and the database has a
/// name no runner looks for.
#[cfg_attr(
    not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
    allow(dead_code)
)]
pub(crate) async fn apply<DB: TestDriver>(
    options: Opts<DB>,
    migrator: &Migrator,
    key: &Key,
    place: &str,
) -> Result<(), Error>
where
    for<'c> &'c mut DB::Connection: Connect<'c, Database = DB>,
{
    let mut conn = DB::Connection::connect_with(&options)
        .await
        .map_err(|source| Error::Database {
            what: format!(
                "could not connect to the template {} being built ({place})",
                key.building()
            ),
            source,
        })?;
    let runner = migrator.runner().locking(Locking::None);
    let applied = match key.target() {
        None => runner.run(&mut conn).await,
        Some(version) => runner.run_to(&mut conn, version).await,
    };
    let _ = conn.close().await;
    applied.map(drop).map_err(Error::from)
}

/// A line on stderr, past the test harness's capture: building a template is the slow
/// first test of a run, and dropping one is a change on the user's server.
fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "note: migrate::testing: {message}");
}
