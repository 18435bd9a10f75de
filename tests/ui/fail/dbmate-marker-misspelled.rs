// `-- MIGRATE:DOWN` is read by neither dbmate nor this project: the down section would run
// as part of the up script
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/dbmate-marker-misspelled");

fn main() {}
