// `#[test]` beside `#[migrate::test]`, which adds it
use migrate::sqlx::SqlitePool;

#[migrate::test]
#[test]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
