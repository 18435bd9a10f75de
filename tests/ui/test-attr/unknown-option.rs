// a misspelt option, and a second mistake in the function reported in the same build
use migrate::sqlx::SqlitePool;

#[migrate::test(migration = "migrations")]
fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
