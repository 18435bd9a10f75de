//! `adopt` on real databases: the history another tool wrote is taken over, verified, and the
//! next run applies exactly what that tool had not.
//!
//! sqlx 0.9 (its `Migrator`) and diesel_migrations 2.3 (its `MigrationHarness`) write their
//! own history here from the same files. The Go and Java tools cannot run here: their tables
//! are built from their documented schemas and semantics, each with its source, and the
//! migrations they "applied" are run by hand first, so the schema is what the tool would have
//! left. The checksums refinery and Flyway would record come from an independent
//! implementation (the Python recipes of the research notes, checked there against rustc's
//! SipHasher13 and Java's CRC32), not from the code under test.

#![cfg(all(feature = "postgres", feature = "sqlite", feature = "mysql"))]

#[path = "support/runtime.rs"]
mod runtime;

use std::time::Duration;

use migrate::adopt::{Adoption, Check, ChecksumKind, Columns, Outcome, Source, Tool};
use migrate::sqlx::Database;
use migrate::{Error, Migrator, State};

use runtime::{states, v, versions, Db, Dir, Lite, Maria, Pg, TRACKING};

/// The files of a set, in directories where the layout has them, and the set they give.
fn set(files: &[(&str, &str)]) -> (Dir, Migrator) {
    let dir = Dir::new(&[]);
    for (name, sql) in files {
        if let Some(parent) = dir.path().join(name).parent() {
            std::fs::create_dir_all(parent).expect("a migration's directory");
        }
        dir.write(name, sql);
    }
    let migrator = dir.migrator();
    (dir, migrator)
}

/// Each line's version and outcome.
fn outcomes(adoption: &Adoption) -> Vec<(i64, Outcome)> {
    adoption
        .lines
        .iter()
        .map(|l| (l.version.map_or(-1, |v| v.get()), l.outcome.clone()))
        .collect()
}

fn verified(algorithm: &'static str) -> Outcome {
    Outcome::Adopted(Check::Verified { algorithm })
}

const UNCHECKED: Outcome = Outcome::Adopted(Check::NotRecorded);
const IMPLIED: Outcome = Outcome::Adopted(Check::Implied);

/// A dry run of `source`: what it maps, having written nothing.
async fn dry_run<D: Db>(db: &D, migrator: &Migrator, source: &Source) -> Adoption {
    let dry = migrator
        .runner()
        .adopt(db.pool(), source)
        .await
        .unwrap_or_else(|e| panic!("dry run: {e}"));
    assert!(!dry.written);
    assert!(!db.has_table(TRACKING).await, "a dry run writes nothing");
    dry
}

/// Takes over `source`'s history: the dry run maps it as `mapping` (each line's version and
/// outcome); adopting records the adopted lines, `status` shows them applied and the others
/// pending, and a run applies exactly `rest`. Returns the dry run.
async fn take_over<D: Db>(
    db: &D,
    migrator: &Migrator,
    source: Source,
    mapping: &[(i64, Outcome)],
    rest: &[i64],
) -> Adoption {
    let dry = dry_run(db, migrator, &source).await;
    assert_eq!(outcomes(&dry), mapping);
    let adopted: Vec<i64> = mapping
        .iter()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Adopted(_)))
        .map(|(version, _)| *version)
        .collect();
    let done = migrator
        .runner()
        .adopt(db.pool(), &source.apply(true))
        .await
        .unwrap_or_else(|e| panic!("adopt: {e}"));
    assert!(done.written);
    let recorded: Vec<i64> = done.adopted.iter().map(|v| v.get()).collect();
    assert_eq!(recorded, adopted);
    assert_eq!(db.tracked().await, adopted.len() as i64);
    let status = migrator.status(db.pool()).await.expect("status");
    let expected: Vec<(i64, State)> = migrator
        .migrations()
        .iter()
        .map(|m| {
            let state = if adopted.contains(&m.version().get()) {
                State::Applied
            } else {
                State::Pending
            };
            (m.version().get(), state)
        })
        .collect();
    assert_eq!(states(&status), expected);
    let report = migrator.run(db.pool()).await.expect("run after adopt");
    assert_eq!(versions(&report), rest);
    assert!(migrator.plan(db.pool()).await.expect("plan").is_empty());
    dry
}

