// an `amend` line and the edited entry written by hand (even with `head` recomputed): the
// seal no longer matches, so the edit of released migration 2 is refused
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/amendment-hand-written");

fn main() {}
