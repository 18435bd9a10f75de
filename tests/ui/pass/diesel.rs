// diesel directories in every version form diesel writes, including its initial setup
// (version 0), a description with spaces and `run_in_transaction = false`; the README beside
// them is passed over
use migrate::Transaction;

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/diesel");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(
        versions,
        [
            0,
            2017082018045300000,
            2018010112000000000,
            2019111518235300000,
            2025111909144400004
        ]
    );
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        [
            "diesel_initial_setup",
            "create_users",
            "create_posts",
            "Add email notifications",
            "index_posts"
        ]
    );
    assert!(m[0]
        .up_sql()
        .starts_with("create or replace function diesel_manage_updated_at"));
    assert_eq!(
        m[1].up().file(),
        "tests/ui/fixtures/diesel/2017-08-20-180453_create_users/up.sql"
    );
    assert_eq!(m[1].down_sql(), Some("drop table users;\n"));
    assert_eq!(m[2].down_sql(), None);
    assert_eq!(
        m[3].up().file(),
        "tests/ui/fixtures/diesel/2019-11-15-182353_Add email notifications/up.sql"
    );
    assert_eq!(m[4].transaction(), Transaction::Disabled);
    assert_eq!(
        m[4].down().map(|d| d.transaction()),
        Some(Transaction::Disabled)
    );
    assert!(m[..4]
        .iter()
        .all(|m| m.transaction() == Transaction::Wrapped));
}