// ------------------------------------------------------------------------------------ sqlx

/// sqlx's layouts: simple and reversible files; a `-- no-transaction` file, whose directive
/// line sqlx hashes with the rest.
const SQLX: &[(&str, &str)] = &[
    ("1_users.sql", "CREATE TABLE users (id INT PRIMARY KEY);\n"),
    (
        "2_posts.up.sql",
        "-- no-transaction\nCREATE TABLE posts (id INT PRIMARY KEY);\n",
    ),
    ("2_posts.down.sql", "DROP TABLE posts;\n"),
    ("3_tags.sql", "CREATE TABLE tags (id INT PRIMARY KEY);\n"),
    ("4_index.sql", "CREATE INDEX users_by_id ON users (id);\n"),
];

/// The sqlx set, and sqlx's own `Migrator` having applied its migrations 1 and 2.
async fn sqlx_applies_two<D: Db>(db: &D) -> (Dir, sqlx::migrate::Migrator)
where
    <D::Database as Database>::Connection: sqlx::migrate::Migrate,
{
    let (dir, _) = set(SQLX);
    let theirs = sqlx::migrate::Migrator::new(dir.path())
        .await
        .expect("sqlx reads the set");
    theirs
        .run_to(2, db.pool())
        .await
        .expect("sqlx applies 1 and 2");
    (dir, theirs)
}

/// sqlx's own `Migrator` applies 1 and 2 from the same files; adopt takes over.
async fn sqlx_history_is_taken_over<D: Db>(db: &D)
where
    <D::Database as Database>::Connection: sqlx::migrate::Migrate,
{
    let (dir, _) = sqlx_applies_two(db).await;
    let their_rows = "SELECT COUNT(*) * 1000 + MAX(version) FROM _sqlx_migrations";
    let before = db.count(their_rows).await;
    let migrator = dir.migrator();
    let source = Source::tool(Tool::Sqlx);

    let sha384 = verified("sha384");
    let mapping = [
        (1, sha384.clone()),
        (2, sha384),
        (3, Outcome::Pending),
        (4, Outcome::Pending),
    ];
    let dry = take_over(db, &migrator, source.clone(), &mapping, &[3, 4]).await;
    let row = dry.lines[0].row.as_deref().unwrap_or_default();
    assert!(row.starts_with("version=1 success="), "{row}");
    for table in ["users", "posts", "tags"] {
        assert!(db.has_table(table).await, "{table}");
    }
    assert_eq!(
        db.count(their_rows).await,
        before,
        "sqlx's table is only read"
    );

    let again = migrator
        .runner()
        .adopt(db.pool(), &source.apply(true))
        .await;
    match again {
        Err(Error::AlreadyTracked { rows: 4, .. }) => {}
        other => panic!("a second adopt must be refused: {other:?}"),
    }
}

