// `1_create_users.up.sql` is the up script of a pair, but holds goose sections: its down
// section would run as part of the up
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-markers-in-up-file");

fn main() {}
