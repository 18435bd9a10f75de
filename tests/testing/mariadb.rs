//! MariaDB templates: neither MySQL nor MariaDB clones a database, so a test database is a
//! copy of the template's catalog and rows; it must match a database migrated from scratch.

use migrate::sqlx::{self, MySqlPool};
use migrate::testing::{self, Snapshot};
use migrate::State;

use crate::dir::Dir;
use crate::servers;

/// Tables with a generated column, a foreign key and rows, a function, a procedure, a
/// trigger, a view over a view (created in name order, before the view it reads), a sequence.
fn set(tag: &str) -> Dir {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Dir::new(&[
        (
            "1_schema.sql",
            &format!(
                "-- {tag} {} {nanos}\n\
                 CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL,\n\
                     name_length INT AS (CHAR_LENGTH(name)) STORED);\n\
                 CREATE TABLE posts (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL,\n\
                     title VARCHAR(100), FOREIGN KEY (user_id) REFERENCES users (id));\n",
                std::process::id()
            ),
        ),
        (
            "2_logic.sql",
            "CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;\n\
             CREATE PROCEDURE add_user(IN n VARCHAR(50)) INSERT INTO users (name) VALUES (n);\n\
             CREATE TRIGGER users_trim BEFORE INSERT ON users FOR EACH ROW SET NEW.name = TRIM(NEW.name);\n\
             CREATE VIEW user_names AS SELECT id, name FROM users;\n\
             CREATE VIEW long_names AS SELECT id FROM user_names WHERE CHAR_LENGTH(name) > 3;\n\
             CREATE SEQUENCE ids START WITH 100;\n",
        ),
        (
            "3_rows.sql",
            "INSERT INTO users (name) VALUES ('  Ada '), ('Grace');\n\
             INSERT INTO posts (user_id, title) VALUES (1, 'Notes');\n",
        ),
    ])
}

/// The catalog of `pool`'s database, its name taken out of the views' definitions.
async fn catalog(pool: &MySqlPool, name: &str) -> Vec<String> {
    let snapshot = Snapshot::take(pool).await.unwrap();
    snapshot
        .lines()
        .iter()
        .map(|line| line.replace(&format!("`{name}`."), ""))
        .collect()
}

#[tokio::test]
async fn a_mariadb_copy_of_the_template_is_the_database_the_migrations_make() {
    let dir = set("mariadb-copy");
    let migrator = dir.migrator();
    let Some(clone) = servers::available(testing::fresh_mysql_migrated(&migrator).await) else {
        return;
    };
    let scratch = testing::fresh_mysql().await.unwrap();
    let from_scratch = scratch.migrated(&migrator).await.unwrap();
    let pool = clone.pool().await.unwrap();
    assert_eq!(
        catalog(&pool, &clone.name()).await,
        catalog(&from_scratch, &scratch.name()).await
    );
    let status = migrator.status(&pool).await.unwrap();
    assert!(
        status.len() == 3 && status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );

    // the rows, and what keeps working on them: the trigger, the procedure, the
    // auto-increment counter, the function, the foreign key, the views
    sqlx::raw_sql("CALL add_user('  Bob ')")
        .execute(&pool)
        .await
        .unwrap();
    let users: Vec<(i32, String, i32)> =
        sqlx::query_as("SELECT id, name, name_length FROM users ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        users,
        [
            (1, "Ada".into(), 3),
            (2, "Grace".into(), 5),
            (3, "Bob".into(), 3)
        ]
    );
    let doubled: i32 = sqlx::query_scalar("SELECT double_it(21)")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(doubled, 42);
    let orphan = sqlx::query("INSERT INTO posts (user_id, title) VALUES (99, 'x')")
        .execute(&pool)
        .await;
    assert!(orphan.is_err(), "the foreign key holds");
    let long: i64 = sqlx::query_scalar("SELECT count(*) FROM long_names")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(long, 1);

    // a template whose build died before its last migration finished is not used
    let template = clone.template().unwrap().to_owned();
    for sql in [
        format!("UPDATE `{template}`.`_migrations` SET success = FALSE WHERE version = 3"),
        format!("CREATE TABLE `{template}`.half_built (id INT)"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    let rebuilt = testing::fresh_mysql_migrated(&migrator).await.unwrap();
    let rebuilt_pool = rebuilt.pool().await.unwrap();
    let half_built: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'half_built'",
    )
    .bind(&template)
    .fetch_one(&rebuilt_pool)
    .await
    .unwrap();
    assert_eq!(half_built, 0);
    assert_eq!(migrator.status(&rebuilt_pool).await.unwrap().len(), 3);

    // the private server goes with the process; the template with it
    for (pool, db) in [
        (pool, clone),
        (from_scratch, scratch),
        (rebuilt_pool, rebuilt),
    ] {
        pool.close().await;
        db.remove().await.unwrap();
    }
}
