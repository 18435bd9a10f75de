//! Writes (or with `--check`, verifies) the lock of a migrations directory, until the
//! `migrate lock` command of the CLI takes this over:
//!
//! ```text
//! cargo run -p migrate-core --example lock -- migrations [--check]
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or("migrations", String::as_str);
    // Released migrations may not be locked yet: read the set with the lock's own checks only.
    let set = match migrate_core::load(dir.as_ref(), dir, &migrate_core::Options::default()) {
        Ok(set) => set,
        Err(problems) => {
            eprintln!("{problems}");
            return ExitCode::FAILURE;
        }
    };
    let text = set.to_lock().render();
    let current = std::fs::read_to_string(&set.lock_path).unwrap_or_default();
    if current == text {
        println!(
            "{}: up to date ({} migration(s))",
            set.lock_path.display(),
            set.migrations.len()
        );
        return ExitCode::SUCCESS;
    }
    if check {
        eprintln!(
            "{}: stale: run `cargo run -p migrate-core --example lock -- {dir}`",
            set.lock_path.display()
        );
        return ExitCode::FAILURE;
    }
    match std::fs::write(&set.lock_path, text) {
        Ok(()) => {
            println!(
                "{}: written ({} migration(s))",
                set.lock_path.display(),
                set.migrations.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: cannot write: {e}", set.lock_path.display());
            ExitCode::FAILURE
        }
    }
}
