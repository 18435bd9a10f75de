//! `migrate fleet status|plan|up` against real servers: 500 schema tenants on a private
//! PostgreSQL cluster, databases over two clusters and MariaDB, SQLite files, and a fleet run
//! killed with SIGKILL then resumed. One cluster serves the whole binary; without the servers
//! the parts are skipped with a notice, except under `CI=true`.

#[path = "../../tests/support/servers.rs"]
mod servers;
mod support;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use servers::TempCluster;
use support::{Run, Work};

const OK: i32 = 0;
const ERROR: i32 = 1;
const NOT_UP_TO_DATE: i32 = 3;

/// The binary's cluster, started at the first call.
fn cluster() -> Option<&'static TempCluster> {
    static CLUSTER: OnceLock<Option<TempCluster>> = OnceLock::new();
    CLUSTER.get_or_init(|| TempCluster::start(&[])).as_ref()
}

/// A new database `name` on `cluster`, and its URL.
fn database(cluster: &TempCluster, name: &str) -> String {
    cluster
        .create_database(name)
        .unwrap_or_else(|e| panic!("{e}"));
    cluster.url(name)
}

/// `migrate --database-url <url> fleet <args>` in `w`.
fn fleet(w: &Work, url: &str, args: &[&str]) -> Run {
    let mut all = vec!["--database-url", url, "fleet"];
    all.extend_from_slice(args);
    w.migrate(&all)
}

/// Each tenant's field `field` of a fleet JSON document, by the tenant's name (a schema, or
/// the last part of a database URL).
fn by_tenant(json: &Value, field: &str) -> BTreeMap<String, Value> {
    json["tenants"]
        .as_array()
        .unwrap_or_else(|| panic!("no tenants in {json}"))
        .iter()
        .map(|t| {
            let target = t["target"].as_str().unwrap_or_default();
            let name = target.split(" (").next().unwrap_or(target);
            let name = name.rsplit(['/', ':']).next().unwrap_or(name);
            (name.to_owned(), t[field].clone())
        })
        .collect()
}

