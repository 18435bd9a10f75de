//! What the operations accept as a database: a pool, a pooled connection or a connection.

use std::future::Future;

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};

use super::Driver;

/// A connection for one operation: from a pool, or borrowed from the caller. Not a public
/// API: what [`Connect`] gives the runtime.
#[doc(hidden)]
pub enum Conn<'c, DB: Database> {
    /// Acquired from a pool, which stays at hand for a second connection (a heartbeat).
    Pooled(PoolConnection<DB>, Pool<DB>),
    /// The caller's.
    Borrowed(&'c mut DB::Connection),
}

impl<'c, DB: Database> Conn<'c, DB> {
    /// The connection.
    pub fn get(&mut self) -> &mut DB::Connection {
        match self {
            Conn::Pooled(c, _) => c,
            Conn::Borrowed(c) => c,
        }
    }

    /// The pool the connection came from, if any.
    pub fn pool(&self) -> Option<&Pool<DB>> {
        match self {
            Conn::Pooled(_, pool) => Some(pool),
            Conn::Borrowed(_) => None,
        }
    }

    /// The connection while it may hold a session lock: if the section ends by being dropped
    /// (a cancelled future) a pooled connection is then closed rather than returned, so it
    /// cannot keep the lock idle in the pool; [`Armed::disarm`] at the section's normal end
    /// returns it to the pool as usual.
    pub(crate) fn armed(&mut self, armed: bool) -> Armed<'_, 'c, DB> {
        Armed { conn: self, armed }
    }
}

/// See [`Conn::armed`].
pub(crate) struct Armed<'a, 'c, DB: Database> {
    conn: &'a mut Conn<'c, DB>,
    armed: bool,
}

impl<'c, DB: Database> Armed<'_, 'c, DB> {
    /// The connection.
    pub fn conn(&mut self) -> &mut Conn<'c, DB> {
        self.conn
    }

    /// The section ended normally: nothing to close.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl<DB: Database> Drop for Armed<'_, '_, DB> {
    fn drop(&mut self) {
        if let (true, Conn::Pooled(c, _)) = (self.armed, &mut *self.conn) {
            c.close_on_drop();
        }
    }
}

/// What the runtime accepts as a database: `&Pool<DB>`, `&mut PoolConnection<DB>` or a
/// `&mut` connection (`PgConnection`, `SqliteConnection`, `MySqlConnection`).
pub trait Connect<'c>: Send {
    /// The database.
    type Database: Driver;

    #[doc(hidden)]
    fn connect(self) -> impl Future<Output = Result<Conn<'c, Self::Database>, sqlx::Error>> + Send;
}

impl<'c, DB: Driver> Connect<'c> for &'c Pool<DB> {
    type Database = DB;

    async fn connect(self) -> Result<Conn<'c, DB>, sqlx::Error> {
        Ok(Conn::Pooled(self.acquire().await?, self.clone()))
    }
}

impl<'c, DB: Driver> Connect<'c> for &'c mut PoolConnection<DB> {
    type Database = DB;

    async fn connect(self) -> Result<Conn<'c, DB>, sqlx::Error> {
        Ok(Conn::Borrowed(&mut **self))
    }
}

/// `impl Connect for &mut <the driver's connection>`.
macro_rules! connect_borrowed {
    ($db:ty, $conn:ty) => {
        impl<'c> $crate::driver::Connect<'c> for &'c mut $conn {
            type Database = $db;

            async fn connect(self) -> Result<$crate::driver::Conn<'c, $db>, sqlx::Error> {
                Ok($crate::driver::Conn::Borrowed(self))
            }
        }
    };
}
pub(crate) use connect_borrowed;
