// a fixtures directory, but no fixtures
use migrate::sqlx::SqlitePool;

#[migrate::test(fixtures_dir = "tests/fixtures/testing")]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
