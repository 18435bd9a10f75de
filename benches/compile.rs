//! Compile-time cost of embedding N migrations, beside sqlx's `migrate!` on the same files:
//! incremental rebuild after one migration is touched (mtime only) or edited, in the dev and
//! release profiles; whether a new file is picked up by the next build; and binary size per
//! migration beyond its SQL bytes.
//!
//! ```text
//! cargo bench --bench compile            # N = 1000
//! cargo bench --bench compile -- --full  # N = 1000 and 5000
//! ```
//!
//! It builds scratch crates in `target/compile-bench/` (a target directory of their own) with
//! the cargo that runs it; the first build of each profile compiles the dependencies and is
//! not measured. Each rebuild time is the median of three.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TOOLS: [&str; 3] = ["migrate", "sqlx", "plain"];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn migration(i: usize, salt: &str) -> String {
    format!(
        "-- migration {i}{salt}\nCREATE TABLE t_{i} (\n    id BIGINT PRIMARY KEY,\n    name VARCHAR(100) NOT NULL\n);\nCREATE INDEX t_{i}_name ON t_{i} (name);\nINSERT INTO t_{i} (id, name) VALUES ({i}, 'row {i}');\n"
    )
}

/// A scratch crate embedding `dir` with `tool`; `plain` embeds the same SQL with
/// `include_str!` in a static array, the floor for binary size.
fn scratch(root: &Path, tool: &str, n: usize, repo: &Path) -> PathBuf {
    let dir = root.join(format!("{tool}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let repo = repo.display().to_string().replace('\\', "/");
    let deps = match tool {
        "migrate" => format!("migrate-db = {{ path = \"{repo}\" }}\n\n[build-dependencies]\nmigrate-db = {{ path = \"{repo}\" }}\n"),
        "sqlx" => "sqlx = { version = \"0.9\", default-features = false, features = [\"macros\", \"migrate\"] }\n".to_owned(),
        _ => String::new(),
    };
    write(
        &dir.join("Cargo.toml"),
        &format!("[package]\nname = \"scratch-{tool}-{n}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\n{deps}"),
    );
    if let Ok(lock) = std::fs::read_to_string(repo_path().join("Cargo.lock")) {
        write(&dir.join("Cargo.lock"), &lock);
    }
    for i in 1..=n {
        write(
            &dir.join(format!("migrations/{i:06}_m{i}.sql")),
            &migration(i, ""),
        );
    }
    std::fs::create_dir_all(dir.join("migrations")).expect("migrations dir");
    let main = match tool {
        "migrate" => {
            write(
                &dir.join("build.rs"),
                "fn main() {\n    migrate::build::track(\"migrations\");\n}\n",
            );
            "static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(\"migrations\");\n\
             fn main() {\n    let m = MIGRATOR.migrations();\n    println!(\"{} {}\", m.len(), m.iter().map(|m| m.up_sql().len()).sum::<usize>());\n}\n"
                .to_owned()
        }
        "sqlx" => {
            // sqlx's documented way to see new files: a build script that watches the directory
            write(
                &dir.join("build.rs"),
                "fn main() {\n    println!(\"cargo:rerun-if-changed=migrations\");\n}\n",
            );
            "static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!(\"./migrations\");\n\
             fn main() {\n    let m = MIGRATOR.iter().collect::<Vec<_>>();\n    println!(\"{} {}\", m.len(), m.iter().map(|m| m.sql.as_str().len()).sum::<usize>());\n}\n"
                .to_owned()
        }
        _ => {
            let items: String = (1..=n)
                .map(|i| format!("    include_str!(\"../migrations/{i:06}_m{i}.sql\"),\n"))
                .collect();
            format!(
                "static SQL: &[&str] = &[\n{items}];\n\
                 fn main() {{\n    println!(\"{{}} {{}}\", SQL.len(), SQL.iter().map(|s| s.len()).sum::<usize>());\n}}\n"
            )
        }
    };
    write(&dir.join("src/main.rs"), &main);
    dir
}

fn repo_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build(dir: &Path, target: &Path, release: bool) -> Duration {
    let mut cmd = Command::new(cargo());
    cmd.arg("build")
        .arg("--quiet")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    if release {
        cmd.arg("--release");
    }
    let start = Instant::now();
    let out = cmd.output().expect("cargo build");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "build of {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn run(dir: &Path, target: &Path, release: bool) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bin = target
        .join(if release { "release" } else { "debug" })
        .join(format!("scratch-{name}"));
    let out = Command::new(&bin).output().expect("run scratch binary");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn binary_size(dir: &Path, target: &Path) -> u64 {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bin = target.join("release").join(format!("scratch-{name}"));
    let stripped = target.join(format!("{name}.stripped"));
    let _ = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&bin)
        .output();
    std::fs::metadata(&stripped)
        .or_else(|_| std::fs::metadata(&bin))
        .map(|m| m.len())
        .unwrap_or(0)
}

fn touch(path: &Path) {
    let text = std::fs::read(path).expect("read");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(path, text).expect("touch");
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Rebuilds timed per cell: the median is reported.
const SAMPLES: usize = 3;

fn median(samples: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..samples).map(|_| f()).collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--full");
    let sizes: &[usize] = if full { &[1000, 5000] } else { &[1000] };
    let root = repo_path().join("target/compile-bench");
    let target = root.join("target");
    println!("# compile-time cost: migrate vs sqlx 0.9 `migrate!` (and `plain`: the same SQL in an include_str! array)");
    println!(
        "rustc: {}",
        String::from_utf8_lossy(
            &Command::new("rustc")
                .arg("--version")
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default()
        )
        .trim()
    );
    println!();
    // binary size floor: empty sets
    let mut empty = std::collections::BTreeMap::new();
    for tool in TOOLS {
        let dir = scratch(&root, tool, 0, &repo_path());
        build(&dir, &target, true);
        empty.insert(tool, binary_size(&dir, &target));
    }
    for &n in sizes {
        println!("## N = {n}");
        println!("| | touch one, dev | edit one, dev | touch one, release | edit one, release | new file seen by next build | binary bytes per migration beyond SQL |");
        println!("|---|---|---|---|---|---|---|");
        let mut rows = Vec::new();
        for tool in TOOLS {
            let dir = scratch(&root, tool, n, &repo_path());
            let file = dir.join(format!("migrations/{:06}_m{}.sql", n / 2, n / 2));
            let mut times = Vec::new();
            for release in [false, true] {
                build(&dir, &target, release); // dependencies and first build: not measured
                let touched = median(SAMPLES, || {
                    touch(&file);
                    build(&dir, &target, release)
                });
                let mut edits = 0;
                let edited = median(SAMPLES, || {
                    edits += 1;
                    std::thread::sleep(Duration::from_millis(1100));
                    write(
                        &file,
                        &migration(n / 2, &format!(" edited {release} {edits}")),
                    );
                    build(&dir, &target, release)
                });
                times.push((touched, edited));
            }
            // a new file: is it in the table after the next build?
            let before = run(&dir, &target, true);
            std::thread::sleep(Duration::from_millis(1100));
            write(
                &dir.join(format!("migrations/{:06}_m{}.sql", n + 1, n + 1)),
                &migration(n + 1, ""),
            );
            build(&dir, &target, true);
            let after = run(&dir, &target, true);
            let seen = if tool == "plain" {
                "n/a".to_owned()
            } else {
                let count = |s: &str| {
                    s.split(' ')
                        .next()
                        .and_then(|c| c.parse::<usize>().ok())
                        .unwrap_or(0)
                };
                format!(
                    "{} ({} → {})",
                    if count(&after) == count(&before) + 1 {
                        "yes"
                    } else {
                        "NO"
                    },
                    count(&before),
                    count(&after)
                )
            };
            // size: rebuild at N to measure, SQL bytes from the binary's own report
            std::fs::remove_file(dir.join(format!("migrations/{:06}_m{}.sql", n + 1, n + 1))).ok();
            build(&dir, &target, true);
            let report = run(&dir, &target, true);
            let sql_bytes: u64 = report
                .split(' ')
                .nth(1)
                .and_then(|b| b.parse().ok())
                .unwrap_or(0);
            let size = binary_size(&dir, &target);
            let per = (size as f64 - empty[tool] as f64 - sql_bytes as f64) / n as f64;
            println!(
                "| {tool} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {seen} | {per:.0} |",
                secs(times[0].0),
                secs(times[0].1),
                secs(times[1].0),
                secs(times[1].1)
            );
            rows.push((tool, times, per));
        }
        let get = |tool: &str| rows.iter().find(|r| r.0 == tool).cloned();
        if let Some(ours) = get("migrate") {
            for other in ["sqlx", "plain"] {
                let Some(them) = get(other) else { continue };
                println!(
                    "ratios migrate/{other}: touch dev {:.2}, edit dev {:.2}, touch release {:.2}, edit release {:.2}, bytes per migration {:.2}",
                    secs(ours.1[0].0) / secs(them.1[0].0),
                    secs(ours.1[0].1) / secs(them.1[0].1),
                    secs(ours.1[1].0) / secs(them.1[1].0),
                    secs(ours.1[1].1) / secs(them.1[1].1),
                    ours.2 / them.2
                );
            }
            println!();
        }
    }
}
