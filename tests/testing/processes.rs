//! Templates across processes: one that outlives the test run that built it, processes that
//! race to build it, a build killed halfway. The children share a private cluster and a
//! template directory of the parent's.

use std::process::Output;
use std::time::{Duration, Instant};

use super::children::{self, builds, field};
use super::templates::unique_set;
use crate::dir::Dir;
use crate::servers::TempCluster;

struct Shared {
    cluster: TempCluster,
    templates: Dir,
    set: Dir,
}

impl Shared {
    fn start(set: Dir) -> Option<Shared> {
        Some(Shared {
            cluster: TempCluster::start(&[])?,
            templates: Dir::new(&[]),
            set,
        })
    }

    fn url(&self) -> String {
        self.cluster.url("postgres")
    }

    fn env<'a>(&'a self, db: &'a str) -> [(&'a str, &'a str); 2] {
        [
            ("MIGRATE_TESTING_SET", self.set.path().to_str().unwrap()),
            ("MIGRATE_TESTING_DB", db),
        ]
    }

    fn clone_in_child(&self, db: &str) -> Output {
        let output = children::run(
            "children::clones_a_set",
            &self.url(),
            self.templates.path(),
            &self.env(db),
        );
        assert!(output.status.success(), "{}", children::text(&output));
        output
    }

    fn spawn(&self, db: &str) -> std::process::Child {
        children::spawn(
            "children::clones_a_set",
            &self.url(),
            self.templates.path(),
            &self.env(db),
        )
    }

    fn databases(&self, like: &str) -> String {
        let sql = format!("SELECT datname FROM pg_database WHERE datname LIKE '{like}' ORDER BY 1");
        let out = self
            .cluster
            .psql("postgres")
            .args(["-Atc", &sql])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[test]
fn a_template_outlives_the_test_run_that_built_it() {
    let Some(shared) = Shared::start(unique_set("outlives", 20)) else {
        return;
    };
    for db in ["postgres", "sqlite"] {
        let first = children::text(&shared.clone_in_child(db));
        let second = children::text(&shared.clone_in_child(db));
        assert_eq!(
            (builds(&first), builds(&second)),
            (1, 0),
            "{db}:\n{first}\n{second}"
        );
        // the same template: the same database, the same file
        assert_eq!(
            field(&first, "TEMPLATE"),
            field(&second, "TEMPLATE"),
            "{db}"
        );
    }
}

#[test]
fn processes_that_race_build_the_template_once() {
    let Some(shared) = Shared::start(unique_set("race", 150)) else {
        return;
    };
    for db in ["postgres", "sqlite"] {
        let racers = [shared.spawn(db), shared.spawn(db)];
        let outputs: Vec<String> = racers
            .map(|child| {
                let output = child.wait_with_output().unwrap();
                let text = children::text(&output);
                assert!(output.status.success(), "{text}");
                text
            })
            .into();
        let built: usize = outputs.iter().map(|o| builds(o)).sum();
        assert_eq!(built, 1, "{db}:\n{}", outputs.join("\n"));
        assert_eq!(
            field(&outputs[0], "TEMPLATE"),
            field(&outputs[1], "TEMPLATE")
        );
    }
}

#[test]
fn a_build_killed_halfway_leaves_nothing_that_is_used() {
    let set = unique_set("killed", 3);
    // slow enough to be killed while it runs
    set.write(
        "4_slow.sql",
        "SELECT pg_sleep(3);\nCREATE TABLE t4 (id INT);\n",
    );
    let Some(shared) = Shared::start(set) else {
        return;
    };
    let mut doomed = shared.spawn("postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !shared
        .databases("migrate\\_bld\\_%")
        .contains("migrate_bld_")
    {
        assert!(Instant::now() < deadline, "the build never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    doomed.kill().unwrap();
    let _ = doomed.wait();

    // the next process gets the lock the dead one held, drops its build and builds anew
    let output = children::text(&shared.clone_in_child("postgres"));
    assert!(
        output.contains("dropped the template migrate_bld_")
            && output.contains("(left by a build that did not finish; on postgres://"),
        "{output}"
    );
    assert_eq!(builds(&output), 1, "{output}");
    let template = field(&output, "TEMPLATE");
    let name = template.split(' ').next().unwrap();
    assert_eq!(shared.databases("migrate\\_%").trim(), name);
}
