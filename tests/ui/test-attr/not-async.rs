// `#[migrate::test]` on a function that is not async
use migrate::sqlx::SqlitePool;

#[migrate::test]
fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
