// a diesel `up.sql` holding dbmate sections: diesel runs the whole file, down section and all
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/dbmate-markers-in-diesel-up");

fn main() {}
