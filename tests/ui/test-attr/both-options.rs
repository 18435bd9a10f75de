// both ways of naming the migrations
use migrate::sqlx::SqlitePool;

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");

#[migrate::test(migrations = "migrations", migrator = MIGRATOR)]
async fn users(pool: SqlitePool) {
    let _ = pool;
}

fn main() {}
