// `-- migrate:lock-timeout` and `-- migrate:statement-timeout` per file (up and down scripts
// alike; `0` turns a runner's default off), and `-- migrate:allow` lines for the lint
use std::time::Duration;

static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/timeout-directives");

fn main() {
    let m = MIGRATOR.migrations();
    assert_eq!(m[0].up().lock_timeout(), Some(Duration::from_millis(100)));
    assert_eq!(m[0].up().statement_timeout(), Some(Duration::from_secs(120)));
    assert_eq!(m[1].up().lock_timeout(), None);
    assert_eq!(m[1].up().statement_timeout(), Some(Duration::ZERO));
    let down = m[1].down().expect("a down script");
    assert_eq!(down.lock_timeout(), Some(Duration::from_secs(5)));
}
