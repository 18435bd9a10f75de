// a fixture whose file is not in the fixtures directory
use migrate::sqlx::SqlitePool;

#[migrate::test(fixtures("users", "nope"), fixtures_dir = "tests/fixtures/testing")]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
