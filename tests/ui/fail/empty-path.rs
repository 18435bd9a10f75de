// `""` would be the crate root itself
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("");

fn main() {}
