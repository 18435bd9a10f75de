// `#[migrate::test]` on a function that takes more than the pool
use migrate::sqlx::SqlitePool;

#[migrate::test]
async fn users(pool: SqlitePool, other: SqlitePool) {
    let _ = (pool, other);
}

fn main() {}
