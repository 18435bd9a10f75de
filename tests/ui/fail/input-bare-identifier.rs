// an identifier where the directory goes (the path must be a string literal)
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(migrations);

fn main() {}
