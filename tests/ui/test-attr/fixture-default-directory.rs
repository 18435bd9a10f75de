// fixtures are looked for in `fixtures`, at the crate root, unless `fixtures_dir` says
use migrate::sqlx::SqlitePool;

#[migrate::test(fixtures("users"))]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
