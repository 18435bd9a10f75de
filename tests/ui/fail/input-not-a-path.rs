// a number where the directory goes: the message shows the forms the macro takes
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(42);

fn main() {}
