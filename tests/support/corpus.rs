//! The real-world migration sets of `../shared/corpus`, as `sets.json` lists them with the
//! outcome psql and sqlite3 give on their files.
//!
//! Parsing is strict: a field of a shape this reader does not know fails the test, so a new
//! kind of expectation cannot be skipped silently.

#![allow(dead_code)] // each test binary uses part of it

use std::io::Write as _;

use serde_json::Value;

/// The corpus, relative to the crate root (the working directory of tests), so the paths in
/// the runtime's errors read `../shared/corpus/...`. It sits beside the repository, not in it.
pub const CORPUS: &str = "../shared/corpus";

/// The variable that points the corpus tests at another copy of the corpus (or, to see them
/// skip, at a directory that does not exist).
pub const CORPUS_VARIABLE: &str = "MIGRATE_CORPUS";

/// Where the corpus is: `MIGRATE_CORPUS`, else [`CORPUS`].
pub fn root() -> String {
    std::env::var(CORPUS_VARIABLE).unwrap_or_else(|_| CORPUS.to_owned())
}

/// The sets of `sets.json`, or `None` with a notice on stderr saying why the test is skipped
/// when there is no corpus (a clone of the repository alone); under `CI=true` a missing corpus
/// fails the test instead.
pub fn available() -> Option<Vec<Set>> {
    let root = root();
    if std::path::Path::new(&root).join("sets.json").is_file() {
        return Some(sets());
    }
    let what = format!(
        "no corpus at {root} (the real-world migration sets beside the repository; set {CORPUS_VARIABLE} to point elsewhere)"
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what}: CI=true requires it"
    );
    // Past the test harness's capture (which takes `eprintln!`), so that a passing run shows
    // that it skipped something.
    let _ = writeln!(std::io::stderr(), "notice: {what}: skipping this test");
    None
}

/// One entry of `sets.json`.
#[derive(Debug)]
pub struct Set {
    pub name: String,
    /// The migrations directory, relative to the crate root.
    pub dir: String,
    pub scheme: String,
    /// `pg` or `sqlite`.
    pub db: String,
    pub migrations: usize,
    pub up: Up,
    pub down: Option<Down>,
    /// After a passing `down`: nothing but the tracking table is left.
    pub empty_after_down: Option<bool>,
    /// After a passing `down` on PostgreSQL: the statements `pg_dump --schema-only` still shows.
    pub left_after_down: Option<Vec<String>>,
    /// Run before the migrations, in order.
    pub pre_sql: Vec<String>,
}

/// The expected outcome of applying every up script in order.
#[derive(Debug)]
pub enum Up {
    Pass,
    Fails {
        /// `<version>_<description>` of the migration that fails.
        at: String,
        /// How many migrations are applied before it.
        applied_before: usize,
        /// The database's message, after `upstream: `.
        why: String,
    },
}

/// The expected outcome of applying every down script, newest first, going on after failures.
#[derive(Debug)]
pub enum Down {
    Pass,
    Fails {
        /// `<version>_<description>` of the newest migration whose down script fails.
        migration: String,
        /// The client's error text for it (psql's or the sqlite3 shell's).
        error: String,
        /// How many down scripts fail in all.
        failing_downs: usize,
    },
}

/// Every set of `sets.json`; panics, naming the set and the field, on anything unexpected.
pub fn sets() -> Vec<Set> {
    let root = root();
    let path = format!("{root}/sets.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let sets = json
        .as_array()
        .unwrap_or_else(|| panic!("{path}: not an array"));
    sets.iter().map(Set::parse).collect()
}

impl Set {
    fn parse(json: &Value) -> Set {
        let name = string(json, "name", "?");
        let name = name.as_str();
        Set {
            name: name.to_owned(),
            dir: format!("{}/{}", root(), string(json, "dir", name)),
            scheme: string(json, "scheme", name),
            db: string(json, "db", name),
            migrations: json["migrations"]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or_else(|| panic!("{name}: `migrations` is not a count")),
            up: Up::parse(&json["up"], name),
            down: match &json["down"] {
                Value::Null => None,
                down => Some(Down::parse(down, name)),
            },
            empty_after_down: match &json["empty_after_down"] {
                Value::Null => None,
                v => Some(
                    v.as_bool()
                        .unwrap_or_else(|| panic!("{name}: `empty_after_down` is not a bool")),
                ),
            },
            left_after_down: match &json["left_after_down"] {
                Value::Null => None,
                v => Some(strings(v, "left_after_down", name)),
            },
            pre_sql: match &json["pre_sql"] {
                Value::Null => Vec::new(),
                v => strings(v, "pre_sql", name),
            },
        }
    }
}

impl Up {
    fn parse(json: &Value, set: &str) -> Up {
        match json {
            Value::String(s) if s == "pass" => Up::Pass,
            Value::Object(o) if o.contains_key("fails_at") => Up::Fails {
                at: string(json, "fails_at", set),
                applied_before: json["applied_before"]
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or_else(|| panic!("{set}: `up.applied_before` is not a count")),
                why: {
                    let why = string(json, "why", set);
                    why.strip_prefix("upstream: ").unwrap_or(&why).to_owned()
                },
            },
            other => panic!("{set}: unknown `up` outcome {other}"),
        }
    }
}

impl Down {
    fn parse(json: &Value, set: &str) -> Down {
        match json {
            Value::String(s) if s == "pass" => Down::Pass,
            Value::Object(o) if o.contains_key("first_failure") => {
                let first = &json["first_failure"];
                Down::Fails {
                    migration: string(first, "migration", set),
                    error: string(first, "error", set),
                    failing_downs: json["failing_downs"]
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .unwrap_or_else(|| panic!("{set}: `down.failing_downs` is not a count")),
                }
            }
            other => panic!("{set}: unknown `down` outcome {other}"),
        }
    }
}

fn string(json: &Value, key: &str, set: &str) -> String {
    json[key]
        .as_str()
        .unwrap_or_else(|| panic!("{set}: `{key}` is not a string"))
        .to_owned()
}

fn strings(json: &Value, key: &str, set: &str) -> Vec<String> {
    json.as_array()
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_else(|| panic!("{set}: `{key}` is not a list of strings"))
}