/// After sqlx applied a file, the file is edited: adopt names the version and both SHA-384s
/// (what sqlx recorded, and what sqlx itself computes for the edited file) and writes nothing.
async fn an_edit_after_sqlx_is_caught<D: Db>(db: &D)
where
    <D::Database as Database>::Connection: sqlx::migrate::Migrate,
{
    let (dir, theirs) = sqlx_applies_two(db).await;
    let recorded = theirs
        .iter()
        .find(|m| m.version == 2)
        .map(|m| m.checksum.to_vec());
    dir.write(
        "2_posts.up.sql",
        "-- no-transaction\nCREATE TABLE posts (id BIGINT PRIMARY KEY);\n",
    );
    let edited = sqlx::migrate::Migrator::new(dir.path())
        .await
        .expect("sqlx reads the set");
    let computed = edited
        .iter()
        .find(|m| m.version == 2)
        .map(|m| m.checksum.to_vec());
    let hex = |b: Option<Vec<u8>>| {
        b.unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let migrator = dir.migrator();
    let source = Source::tool(Tool::Sqlx)
        .accept_unknown(true)
        .accept_dirty(true)
        .accept_gaps(true);

    let dry = dry_run(db, &migrator, &source).await;
    assert!(matches!(
        dry.lines[1].outcome,
        Outcome::Mismatch {
            algorithm: "sha384",
            ..
        }
    ));
    let error = migrator
        .runner()
        .adopt(db.pool(), &source.apply(true))
        .await
        .expect_err("an edited file is refused, whatever is accepted");
    assert!(
        matches!(error, Error::AdoptChecksumMismatch { version, .. } if version == v(2)),
        "{error}"
    );
    let text = error.to_string();
    for phrase in [
        format!(
            "migration 2 ({}) is not the script sqlx applied",
            dir.shown("2_posts.up.sql")
        ),
        format!("sqlx recorded sha384 {}", hex(recorded)),
        format!("the file gives {}", hex(computed)),
    ] {
        assert!(text.contains(&phrase), "{phrase:?} not in {text}");
    }
    assert!(!db.has_table("_migrations").await, "nothing is written");
}

#[tokio::test]
async fn sqlx_on_postgres() {
    let Some(db) = Pg::fresh("adopt_sqlx").await else {
        return;
    };
    sqlx_history_is_taken_over(&db).await;
    let Some(db) = Pg::fresh("adopt_sqlx_edited").await else {
        return;
    };
    an_edit_after_sqlx_is_caught(&db).await;
}

#[tokio::test]
async fn sqlx_on_sqlite() {
    sqlx_history_is_taken_over(&Lite::fresh().await).await;
    an_edit_after_sqlx_is_caught(&Lite::fresh().await).await;
}

#[tokio::test]
async fn sqlx_on_mariadb() {
    let Some(db) = Maria::fresh("adopt_sqlx").await else {
        return;
    };
    sqlx_history_is_taken_over(&db).await;
}

/// Adopting under the lease: the rows are written in one transaction that holds the lease
/// (its token is checked first), and the next run under the lease applies the rest.
async fn adopt_under_the_lease<D: Db>(db: &D)
where
    <D::Database as Database>::Connection: sqlx::migrate::Migrate,
{
    let (dir, _) = sqlx_applies_two(db).await;
    let migrator = dir.migrator();
    let runner = migrator.runner().locking(migrate::Locking::Lease);
    let source = Source::tool(Tool::Sqlx).apply(true);
    let done = runner.adopt(db.pool(), &source).await.expect("adopt");
    assert!(done.written);
    assert!(
        db.has_table("_migrations_lock").await,
        "the lease was not taken"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM _migrations_lock WHERE holder IS NULL")
            .await,
        1
    );
    assert_eq!(versions(&runner.run(db.pool()).await.expect("run")), [3, 4]);
}

#[tokio::test]
async fn adopt_under_the_lease_on_postgres_and_mariadb() {
    if let Some(db) = Pg::fresh("adopt_lease").await {
        adopt_under_the_lease(&db).await;
    }
    if let Some(db) = Maria::fresh("adopt_lease").await {
        adopt_under_the_lease(&db).await;
    }
}

// ---------------------------------------------------------------------------------- diesel

/// diesel's layout, with diesel_cli 2.3's `-NNNN` form, whose version diesel records as 18
/// digits (and this set numbers otherwise).
const DIESEL: &[(&str, &str)] = &[
    (
        "2024-01-01-000000_users/up.sql",
        "CREATE TABLE users (id INT PRIMARY KEY);\n",
    ),
    ("2024-01-01-000000_users/down.sql", "DROP TABLE users;\n"),
    (
        "2024-01-02-000000-0000_posts/up.sql",
        "CREATE TABLE posts (id INT PRIMARY KEY);\n",
    ),
    (
        "2024-01-02-000000-0000_posts/down.sql",
        "DROP TABLE posts;\n",
    ),
    (
        "2024-01-03-000000_tags/up.sql",
        "CREATE TABLE tags (id INT PRIMARY KEY);\n",
    ),
    ("2024-01-03-000000_tags/down.sql", "DROP TABLE tags;\n"),
];

/// diesel_migrations applies the first two migrations of `dir`.
fn diesel_applies_two<B: diesel::backend::Backend>(
    conn: &mut impl diesel_migrations::MigrationHarness<B>,
    dir: &Dir,
) {
    let source = diesel_migrations::FileBasedMigrations::from_path(dir.path())
        .expect("diesel reads the set");
    for _ in 0..2 {
        conn.run_next_migration(source.clone())
            .expect("diesel applies a migration");
    }
}

async fn diesel_history_is_taken_over<D: Db>(db: &D, dir: &Dir) {
    let migrator = dir.migrator();
    let version = |i: usize| migrator.migrations()[i].version().get();
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM __diesel_schema_migrations WHERE version = '202401020000000000'"
        )
        .await,
        1,
        "diesel records the -NNNN form as 18 digits"
    );
    let source = Source::tool(Tool::Diesel);
    let mapping = [
        (version(0), UNCHECKED),
        (version(1), UNCHECKED),
        (version(2), Outcome::Pending),
    ];
    take_over(db, &migrator, source, &mapping, &[version(2)]).await;
    assert!(db.has_table("tags").await);
}

