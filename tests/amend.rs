//! `migrate lock --amend`: a database that applied the released content of an amended
//! migration takes the new checksum; any other difference is still an edit.

use migrate::sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use migrate::sqlx::{self, Row as _};
use migrate::{Error, Migrator, State, Version};

fn v(n: i64) -> Version {
    Version::new(n).unwrap_or_else(|| panic!("{n}"))
}

/// The fixture's lock says: migration 1 was released as `id INT` and amended to `id BIGINT`.
static AMENDED: Migrator =
    migrate::embed_migrations!("tests/fixtures/amend", require_locked = true);

fn scratch(name: &str, first: &str) -> (std::path::PathBuf, Migrator) {
    let dir = std::env::temp_dir().join(format!("migrate-amend-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("1_create_a.sql"), first).expect("write");
    std::fs::write(dir.join("2_create_b.sql"), "CREATE TABLE b (id INT);\n").expect("write");
    let migrator = Migrator::from_dir(&dir).expect("scratch set");
    (dir, migrator)
}

async fn pool(dir: &std::path::Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("db.sqlite3"))
        .create_if_missing(true);
    SqlitePool::connect_with(options).await.expect("sqlite")
}

#[tokio::test]
async fn the_declared_old_content_takes_the_new_checksum() {
    assert_eq!(AMENDED.amendments().len(), 1);
    assert_eq!(
        AMENDED,
        Migrator::from_dir("tests/fixtures/amend").expect("from_dir")
    );
    let (dir, released) = scratch("old", "CREATE TABLE a (id INT);\n");
    let pool = pool(&dir).await;
    released.run(&pool).await.expect("the released set");
    let status = AMENDED.status(&pool).await.expect("status");
    assert_eq!(
        status[0].state,
        State::Applied,
        "an amended row is not an edit: {status:?}"
    );

    let report = AMENDED.run(&pool).await.expect("the amended set");
    assert!(report.migrations.is_empty());
    let one = AMENDED.get(v(1)).expect("1");
    let stored: Vec<u8> = sqlx::query("SELECT checksum FROM _migrations WHERE version = 1")
        .fetch_one(&pool)
        .await
        .expect("row")
        .get(0);
    assert_eq!(stored, one.checksum().to_vec());
    let chain: Vec<u8> = sqlx::query("SELECT chain FROM _migrations WHERE version = 2")
        .fetch_one(&pool)
        .await
        .expect("row")
        .get(0);
    assert_eq!(
        chain,
        AMENDED.head_chain().to_vec(),
        "resealed for the fast path"
    );
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn any_other_difference_is_still_an_edit() {
    let (dir, other) = scratch("other", "CREATE TABLE a (id SMALLINT);\n");
    let pool = pool(&dir).await;
    other.run(&pool).await.expect("another content");
    let err = AMENDED
        .run(&pool)
        .await
        .expect_err("not the declared old content");
    assert!(
        matches!(&err, Error::ChecksumMismatch { version, .. } if *version == v(1)),
        "{err}"
    );
    let status = AMENDED.status(&pool).await.expect("status");
    assert!(
        matches!(status[0].state, State::Edited { .. }),
        "{status:?}"
    );
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
