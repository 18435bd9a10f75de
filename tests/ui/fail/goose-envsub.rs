// goose's `ENVSUBST ON` would put environment variables into the SQL at run time: not
// supported, since the build checks and locks the SQL as written
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/goose-envsub");

fn main() {}