#[tokio::test]
async fn diesel_on_postgres() {
    use diesel::Connection as _;
    let Some(db) = Pg::fresh("adopt_diesel").await else {
        return;
    };
    let (dir, _) = set(DIESEL);
    let mut conn = diesel::PgConnection::establish(&db.url).expect("diesel connects");
    diesel_applies_two(&mut conn, &dir);
    diesel_history_is_taken_over(&db, &dir).await;
}

#[tokio::test]
async fn diesel_on_sqlite() {
    use diesel::Connection as _;
    let db = Lite::fresh().await;
    let (dir, _) = set(DIESEL);
    let path = db.file.to_string_lossy().into_owned();
    let mut conn = diesel::SqliteConnection::establish(&path).expect("diesel connects");
    diesel_applies_two(&mut conn, &dir);
    drop(conn);
    diesel_history_is_taken_over(&db, &dir).await;
}

// --------------------------------------------------------------------------- golang-migrate

/// golang-migrate's layout: padded versions, up and down files.
const GOLANG: &[(&str, &str)] = &[
    (
        "000001_users.up.sql",
        "CREATE TABLE users (id INT PRIMARY KEY);\n",
    ),
    ("000001_users.down.sql", "DROP TABLE users;\n"),
    (
        "000002_posts.up.sql",
        "CREATE TABLE posts (id INT PRIMARY KEY);\n",
    ),
    ("000002_posts.down.sql", "DROP TABLE posts;\n"),
    (
        "000003_tags.up.sql",
        "CREATE TABLE tags (id INT PRIMARY KEY);\n",
    ),
];

/// golang-migrate's table on PostgreSQL: `CREATE TABLE IF NOT EXISTS schema_migrations
/// (version bigint not null primary key, dirty boolean not null)`, one row, written by
/// `SetVersion` (golang-migrate/migrate `database/postgres/postgres.go`, `ensureVersionTable`
/// and `SetVersion`): `dirty` is set before a migration runs and cleared after it
/// (`migrate.go` `runMigrations`).
async fn golang_migrate_at(db: &Pg, version: i64, dirty: bool) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version bigint not null primary key, dirty boolean not null)",
    )
    .await;
    db.exec(&format!(
        "INSERT INTO schema_migrations (version, dirty) VALUES ({version}, {dirty})"
    ))
    .await;
}

