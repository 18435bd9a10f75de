// goose strips `--` and spaces before reading `+goose Up`, so `--+goose Up` is a marker; the
// down section stays out of the up script
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-marker-without-space");

fn main() {
    let m = MIGRATOR.migrations();
    assert_eq!(m.len(), 2);
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n\n"
    );
    assert_eq!(m[0].down_sql(), Some("drop table users;\n"));
    assert_eq!(
        m[1].up_sql(),
        "create table posts (id bigint primary key);\n"
    );
    assert_eq!(m[1].down_sql(), Some("drop table posts;\n"));
}
