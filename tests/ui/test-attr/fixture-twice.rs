// the same fixture twice (once with its extension)
use migrate::sqlx::SqlitePool;

#[migrate::test(fixtures("users", "users.sql"), fixtures_dir = "tests/fixtures/testing")]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