#[tokio::test]
async fn golang_migrate_current_version_and_dirty_flag() {
    let Some(db) = Pg::fresh("adopt_golang").await else {
        return;
    };
    let (_dir, migrator) = set(GOLANG);
    db.exec(&format!("{}{}", GOLANG[0].1, GOLANG[2].1)).await;
    golang_migrate_at(&db, 2, false).await;
    let source = Source::tool(Tool::GolangMigrate);
    let mapping = [(1, IMPLIED), (2, IMPLIED), (3, Outcome::Pending)];
    take_over(&db, &migrator, source, &mapping, &[3]).await;

    // migration 2 stopped half-way: golang-migrate left `version = 2, dirty = true`
    let Some(db) = Pg::fresh("adopt_golang_dirty").await else {
        return;
    };
    db.exec(GOLANG[0].1).await;
    golang_migrate_at(&db, 2, true).await;
    let source = Source::tool(Tool::GolangMigrate);
    let refused = migrator
        .runner()
        .adopt(db.pool(), &source.clone().apply(true))
        .await;
    let error = refused.expect_err("a dirty version is refused");
    assert!(
        matches!(&error, Error::AdoptDirty { version, .. } if version == "2"),
        "{error}"
    );
    assert!(
        error.to_string().contains("`Source::accept_dirty(true)`"),
        "{error}"
    );
    assert_eq!(db.tracked().await, 0);
    // repaired by hand (nothing of 2 was left): accepted, 2 stays pending and runs again
    let mapping = [(1, IMPLIED), (2, Outcome::Failed), (3, Outcome::Pending)];
    let source = source.accept_dirty(true);
    take_over(&db, &migrator, source, &mapping, &[2, 3]).await;
}

// ------------------------------------------------------------------------------------ goose

/// goose's layout: one file per migration with `-- +goose Up` / `-- +goose Down` sections.
const GOOSE: &[(&str, &str)] = &[
    ("1_users.sql", "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n"),
    ("2_posts.sql", "-- +goose Up\nCREATE TABLE posts (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE posts;\n"),
    ("3_tags.sql", "-- +goose Up\nCREATE TABLE tags (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE tags;\n"),
];

/// goose's table, as pressly/goose `internal/dialect/dialectquery/sqlite3.go` and `mysql.go`
/// create it, with the rows `(version_id, is_applied)` goose inserted in this order: the
/// sentinel 0 first (`migrate.go` `createVersionTable`), then one row per up, and — before
/// pressly/goose PR #296 — one `is_applied = false` row per down.
async fn goose_rows<D: Db>(db: &D, mysql: bool, rows: &[(i64, bool)]) {
    db.exec(if mysql {
        "CREATE TABLE goose_db_version (id bigint(20) unsigned NOT NULL AUTO_INCREMENT, \
         version_id bigint NOT NULL, is_applied boolean NOT NULL, \
         tstamp timestamp NULL default now(), PRIMARY KEY(id))"
    } else {
        "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, \
         tstamp TIMESTAMP DEFAULT (datetime('now')))"
    })
    .await;
    for (version, applied) in rows {
        db.exec(&format!(
            "INSERT INTO goose_db_version (version_id, is_applied) VALUES ({version}, {})",
            i32::from(*applied)
        ))
        .await;
    }
}

/// 1, 2 and 3 applied, then 3 taken back by an old goose: its latest row says not applied.
async fn goose_history_is_taken_over<D: Db>(db: &D, mysql: bool) {
    let (_dir, migrator) = set(GOOSE);
    db.exec("CREATE TABLE users (id INT PRIMARY KEY)").await;
    db.exec("CREATE TABLE posts (id INT PRIMARY KEY)").await;
    goose_rows(
        db,
        mysql,
        &[(0, true), (1, true), (2, true), (3, true), (3, false)],
    )
    .await;
    let source = Source::tool(Tool::Goose);
    let mapping = [(1, UNCHECKED), (2, UNCHECKED), (3, Outcome::Pending)];
    let dry = take_over(db, &migrator, source, &mapping, &[3]).await;
    // their latest row about 3, booleans as the database keeps them
    assert_eq!(
        dry.lines[2].row.as_deref(),
        Some("version_id=3 is_applied=0")
    );
}