/// How many tenants have each value of `field`.
fn tally(json: &Value, field: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for value in by_tenant(json, field).into_values() {
        let key = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// `psql -At -c sql` on `db`: the rows, `|`-separated.
fn rows(cluster: &TempCluster, db: &str, sql: &str) -> Vec<String> {
    let output = cluster
        .psql(db)
        .args(["-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The newest tracking version of every `tenant_%` schema, read from the catalogue itself:
/// `-` for a schema without a tracking table.
fn catalogue_newest(cluster: &TempCluster, db: &str, pattern: &str) -> BTreeMap<String, Value> {
    let sql = format!(
        "SELECT n.nspname, CASE WHEN to_regclass(format('%I._migrations', n.nspname)) IS NULL THEN '-' \
         ELSE (xpath('/row/m/text()', query_to_xml(format('SELECT max(version) AS m FROM %I._migrations', n.nspname), false, true, '')))[1]::text END \
         FROM pg_namespace n WHERE n.nspname LIKE '{pattern}' ORDER BY 1"
    );
    rows(cluster, db, &sql)
        .into_iter()
        .map(|row| {
            let (schema, newest) = row.split_once('|').unwrap_or((&row, "-"));
            let newest = match newest.parse::<i64>() {
                Ok(v) => Value::from(v),
                Err(_) => Value::Null,
            };
            (schema.to_owned(), newest)
        })
        .collect()
}

/// The five migrations of the schema fleet: unqualified names (they must land in the tenant),
/// a statement-by-statement migration that a relation in the way leaves dirty half-way, and a
/// function from the shared `public` schema.
fn schema_set(w: &Work) {
    w.write(
        "migrations/1_accounts.sql",
        "CREATE TABLE accounts (id INT PRIMARY KEY, name TEXT NOT NULL);\n\
         INSERT INTO accounts VALUES (1, current_schema());\n",
    )
    .write(
        "migrations/2_orders.sql",
        "CREATE TABLE orders (id INT PRIMARY KEY, account INT REFERENCES accounts (id));\n",
    )
    .write(
        "migrations/3_note.sql",
        "-- migrate:no-transaction\n\
         ALTER TABLE accounts ADD COLUMN note TEXT;\n\
         CREATE INDEX accounts_note_idx ON accounts (note);\n",
    )
    .write(
        "migrations/4_audit.sql",
        "CREATE TABLE audit (what TEXT NOT NULL);\n",
    )
    .write(
        "migrations/5_seed.sql",
        "INSERT INTO audit (what) SELECT tenant_label(name) FROM accounts;\n",
    );
    // the first two only, for the tenants migrated part-way by an older release
    for file in ["1_accounts.sql", "2_orders.sql"] {
        let text = w.read(&format!("migrations/{file}"));
        w.write(&format!("early/{file}"), &text);
    }
}

/// 500 tenant schemas — fresh, at head, part-way, one with a conflicting table, one dirty —
/// brought to the head by `fleet up --jobs 8 --continue-on-error`, which reports exactly the
/// two bad tenants and exits 1; a second `up` after the repairs finishes; `status` agrees
/// with the catalogue all along.
#[test]
fn five_hundred_schemas() {
    let Some(cluster) = cluster() else {
        return;
    };
    let url = database(cluster, "schemas");
    cluster
        .execute(
            "schemas",
            "DO $$ BEGIN FOR i IN 0..499 LOOP \
             EXECUTE format('CREATE SCHEMA %I', 'tenant_' || lpad(i::text, 3, '0')); END LOOP; END $$; \
             CREATE FUNCTION public.tenant_label(t TEXT) RETURNS TEXT LANGUAGE sql AS $$ SELECT 'tenant ' || t $$; \
             CREATE SCHEMA unrelated",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let w = Work::new("fleet-schemas");
    schema_set(&w);
    let shared = ["--shared-schemas", "public"];

    // tenants 000-009 at the head; 100-199 part-way (an older release); 250 has a table of
    // its own in the way of migration 2; 300 is left dirty in migration 3
    fleet(
        &w,
        &url,
        &[
            "--schemas",
            "tenant_00%",
            "up",
            "--shared-schemas",
            "public",
        ],
    )
    .code(OK);
    fleet(
        &w,
        &url,
        &["--source", "early", "--schemas", "tenant_1%", "up"],
    )
    .code(OK)
    .out("100 migrated");
    cluster
        .execute(
            "schemas",
            "CREATE TABLE tenant_250.orders (id INT); \
             CREATE TABLE tenant_300.accounts_note_idx (id INT)",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    fleet(&w, &url, &["--schemas", "tenant_300", "up"])
        .code(ERROR)
        .err("tenant_300")
        .err("accounts_note_idx");
    // without the shared schema, tenant_label is nowhere on the path
    fleet(&w, &url, &["--schemas", "tenant_010", "up"])
        .code(ERROR)
        .err("tenant_label");

    let status = fleet(
        &w,
        &url,
        &["--schemas", "tenant_%", "status", "--format", "json"],
    );
    let json = status.code(OK).json();
    let states = tally(&json, "state");
    let expected: BTreeMap<String, usize> = [
        ("at head", 10),
        ("behind", 101),
        ("dirty", 1),
        ("untracked", 388),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(states, expected, "{json}");
    assert_eq!(
        by_tenant(&json, "newest"),
        catalogue_newest(cluster, "schemas", "tenant\\_%")
    );
    assert_eq!(by_tenant(&json, "pending")["tenant_150"], 3);
    fleet(
        &w,
        &url,
        &["--schemas", "tenant_%", "status", "--exit-code"],
    )
    .code(NOT_UP_TO_DATE)
    .out("10 at head");

    // the plan: what each tenant not at the head would get, the dirty one's error
    let plan = fleet(&w, &url, &["--schemas", "tenant_150,tenant_300", "plan"]);
    plan.code(ERROR).err("is dirty");
    let plan = fleet(
        &w,
        &url,
        &[
            "--schemas",
            "tenant_150,tenant_005",
            "plan",
            "--format",
            "json",
        ],
    );
    let steps = by_tenant(&plan.code(OK).json(), "steps");
    assert_eq!(steps["tenant_150"].as_array().map(Vec::len), Some(3));
    assert_eq!(steps["tenant_005"].as_array().map(Vec::len), Some(0));

    // the fleet run: exactly the two bad tenants fail, everything else reaches the head
    let mut args = vec![
        "--schemas",
        "tenant_%",
        "up",
        "--jobs",
        "8",
        "--continue-on-error",
    ];
    args.extend(shared);
    args.extend(["--format", "json"]);
    let run = fleet(&w, &url, &args);
    let report = run.code(ERROR).json();
    let outcomes = tally(&report, "state");
    assert_eq!(outcomes.get("failed"), Some(&2), "{report}");
    assert_eq!(outcomes.get("up to date"), Some(&10), "{report}");
    assert_eq!(outcomes.get("migrated"), Some(&488), "{report}");
    let errors = by_tenant(&report, "error");
    let failed: Vec<&String> = errors
        .iter()
        .filter(|(_, e)| !e.is_null())
        .map(|(t, _)| t)
        .collect();
    assert_eq!(failed, ["tenant_250", "tenant_300"]);
    let conflict = errors["tenant_250"].as_str().unwrap_or_default();
    assert!(
        conflict.contains("2_orders.sql") && conflict.contains("orders"),
        "{conflict}"
    );
    let dirty = errors["tenant_300"].as_str().unwrap_or_default();
    assert!(
        dirty.contains("is dirty")
            && dirty.contains("3_note.sql")
            && dirty.contains("statement 1 of 2"),
        "{dirty}"
    );
    let after = by_tenant(&report, "after");
    assert_eq!(after["tenant_499"], 5);
    assert_eq!(after["tenant_250"], 1);
    // nothing of a failed tenant moved, nothing landed outside the tenants
    assert_eq!(
        rows(cluster, "schemas", "SELECT count(*) FROM tenant_250.orders"),
        ["0"]
    );
    assert_eq!(
        rows(
            cluster,
            "schemas",
            "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'unrelated')"
        ),
        ["0"]
    );
    // each tenant's rows name the tenant: the migrations ran with its schema first
    let labels = rows(
        cluster,
        "schemas",
        "SELECT count(*) FROM pg_namespace n WHERE n.nspname LIKE 'tenant\\_%' \
         AND to_regclass(format('%I.audit', n.nspname)) IS NOT NULL \
         AND (xpath('/row/w/text()', query_to_xml(format('SELECT what AS w FROM %I.audit', n.nspname), false, true, '')))[1]::text = 'tenant ' || n.nspname",
    );
    assert_eq!(labels, ["498"]);

    // repair both, resume the dirty one: a second run finishes
    cluster
        .execute(
            "schemas",
            "DROP TABLE tenant_250.orders; DROP TABLE tenant_300.accounts_note_idx",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let mut args = vec!["--schemas", "tenant_%", "up", "--jobs", "8", "--resume"];
    args.extend(shared);
    fleet(&w, &url, &args)
        .code(OK)
        .out("2 migrated")
        .out("498 up to date");
    let json = fleet(
        &w,
        &url,
        &["--schemas", "tenant_%", "status", "--format", "json"],
    )
    .code(OK)
    .json();
    assert_eq!(tally(&json, "state").get("at head"), Some(&500), "{json}");
    assert_eq!(
        by_tenant(&json, "newest"),
        catalogue_newest(cluster, "schemas", "tenant\\_%")
    );
    fleet(
        &w,
        &url,
        &["--schemas", "tenant_%", "status", "--exit-code"],
    )
    .code(OK);
    assert_eq!(
        rows(
            cluster,
            "schemas",
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'accounts_note_idx'"
        ),
        ["500"]
    );
}

/// A fleet run killed with SIGKILL mid-way: the tenant it was on rolled back with its
/// connection, and the next run skips the tenants at the head and finishes the others, each
/// migration's side effect once.
#[test]
fn killed_and_resumed() {
    let Some(cluster) = cluster() else {
        return;
    };
    let url = database(cluster, "killed");
    cluster
        .execute(
            "killed",
            "DO $$ BEGIN FOR i IN 0..39 LOOP \
             EXECUTE format('CREATE SCHEMA %I', 'k_' || lpad(i::text, 2, '0')); END LOOP; END $$",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let w = Work::new("fleet-killed");
    w.write("migrations/1_log.sql", "CREATE TABLE log (note INT);\n")
        .write(
            "migrations/2_slow.sql",
            "INSERT INTO log VALUES (2);\nSELECT pg_sleep(0.15);\n",
        )
        .write("migrations/3_after.sql", "INSERT INTO log VALUES (3);\n");
    let at_head = || {
        rows(
            cluster,
            "killed",
            "SELECT count(*) FROM pg_namespace n WHERE n.nspname LIKE 'k\\_%' \
             AND to_regclass(format('%I._migrations', n.nspname)) IS NOT NULL \
             AND (xpath('/row/m/text()', query_to_xml(format('SELECT max(version) AS m FROM %I._migrations', n.nspname), false, true, '')))[1]::text = '3'",
        )
        .first()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0)
    };
    let mut child = w.spawn(&[
        "--database-url",
        &url,
        "fleet",
        "--schemas",
        "k_%",
        "up",
        "--jobs",
        "2",
    ]);
    let started = Instant::now();
    while at_head() < 6 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the fleet run made no progress"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap_or_else(|e| panic!("kill: {e}"));
    let killed = support::finish(child);
    assert_ne!(
        killed.code, OK,
        "the run finished before it was killed:\n{killed}"
    );
    let done = at_head();
    assert!(done < 40, "the run finished before it was killed");

    let report = fleet(
        &w,
        &url,
        &["--schemas", "k_%", "up", "--jobs", "4", "--format", "json"],
    );
    let outcomes = tally(&report.code(OK).json(), "state");
    assert_eq!(outcomes.get("up to date"), Some(&done), "{report}");
    assert_eq!(outcomes.get("migrated"), Some(&(40 - done)), "{report}");
    assert_eq!(at_head(), 40);
    let twice = rows(
        cluster,
        "killed",
        "SELECT count(*) FROM pg_namespace n WHERE n.nspname LIKE 'k\\_%' \
         AND (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.log', n.nspname), false, true, '')))[1]::text <> '2'",
    );
    assert_eq!(
        twice,
        ["0"],
        "a tenant's log does not hold exactly notes 2 and 3"
    );
}

/// A database fleet over two PostgreSQL clusters and the MariaDB server, plus one server that
/// is down: the others are migrated, the down one is reported (without its password).
#[test]
fn databases_on_three_servers() {
    let Some(first) = cluster() else {
        return;
    };
    let Some(second) = TempCluster::start(&[]) else {
        return;
    };
    let Some(maria) = servers::available(migrate::testing::TempMariaDb::start()) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut urls = vec![
        database(first, "a1"),
        database(first, "a2"),
        database(&second, "b1"),
        database(&second, "b2"),
    ];
    for name in ["m1", "m2"] {
        runtime
            .block_on(maria.create_database(name))
            .unwrap_or_else(|e| panic!("{e}"));
        urls.push(maria.url(name));
    }
    let w = Work::new("fleet-databases");
    w.write(
        "migrations/1_items.sql",
        "CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(40));\n",
    )
    .write(
        "migrations/2_one.sql",
        "INSERT INTO items VALUES (1, 'one');\n",
    )
    .write(
        "migrations/3_tags.sql",
        "CREATE TABLE tags (id INT PRIMARY KEY);\n",
    )
    .write(
        "tenants.txt",
        &format!("# every tenant, one per line\n{}\n\n", urls.join("\n")),
    );
    let file = ["--databases", "tenants.txt"];
    let m = |args: &[&str]| {
        let mut all = vec!["fleet"];
        all.extend(file);
        all.extend_from_slice(args);
        w.migrate(&all)
    };

    m(&["status", "--exit-code"])
        .code(NOT_UP_TO_DATE)
        .out("6 untracked");
    m(&["up", "--jobs", "3"]).code(OK).out("6 migrated");
    let json = m(&["status", "--format", "json", "--exit-code"])
        .code(OK)
        .json();
    let newest = by_tenant(&json, "newest");
    assert_eq!(newest.len(), 6, "{json}");
    assert!(newest.values().all(|v| *v == 3), "{json}");

    w.write(
        "migrations/4_more.sql",
        "INSERT INTO items VALUES (2, 'two');\n",
    );
    let plan = m(&["plan", "--format", "json"]).code(OK).json();
    let steps = by_tenant(&plan, "steps");
    assert!(
        steps
            .values()
            .all(|s| s.as_array().map(Vec::len) == Some(1)),
        "{plan}"
    );
    m(&["status", "--exit-code"])
        .code(NOT_UP_TO_DATE)
        .out("6 behind");

    // a seventh tenant whose server is down
    let down = format!(
        "postgres://postgres:s3cret@127.0.0.1:{}/gone",
        support::free_port()
    );
    w.write("tenants.txt", &format!("{}\n{down}\n", urls.join("\n")));
    let run = m(&["up", "--continue-on-error", "--format", "json"]);
    let report = run.code(ERROR).no_out("s3cret").no_err("s3cret").json();
    let outcomes = tally(&report, "state");
    assert_eq!(outcomes.get("migrated"), Some(&6), "{report}");
    assert_eq!(outcomes.get("failed"), Some(&1), "{report}");
    m(&["status"])
        .code(ERROR)
        .out("unreachable")
        .no_out("s3cret");
    let counts = [
        first.execute("a1", "SELECT count(*) FROM items"),
        second.execute("b2", "SELECT count(*) FROM items"),
    ];
    for count in counts {
        assert!(count.unwrap_or_else(|e| panic!("{e}")).contains('2'));
    }
}

/// SQLite files by glob: a canary group that fails stops the fleet, stop-at-first-failure
/// skips the rest, `--continue-on-error` goes on, and once the bad file is repaired all reach
/// the head.
#[test]
fn sqlite_files() {
    let w = Work::new("fleet-sqlite");
    w.write(
        "migrations/1_items.sql",
        "CREATE TABLE items (id INT PRIMARY KEY);\n",
    )
    .write("migrations/2_one.sql", "INSERT INTO items VALUES (1);\n")
    .write("tenants/readme.txt", "not a tenant\n");
    for n in 1..=6 {
        w.write(&format!("tenants/t{n}.db"), "");
    }
    // t2 is not a database at all
    w.write(
        "tenants/t2.db",
        &"this is not a SQLite database ".repeat(200),
    );
    let glob = ["--sqlite", "tenants/t*.db", "--jobs", "1"];
    let m = |args: &[&str]| {
        let mut all = vec!["fleet"];
        all.extend(glob);
        all.extend_from_slice(args);
        w.migrate(&all)
    };

    let status = m(&["status", "--format", "json"]).code(ERROR).json();
    assert_eq!(by_tenant(&status, "state").len(), 6, "{status}");
    assert_eq!(by_tenant(&status, "state")["t2.db"], "unreachable");

    // the canary group (t1, t2) fails: nobody else is started
    let canary = m(&[
        "up",
        "--canary",
        "2",
        "--continue-on-error",
        "--format",
        "json",
    ]);
    let report = canary.code(ERROR).json();
    let states = by_tenant(&report, "state");
    assert_eq!(states["t1.db"], "migrated");
    assert_eq!(states["t2.db"], "failed");
    for n in 3..=6 {
        assert_eq!(states[&format!("t{n}.db")], "skipped", "{report}");
    }
    // stop at the first failure: t3 onwards not started
    let stopped = m(&["up", "--format", "json"]).code(ERROR).json();
    let states = by_tenant(&stopped, "state");
    assert_eq!(states["t1.db"], "up to date");
    assert_eq!(states["t3.db"], "skipped", "{stopped}");
    // going on past it
    let went_on = m(&["up", "--continue-on-error", "--format", "json"])
        .code(ERROR)
        .json();
    let outcomes = tally(&went_on, "state");
    assert_eq!(outcomes.get("migrated"), Some(&4), "{went_on}");
    assert_eq!(outcomes.get("failed"), Some(&1), "{went_on}");

    w.write("tenants/t2.db", "");
    m(&["up"]).code(OK).out("1 migrated").out("5 up to date");
    m(&["status", "--exit-code"]).code(OK).out("6 at head");
    m(&["up"]).code(OK).out("6 up to date");
}

/// Asking for no tenant, or schemas without a server, is a usage error.
#[test]
fn usage_errors() {
    let w = Work::new("fleet-usage");
    w.write("migrations/1_a.sql", "CREATE TABLE a (id INT);\n");
    w.migrate(&["fleet", "status"]).code(2).err("no tenants");
    w.migrate(&["fleet", "--schemas", "t_%", "status"])
        .code(2)
        .err("--database-url");
    w.migrate(&["fleet", "--sqlite", "nothing/*.db", "status"])
        .code(ERROR)
        .err("nothing");
    // a server that refuses connections is reported at once, on every tenant of it
    let down = format!(
        "postgres://postgres:s3cret@127.0.0.1:{}/app",
        support::free_port()
    );
    let status = fleet(
        &w,
        &down,
        &["--schemas", "acme,globex", "status", "--format", "json"],
    );
    let json = status.code(ERROR).no_out("s3cret").json();
    assert_eq!(tally(&json, "state").get("unreachable"), Some(&2), "{json}");
    let error = by_tenant(&json, "error")["acme"].to_string();
    assert!(
        error.contains("could not be read") && error.contains("127.0.0.1"),
        "{error}"
    );
    fleet(&w, &down, &["--schemas", "tenant_%", "up"])
        .code(ERROR)
        .no_err("s3cret");
}

/// Repeatable migrations over schema tenants (read in one statement per batch) and SQLite
/// files (one connection each): a tenant whose repeatable migration changed since its last run
/// is behind — not diverged — with the repeatable migration in `plan`, and back at the head
/// after `up`; the same with a new migration, and with the repeatable migration removed.
#[test]
fn repeatable_migrations_over_a_fleet() {
    let Some(cluster) = cluster() else {
        return;
    };
    let url = database(cluster, "repeatables");
    cluster
        .execute(
            "repeatables",
            "CREATE SCHEMA rep_a; CREATE SCHEMA rep_b; CREATE SCHEMA rep_c",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let w = Work::new("fleet-repeatables");
    w.write(
        "migrations/1_items.sql",
        "CREATE TABLE items (id INT PRIMARY KEY);\n",
    );
    let view = |select: &str| {
        format!("DROP VIEW IF EXISTS item_names;\nCREATE VIEW item_names AS SELECT {select} FROM items;\n")
    };
    w.write("migrations/repeatable/item_names.sql", &view("id"));
    for n in 1..=2 {
        w.write(&format!("tenants/t{n}.db"), "");
    }
    let fleets: [&[&str]; 2] = [
        &["--database-url", &url, "fleet", "--schemas", "rep_%"],
        &["fleet", "--sqlite", "tenants/t*.db"],
    ];
    let m = |fleet: &[&str], args: &[&str]| {
        let mut all = fleet.to_vec();
        all.extend_from_slice(args);
        w.migrate(&all)
    };
    let states = |fleet: &[&str]| {
        let json = m(fleet, &["status", "--format", "json"]).code(OK).json();
        let pending = by_tenant(&json, "pending");
        let repeatables = by_tenant(&json, "repeatables");
        let mut seen: Vec<String> = by_tenant(&json, "state")
            .into_iter()
            .map(|(tenant, state)| {
                format!(
                    "{tenant} {} {} {}",
                    state.as_str().unwrap_or("?"),
                    pending[&tenant],
                    repeatables[&tenant]
                )
            })
            .collect();
        seen.sort();
        seen
    };
    for fleet in fleets {
        let count = if fleet.contains(&"--sqlite") { 2 } else { 3 };
        m(fleet, &["up"]).code(OK).out(&format!("{count} migrated"));
        m(fleet, &["status", "--exit-code"])
            .code(OK)
            .out(&format!("{count} at head"));
    }

    // the view changed: behind by one repeatable migration, which plan names
    w.write(
        "migrations/repeatable/item_names.sql",
        &view("id * 2 AS id"),
    );
    for fleet in fleets {
        let states = states(fleet);
        assert!(
            states.iter().all(|s| s.ends_with(" behind 0 1")),
            "{states:?}"
        );
        m(fleet, &["status", "--exit-code"])
            .code(NOT_UP_TO_DATE)
            .out("0 + 1 repeatable");
        m(fleet, &["plan"])
            .code(OK)
            .out(": repeatable item_names")
            .out("have migrations to apply");
        let json = m(fleet, &["plan", "--format", "json"]).code(OK).json();
        let planned = by_tenant(&json, "repeatables");
        assert!(
            planned
                .values()
                .all(|r| r == &serde_json::json!(["item_names"])),
            "{json}"
        );
        m(fleet, &["up"]).code(OK);
        m(fleet, &["status", "--exit-code"]).code(OK);
    }

    // a new migration and the view changed again: sealed at version 1 over the older view
    w.write(
        "migrations/2_more.sql",
        "ALTER TABLE items ADD COLUMN name TEXT;\n",
    )
    .write("migrations/repeatable/item_names.sql", &view("name"));
    for fleet in fleets {
        let states = states(fleet);
        assert!(
            states.iter().all(|s| s.ends_with(" behind 1 1")),
            "{states:?}"
        );
        m(fleet, &["up"]).code(OK);
        m(fleet, &["status", "--exit-code"]).code(OK);
    }

    // the repeatable migration removed: nothing to apply, a run to reseal the newest row
    w.remove("migrations/repeatable");
    for fleet in fleets {
        let states = states(fleet);
        assert!(
            states.iter().all(|s| s.ends_with(" behind 0 0")),
            "{states:?}"
        );
        m(fleet, &["up"]).code(OK);
        m(fleet, &["status", "--exit-code"]).code(OK);
    }
}
