// sqlx reversible pairs beside simple files, and an up script without a down (irreversible)
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/sqlx-reversible");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["create_users", "seed_users", "create_posts", "add_email"]
    );
    assert_eq!(
        m[0].up().file(),
        "tests/ui/fixtures/sqlx-reversible/1_create_users.up.sql"
    );
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n"
    );
    assert_eq!(m[0].down_sql(), Some("drop table users;\n"));
    assert_eq!(
        m[0].down().map(|d| d.file()),
        Some("tests/ui/fixtures/sqlx-reversible/1_create_users.down.sql")
    );
    assert_eq!(m[1].down_sql(), None);
    assert_eq!(m[2].down_sql(), Some("drop table posts;\n"));
    assert_eq!(m[3].down_sql(), None);
}