#[tokio::test]
async fn goose_on_sqlite() {
    goose_history_is_taken_over(&Lite::fresh().await, false).await;
}

#[tokio::test]
async fn goose_on_mariadb() {
    let Some(db) = Maria::fresh("adopt_goose").await else {
        return;
    };
    goose_history_is_taken_over(&db, true).await;
}

/// goose applied 1 and 3 but never 2 (`goose up --allow-missing` later, or a late merge):
/// adopt refuses the gap unless accepted; accepted, 2 stays pending, and the next run treats
/// it as out of order (not as a deleted row), as it would any late migration.
#[tokio::test]
async fn a_gap_in_goose_history_stays_out_of_order() {
    let db = Lite::fresh().await;
    let (_dir, migrator) = set(GOOSE);
    db.exec("CREATE TABLE users (id INT PRIMARY KEY); CREATE TABLE tags (id INT PRIMARY KEY);")
        .await;
    goose_rows(&db, false, &[(0, true), (1, true), (3, true)]).await;
    let source = Source::tool(Tool::Goose);
    let dry = dry_run(&db, &migrator, &source).await;
    assert!(
        matches!(dry.problems[..], [Error::AdoptGap { version, newest, .. }] if version == v(2) && newest == v(3))
    );
    let adopted = migrator
        .runner()
        .adopt(db.pool(), &source.accept_gaps(true).apply(true))
        .await
        .expect("adopt with the gap accepted");
    assert_eq!(adopted.adopted, [v(1), v(3)]);
    match migrator.run(db.pool()).await {
        Err(Error::OutOfOrder {
            version, newest, ..
        }) => assert_eq!((version, newest), (v(2), v(3))),
        other => panic!("the skipped migration is out of order: {other:?}"),
    }
    let report = migrator
        .runner()
        .allow_out_of_order(true)
        .run(db.pool())
        .await;
    assert_eq!(versions(&report.expect("run")), [2]);
}

// ----------------------------------------------------------------------------------- dbmate

/// dbmate's layout: one file with `-- migrate:up` / `-- migrate:down` sections.
const DBMATE: &[(&str, &str)] = &[
    ("20240101000000_users.sql", "-- migrate:up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n"),
    ("20240102000000_posts.sql", "-- migrate:up\nCREATE TABLE posts (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n"),
    ("20240103000000_tags.sql", "-- migrate:up\nCREATE TABLE tags (id INT PRIMARY KEY);\n-- migrate:down\n"),
];

/// dbmate's table on MySQL: ``create table if not exists `schema_migrations` (version
/// varchar(128) primary key)``, one row per applied file, the file name's leading digits
/// (amacneil/dbmate `pkg/driver/mysql/mysql.go`, `pkg/dbmate/db.go`).
#[tokio::test]
async fn dbmate_on_mariadb() {
    let Some(db) = Maria::fresh("adopt_dbmate").await else {
        return;
    };
    let (_dir, migrator) = set(DBMATE);
    db.exec("CREATE TABLE users (id INT PRIMARY KEY)").await;
    db.exec("CREATE TABLE posts (id INT PRIMARY KEY)").await;
    db.exec("create table if not exists `schema_migrations` (version varchar(128) primary key)")
        .await;
    db.exec(
        "insert into `schema_migrations` (version) values ('20240101000000'), ('20240102000000')",
    )
    .await;
    let source = Source::tool(Tool::Dbmate);
    let mapping = [
        (20240101000000, UNCHECKED),
        (20240102000000, UNCHECKED),
        (20240103000000, Outcome::Pending),
    ];
    take_over(&db, &migrator, source, &mapping, &[20240103000000]).await;
}

// ----------------------------------------------------------------------- refinery, Flyway

