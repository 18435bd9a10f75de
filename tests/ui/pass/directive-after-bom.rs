// a UTF-8 byte order mark before `-- migrate:no-transaction` does not hide the directive
use migrate::Transaction;

static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/directive-after-bom");

fn main() {
    let m = MIGRATOR.migrations();
    assert_eq!(m[0].transaction(), Transaction::Disabled);
    assert!(m[0].up_sql().starts_with("-- migrate:no-transaction\n"));
}
