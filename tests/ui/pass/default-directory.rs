// no directory given: `migrations` at the crate root (here the workspace's example set)
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!();

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(
        versions,
        [
            20240101000000,
            20240102000000,
            20240103000000,
            20240104000000,
            20240105000000
        ]
    );
    assert_eq!(m[0].name(), "create_users");
    assert_eq!(
        m[0].up().file(),
        "migrations/20240101000000_create_users.up.sql"
    );
    assert!(m[0].down_sql().is_some());
    assert!(m[2].down_sql().is_none());
    assert_eq!(m[3].transaction(), migrate::Transaction::Disabled);
}
