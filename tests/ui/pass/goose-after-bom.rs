// a UTF-8 byte order mark before `-- +goose Up` does not hide the marker
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-after-bom");

fn main() {
    let m = MIGRATOR.migrations();
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n\n"
    );
    assert_eq!(m[0].down_sql(), Some("drop table users;\n"));
}
