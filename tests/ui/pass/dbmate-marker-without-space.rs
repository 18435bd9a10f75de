// dbmate's markers as dbmate reads them (`^--\s*migrate:up`): no space, or several, after
// `--`; the down section stays out of the up script
use migrate::Transaction;

static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/dbmate-marker-without-space");

fn main() {
    let m = MIGRATOR.migrations();
    assert_eq!(m.len(), 2);
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n\n"
    );
    assert_eq!(m[0].down_sql(), Some("drop table users;\n"));
    assert_eq!(m[0].transaction(), Transaction::Wrapped);
    assert!(!m[1].up_sql().contains("drop"));
    assert_eq!(m[1].transaction(), Transaction::Disabled);
    assert_eq!(m[1].down_sql(), Some("drop index users_id;\n"));
}
