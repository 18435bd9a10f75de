// goose files: up and down sections, a StatementBegin/End block and NO TRANSACTION
use migrate::Transaction;

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/goose");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(
        versions,
        [
            20240101000000,
            20240102000000,
            20240103000000,
            20240104000000
        ]
    );
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["create_users", "touch_function", "index_users", "seed"]
    );
    // each script is its own section, starting below its marker line
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n\n"
    );
    assert_eq!(m[0].up().line(), 2);
    assert_eq!(m[0].down_sql(), Some("drop table users;\n"));
    assert_eq!(m[0].down().map(|d| d.line()), Some(5));
    assert_eq!(
        m[0].up().file(),
        "tests/ui/fixtures/goose/20240101000000_create_users.sql"
    );
    assert!(m[1]
        .up_sql()
        .starts_with("-- +goose StatementBegin\ncreate function touch()"));
    assert!(m[1].up_sql().ends_with("-- +goose StatementEnd\n\n"));
    assert_eq!(m[1].down_sql(), Some("drop function touch;\n"));
    assert_eq!(m[1].transaction(), Transaction::Wrapped);
    assert_eq!(m[2].transaction(), Transaction::Disabled);
    assert_eq!(
        m[2].down().map(|d| d.transaction()),
        Some(Transaction::Disabled)
    );
    assert_eq!(m[3].down_sql(), None);
}
