// `to` given twice
use migrate::sqlx::SqlitePool;

migrate::embed_migrations!(pub mod db, "migrations");

#[migrate::test(migrator = db::MIGRATOR, to = db::CREATE_USERS, to = db::CREATE_POSTS)]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
