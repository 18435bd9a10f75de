// dbmate files: `-- migrate:up` / `-- migrate:down` sections and `transaction:false`
use migrate::Transaction;

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/dbmate");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [20240101000000, 20240102000000, 20240103000000]);
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["create_users", "index_users", "seed"]);
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n\n"
    );
    assert_eq!(m[0].down_sql(), Some("drop table users;\n"));
    assert_eq!(m[0].transaction(), Transaction::Wrapped);
    assert_eq!(m[1].transaction(), Transaction::Disabled);
    assert_eq!(
        m[1].down().map(|d| d.transaction()),
        Some(Transaction::Wrapped)
    );
    assert_eq!(m[2].up_sql(), "insert into users (id) values (1);\n");
    assert_eq!(m[2].down_sql(), None);
}