/// refinery's and Flyway's layout; `V2` has CRLF line ends, which refinery hashes as they are
/// and Flyway leaves out.
const VERSIONED: &[(&str, &str)] = &[
    (
        "V1__users.sql",
        "CREATE TABLE users (id INT PRIMARY KEY);\n",
    ),
    (
        "V2__posts.sql",
        "CREATE TABLE posts (id INT PRIMARY KEY);\r\nCREATE INDEX posts_id ON posts (id);\r\n",
    ),
    ("V3__tags.sql", "CREATE TABLE tags (id INT PRIMARY KEY);\n"),
];

/// refinery's table (crate refinery-core 0.10.1 `src/traits/mod.rs`
/// `ASSERT_MIGRATIONS_TABLE_QUERY`, `int4` versions): `checksum` is the decimal SipHash-1-3
/// of name, version and SQL (`src/runner.rs`). The values are Python's (notes/peers.md §3).
#[tokio::test]
async fn refinery_on_sqlite() {
    let db = Lite::fresh().await;
    let (_dir, migrator) = set(VERSIONED);
    db.exec(&format!("{}{}", VERSIONED[0].1, VERSIONED[1].1))
        .await;
    db.exec(
        "CREATE TABLE IF NOT EXISTS refinery_schema_history (version int4 PRIMARY KEY, \
         name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255)); \
         INSERT INTO refinery_schema_history VALUES \
         (1, 'users', '2024-01-01T00:00:00Z', '10850199662022695345'), \
         (2, 'posts', '2024-01-02T00:00:00Z', '2215753520386741075')",
    )
    .await;
    let source = Source::tool(Tool::Refinery);
    let sip = verified("siphash-1-3");
    let mapping = [(1, sip.clone()), (2, sip), (3, Outcome::Pending)];
    take_over(&db, &migrator, source, &mapping, &[3]).await;
}

