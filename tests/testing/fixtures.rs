//! `fixtures(...)`: SQL files applied after the migrations, in the order given; a failure
//! names the file and line. `to = …`: a database at an older version, to test a data
//! migration.

use migrate::sqlx::{self, PgPool, SqlitePool};
use migrate::testing::{self, Fixture};

use crate::EXAMPLE;

migrate::embed_migrations!(pub mod accounts, "tests/fixtures/testing/accounts");

/// Both fixtures are there, and in order: posts.sql updates a row of users.sql.
macro_rules! assert_users_and_posts {
    ($pool:expr) => {{
        let posts: i64 = sqlx::query_scalar("SELECT count(*) FROM posts")
            .fetch_one($pool)
            .await
            .unwrap();
        let bio: Option<String> = sqlx::query_scalar("SELECT bio FROM users WHERE id = 1")
            .fetch_one($pool)
            .await
            .unwrap();
        assert_eq!(
            (posts, bio.as_deref()),
            (2, Some("wrote the first program"))
        );
    }};
}

#[migrate::test(fixtures("users", "posts"), fixtures_dir = "tests/fixtures/testing")]
async fn fixtures_are_applied_in_order_on_sqlite(pool: SqlitePool) {
    assert_users_and_posts!(&pool);
}

#[migrate::test(migrator = EXAMPLE, fixtures("users", "posts.sql"), fixtures_dir = "./tests/fixtures/testing/")]
async fn fixtures_are_applied_in_order_on_postgres(pool: PgPool) {
    assert_users_and_posts!(&pool);
}

const BAD: Fixture<'static> = Fixture::new(
    "tests/fixtures/testing/bad.sql",
    include_str!("../fixtures/testing/bad.sql"),
);

#[tokio::test]
async fn a_failing_fixture_is_named_with_its_line_on_postgres() {
    let Some(db) = crate::servers::available(testing::fresh_postgres_migrated(&EXAMPLE).await)
    else {
        return;
    };
    let pool = db.pool().await.unwrap();
    let error = testing::apply_fixtures(&pool, &[BAD]).await.unwrap_err();
    // PostgreSQL says where in the statement: at the value too many
    assert_eq!(
        error.to_string(),
        "tests/fixtures/testing/bad.sql:5:34: this statement of the fixture failed: correct the fixture (fixtures run after the migrations, in the order given)"
    );
    let source = std::error::Error::source(&error).unwrap().to_string();
    assert!(
        source.contains("INSERT has more expressions than target columns"),
        "{source}"
    );
    // the statements before it ran
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
    pool.close().await;
    db.remove().await.unwrap();
}

#[tokio::test]
async fn a_failing_fixture_is_named_with_its_line_on_sqlite() {
    let db = testing::fresh_sqlite_migrated(&EXAMPLE).await.unwrap();
    let pool = db.pool().await.unwrap();
    let error = testing::apply_fixtures(&pool, &[BAD]).await.unwrap_err();
    // SQLite does not say where: the statement's first line
    assert!(
        error.to_string().starts_with(
            "tests/fixtures/testing/bad.sql:4:1: this statement of the fixture failed"
        ),
        "{error}"
    );
    let source = std::error::Error::source(&error).unwrap().to_string();
    assert!(source.contains("4 values for 3 columns"), "{source}");
    pool.close().await;
}

// ---------------------------------------------------------------------------------------------
// to = …

/// At `to = accounts::CREATE_ACCOUNTS`, rows of the first shape go in; the two data
/// migrations after it keep them and change them as they should.
macro_rules! old_rows_survive_the_data_migrations {
    ($pool:expr) => {{
        let status = accounts::MIGRATOR.status($pool).await.unwrap();
        let applied: Vec<bool> = status
            .iter()
            .map(|s| s.state == migrate::State::Applied)
            .collect();
        assert_eq!(applied, [true, false, false]);
        // the older schema: no column of the second migration yet
        assert!(sqlx::query("SELECT email_verified FROM accounts")
            .fetch_all($pool)
            .await
            .is_err());
        sqlx::query(
            "INSERT INTO accounts (id, email) VALUES (1, 'Ada@Example.com'), (2, 'grace@navy.mil')",
        )
        .execute($pool)
        .await
        .unwrap();
        let report = accounts::MIGRATOR.run($pool).await.unwrap();
        assert_eq!(report.migrations.len(), 2);
        let rows: Vec<(i64, String, bool)> =
            sqlx::query_as("SELECT id, email, email_verified FROM accounts ORDER BY id")
                .fetch_all($pool)
                .await
                .unwrap();
        assert_eq!(
            rows,
            [
                (1, "ada@example.com".to_owned(), true),
                (2, "grace@navy.mil".to_owned(), false)
            ]
        );
    }};
}

#[migrate::test(migrator = accounts::MIGRATOR, to = accounts::CREATE_ACCOUNTS)]
async fn a_data_migration_keeps_old_rows_on_sqlite(pool: SqlitePool) {
    old_rows_survive_the_data_migrations!(&pool);
}

#[migrate::test(migrator = accounts::MIGRATOR, to = accounts::CREATE_ACCOUNTS)]
async fn a_data_migration_keeps_old_rows_on_postgres(pool: PgPool) {
    old_rows_survive_the_data_migrations!(&pool);
}

#[migrate::test(migrator = accounts::MIGRATOR, to = accounts::LOWERCASE_EMAILS)]
async fn to_the_newest_version_is_the_whole_set(pool: SqlitePool) {
    assert!(accounts::MIGRATOR
        .run(&pool)
        .await
        .unwrap()
        .migrations
        .is_empty());
}
