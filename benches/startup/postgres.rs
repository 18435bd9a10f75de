//! PostgreSQL: the no-op, apply and atomic tables, through a counting proxy.

use std::sync::Arc;

use migrate::sqlx::{self, PgPool};

use crate::common::{
    apply_runs, floor_apply, floor_atomic, median, ms, rotate, sample, Case, Shape,
};
use crate::proxy::{proxy, Counters, Traffic};
use crate::servers::TempCluster;

/// A private cluster, the counting proxy in front of it, and fresh databases on demand.
pub struct Pg {
    pub cluster: TempCluster,
    /// What the tables call it ("fsync off", "durable").
    pub label: &'static str,
    proxy_port: u16,
    counters: Arc<Counters>,
    next: usize,
}

impl Pg {
    /// Starts a cluster with `settings` and a proxy in front; `None` without PostgreSQL.
    pub async fn start(label: &'static str, settings: &[(&str, &str)]) -> Option<Pg> {
        let cluster = TempCluster::start(settings)?;
        let counters = Arc::new(Counters::default());
        let proxy_port = proxy(cluster.port(), counters.clone()).await;
        Some(Pg {
            cluster,
            label,
            proxy_port,
            counters,
            next: 0,
        })
    }

    /// A new database; its URL through the proxy.
    pub fn fresh_url(&mut self) -> String {
        self.new_database(self.proxy_port)
    }

    /// A new database; its URL straight to the cluster.
    pub fn fresh_direct_url(&mut self) -> String {
        self.new_database(self.cluster.port())
    }

    /// Creates the next database; its URL on `port`.
    fn new_database(&mut self, port: u16) -> String {
        self.next += 1;
        let name = format!("bench{}", self.next);
        self.cluster
            .create_database(&name)
            .expect("create database");
        format!("postgres://postgres@127.0.0.1:{port}/{name}?sslmode=disable")
    }

    /// A new database behind a pool of two connections.
    pub async fn fresh(&mut self) -> PgPool {
        let url = self.fresh_url();
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&url)
            .await
            .expect("connect")
    }

    pub async fn version(&mut self) -> String {
        let pool = self.fresh().await;
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&pool)
            .await
            .expect("server_version");
        pool.close().await;
        version
    }
}

/// The no-op, apply and atomic rows of one set on `pg`.
pub async fn tables(pg: &mut Pg, case: &Case<'_>) {
    let Case {
        shape,
        n,
        ours,
        theirs,
        scripts,
        noop_runs,
    } = *case;
    let runs = apply_runs(n);
    let ran = rotate(
        3,
        runs,
        async |_, _| pg.fresh().await,
        async |tool, pool: &PgPool| match tool {
            0 => drop(ours.run(pool).await.expect("ours apply")),
            1 => theirs.run(pool).await.expect("sqlx apply"),
            _ => floor_apply(scripts, pool).await,
        },
    )
    .await;
    let [(apply_ours, pool_ours), (apply_sqlx, pool_sqlx), (apply_floor, pool_floor)]: [_; 3] = ran
        .try_into()
        .unwrap_or_else(|_| unreachable!("three tools"));
    let atomic = if n <= 1000 || matches!(shape, Shape::Alters) {
        atomic(pg, runs, ours, scripts).await
    } else {
        "atomic: skipped (N tables exceed max_locks_per_transaction = 64 × connections)".to_owned()
    };

    let counters = pg.counters.clone();
    let traffic = |before: Traffic| {
        let t = counters.read() - before;
        let per = |v: u64| v as f64 / noop_runs as f64;
        (per(t.statements), per(t.round_trips), per(t.bytes_in))
    };
    let before = counters.read();
    let o = sample!(noop_runs, ours.run(&pool_ours).await.expect("ours no-op"));
    let o_traffic = traffic(before);
    let before = counters.read();
    let s = sample!(noop_runs, theirs.run(&pool_sqlx).await.expect("sqlx no-op"));
    let s_traffic = traffic(before);
    let before = counters.read();
    let f = sample!(
        noop_runs,
        sqlx::raw_sql("SELECT 1")
            .execute(&pool_floor)
            .await
            .expect("floor")
    );
    let f_traffic = traffic(before);
    println!("## PostgreSQL ({}), {shape:?}, N = {n}", pg.label);
    println!("| | no-op median (p10–p90) | statements | round trips | bytes in | apply all N | apply per migration |");
    println!("|---|---|---|---|---|---|---|");
    for (name, r, t, apply) in [
        ("migrate", o, o_traffic, apply_ours),
        ("sqlx", s, s_traffic, apply_sqlx),
        ("floor", f, f_traffic, apply_floor),
    ] {
        println!(
            "| {name} | {:.3} ms ({:.3}–{:.3}) | {:.1} | {:.1} | {:.0} | {:.1} ms | {:.3} ms |",
            ms(r.0),
            ms(r.1),
            ms(r.2),
            t.0,
            t.1,
            t.2,
            ms(apply),
            ms(apply) / n as f64
        );
    }
    println!(
        "ratios: no-op migrate/sqlx {:.2} (sqlx {:.1}× slower); no-op overhead above floor {:.3} ms; apply migrate/sqlx {:.2}, overhead above floor {:.3} ms per migration (sqlx {:.3}); {atomic}\n",
        ms(o.0) / ms(s.0), ms(s.0) / ms(o.0), ms(o.0) - ms(f.0), ms(apply_ours) / ms(apply_sqlx),
        (ms(apply_ours) - ms(apply_floor)) / n as f64, (ms(apply_sqlx) - ms(apply_floor)) / n as f64
    );
    for pool in [pool_ours, pool_sqlx, pool_floor] {
        pool.close().await;
    }
}

/// Atomic mode beside the one-transaction floor, taking turns on fresh databases.
async fn atomic(pg: &mut Pg, runs: usize, ours: &migrate::Migrator, scripts: &[String]) -> String {
    let mut ours_times = Vec::new();
    let mut floor_times = Vec::new();
    let mut failure = None;
    for run in 0..runs {
        for k in 0..2 {
            let pool = pg.fresh().await;
            let t = std::time::Instant::now();
            if (run + k) % 2 == 0 {
                let result = ours.runner().atomic(true).run(&pool).await;
                ours_times.push(t.elapsed());
                if let Err(e) = result {
                    failure = Some(e);
                }
            } else {
                floor_atomic(scripts, &pool).await;
                floor_times.push(t.elapsed());
            }
            pool.close().await;
        }
    }
    let (atomic_ours, atomic_floor) = (median(ours_times), median(floor_times));
    match failure {
        None => format!(
            "atomic {:.1} ms vs one-transaction floor {:.1} ms ({:.2}×)",
            ms(atomic_ours),
            ms(atomic_floor),
            ms(atomic_ours) / ms(atomic_floor)
        ),
        Some(e) => format!("atomic refused/failed: {e}"),
    }
}