/// Flyway's table on PostgreSQL (flyway/flyway `PostgreSQLDatabase.java`, research notes
/// §7): a `SCHEMA` row at rank 0, a `BASELINE` at version 1 (the table was there before
/// Flyway), `V2` applied with its CRC-32 (Python's `binascii.crc32` of the file without its
/// line ends: 1080832539), `V3` failed (`success = false`: `DbMigrate.java` records a failure
/// outside a transaction), and a repeatable `R__` row, which this set cannot have.
#[tokio::test]
async fn flyway_on_postgres() {
    let Some(db) = Pg::fresh("adopt_flyway").await else {
        return;
    };
    let (_dir, migrator) = set(VERSIONED);
    db.exec(&format!("{}{}", VERSIONED[0].1, VERSIONED[1].1))
        .await;
    db.exec(
        "CREATE TABLE \"public\".\"flyway_schema_history\" (\"installed_rank\" INT NOT NULL, \
         \"version\" VARCHAR(50), \"description\" VARCHAR(200) NOT NULL, \
         \"type\" VARCHAR(20) NOT NULL, \"script\" VARCHAR(1000) NOT NULL, \"checksum\" INTEGER, \
         \"installed_by\" VARCHAR(100) NOT NULL, \
         \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(), \
         \"execution_time\" INTEGER NOT NULL, \"success\" BOOLEAN NOT NULL); \
         ALTER TABLE \"public\".\"flyway_schema_history\" ADD CONSTRAINT \
         \"flyway_schema_history_pk\" PRIMARY KEY (\"installed_rank\"); \
         INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, \
         checksum, installed_by, execution_time, success) VALUES \
         (0, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', '\"public\"', NULL, 'me', 0, true), \
         (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'me', 0, true), \
         (2, '2', 'posts', 'SQL', 'V2__posts.sql', 1080832539, 'me', 5, true), \
         (3, '3', 'tags', 'SQL', 'V3__tags.sql', 1391445968, 'me', 5, false), \
         (4, NULL, 'views', 'SQL', 'R__views.sql', 12345, 'me', 5, true)",
    )
    .await;
    let source = Source::tool(Tool::Flyway);
    let mapping = [
        (1, IMPLIED),
        (2, verified("crc32")),
        (3, Outcome::Failed),
        (-1, Outcome::Unknown),
    ];
    let dry = dry_run(&db, &migrator, &source).await;
    assert_eq!(outcomes(&dry), mapping);
    let kinds: Vec<&str> = dry
        .problems
        .iter()
        .map(|e| match e {
            Error::AdoptDirty { version, .. } if version == "3" => "dirty 3",
            Error::AdoptUnknown { version, .. } if version == "repeatable R__views.sql" => {
                "repeatable"
            }
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["dirty 3", "repeatable"], "{:?}", dry.problems);
    let source = source.accept_dirty(true).accept_unknown(true);
    take_over(&db, &migrator, source, &mapping, &[3]).await;
}

// ------------------------------------------------------------------------------- home-made

/// The common home-made shape, `schema_migrations(version, filename, applied_at, checksum)`
/// with a SHA-256 hex of each file (research notes §8), matched by file name. The digests
/// are Python's `hashlib.sha256` of the files.
#[tokio::test]
async fn a_home_made_table_on_postgres() {
    let Some(db) = Pg::fresh("adopt_home_made").await else {
        return;
    };
    let files: Vec<(String, &str)> = VERSIONED
        .iter()
        .enumerate()
        .map(|(i, (_, sql))| {
            (
                format!("00{}_{}.sql", i + 1, ["users", "posts", "tags"][i]),
                *sql,
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(f, s)| (f.as_str(), *s)).collect();
    let (_dir, migrator) = set(&files);
    db.exec(&format!("{}{}", VERSIONED[0].1, VERSIONED[1].1))
        .await;
    db.exec(
        "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, filename TEXT NOT NULL, \
         applied_at TIMESTAMP DEFAULT now(), checksum VARCHAR(64)); \
         INSERT INTO schema_migrations (version, filename, checksum) VALUES \
         ('1', '001_users.sql', '89b16e88b9e33579f13a916aefafbe1a65eff9b216a129c3672f32f982c0d456'), \
         ('2', '002_posts.sql', '7D791937741A3C6855BCEDF4D02CA8DB13B5EE77328E6F2CE8538ED0E6C55BC2')",
    )
    .await;
    let columns = Columns::new("filename").checksum("checksum", ChecksumKind::Sha256);
    let source = Source::generic("schema_migrations", columns);
    let sha = verified("sha256");
    let mapping = [(1, sha.clone()), (2, sha), (3, Outcome::Pending)];
    take_over(&db, &migrator, source, &mapping, &[3]).await;
}

// ------------------------------------------------------------------------------ the lock

/// Writing goes through the migration lock: held elsewhere, adopt waits and gives up.
#[tokio::test]
async fn adopt_writes_under_the_lock_and_refuses_a_missing_table() {
    let db = Lite::fresh().await;
    let (_dir, migrator) = set(GOOSE);
    match migrator
        .runner()
        .adopt(db.pool(), &Source::tool(Tool::Flyway))
        .await
    {
        Err(Error::NoHistory {
            who: "flyway",
            table,
        }) => assert_eq!(table, "flyway_schema_history"),
        other => panic!("no flyway table: {other:?}"),
    }
    goose_rows(&db, false, &[(0, true), (1, true)]).await;
    let held = db.hold_lock().await;
    let source = Source::tool(Tool::Goose).accept_gaps(true).apply(true);
    let waited = migrator
        .runner()
        .lock_timeout(Duration::from_millis(300))
        .adopt(db.pool(), &source)
        .await;
    assert!(
        matches!(waited, Err(Error::LockTimeout { .. })),
        "{waited:?}"
    );
    assert_eq!(db.tracked().await, 0);
    drop(held);
    let adopted = migrator
        .runner()
        .adopt(db.pool(), &source)
        .await
        .expect("adopt");
    assert_eq!(adopted.adopted, [v(1)]);
}
