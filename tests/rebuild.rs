//! A crate embedding migrations sees, at its next `cargo build`, an edited migration (through
//! the expansion's `include_str!`) and an added one (through `migrate::build::track`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Builds and runs the scratch crate; returns what it printed.
fn run(dir: &Path, target: &Path) -> String {
    let out = Command::new(cargo())
        .args(["run", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("MIGRATE_MANIFEST_DIR_OVERRIDE")
        .output()
        .unwrap_or_else(|e| panic!("cargo: {e}"));
    assert!(
        out.status.success(),
        "scratch crate failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn edited_and_added_migrations_are_picked_up_by_the_next_build() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // A target dir of its own: the outer `cargo test` holds the lock on the workspace's.
    let target = root.join("target/tests/rebuild");
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("src")).ok();
    std::fs::create_dir_all(dir.join("migrations")).ok();
    let root_text = root.to_string_lossy().replace('\\', "/");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"scratch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
             [dependencies]\nmigrate-db = {{ path = \"{root_text}\" }}\n\n\
             [build-dependencies]\nmigrate-db = {{ path = \"{root_text}\" }}\n"
        ),
    );
    if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
        write(&dir.join("Cargo.lock"), &lock);
    }
    write(
        &dir.join("build.rs"),
        "fn main() {\n    migrate::build::track(\"migrations\");\n}\n",
    );
    write(
        &dir.join("src/main.rs"),
        "static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(\"migrations\");\n\
         fn main() {\n    for m in MIGRATOR.migrations() {\n        \
         println!(\"{} {} {}\", m.version(), m.name(), m.up_sql().trim());\n    }\n}\n",
    );
    write(
        &dir.join("migrations/1_users.sql"),
        "create table users (id int);\n",
    );
    assert_eq!(run(&dir, &target), "1 users create table users (id int);\n");

    // mtimes must move past the previous build's for cargo to see the change
    std::thread::sleep(Duration::from_millis(1100));
    write(
        &dir.join("migrations/1_users.sql"),
        "create table users (id bigint);\n",
    );
    assert_eq!(
        run(&dir, &target),
        "1 users create table users (id bigint);\n"
    );

    std::thread::sleep(Duration::from_millis(1100));
    write(
        &dir.join("migrations/2_posts.sql"),
        "create table posts (id int);\n",
    );
    assert_eq!(
        run(&dir, &target),
        "1 users create table users (id bigint);\n2 posts create table posts (id int);\n"
    );

    std::thread::sleep(Duration::from_millis(1100));
    std::fs::remove_file(dir.join("migrations/2_posts.sql")).ok();
    assert_eq!(
        run(&dir, &target),
        "1 users create table users (id bigint);\n"
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("migrate-rebuild-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}
