//! SQLite: the no-op, apply and atomic tables, and where the no-op's time goes as the schema
//! grows.

use std::path::Path;

use migrate::sqlx::{self, SqlitePool};

use crate::common::{
    apply_runs, floor_apply, floor_atomic, median, ms, rotate, sample, sqlite_fresh, Case, Shape,
};

/// The no-op, apply and atomic rows of one set on SQLite files in `work`.
pub async fn tables(work: &Path, case: &Case<'_>) {
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
        async |tool, run| sqlite_fresh(work, &format!("{tool}-{shape:?}-{n}-{run}")).await,
        async |tool, pool: &SqlitePool| match tool {
            0 => drop(ours.run(pool).await.expect("ours sqlite apply")),
            1 => theirs.run(pool).await.expect("sqlx sqlite apply"),
            _ => floor_apply(scripts, pool).await,
        },
    )
    .await;
    let [(apply_ours, lite_ours), (apply_sqlx, lite_sqlx), (apply_floor, lite_floor)]: [_; 3] = ran
        .try_into()
        .unwrap_or_else(|_| unreachable!("three tools"));
    let mut ours_times = Vec::new();
    let mut floor_times = Vec::new();
    for run in 0..runs {
        for k in 0..2 {
            let pool = sqlite_fresh(work, &format!("atomic-{k}-{shape:?}-{n}-{run}")).await;
            let t = std::time::Instant::now();
            if (run + k) % 2 == 0 {
                ours.runner()
                    .atomic(true)
                    .run(&pool)
                    .await
                    .expect("ours sqlite atomic");
                ours_times.push(t.elapsed());
            } else {
                floor_atomic(scripts, &pool).await;
                floor_times.push(t.elapsed());
            }
            pool.close().await;
        }
    }
    let (atomic_ours, atomic_floor) = (median(ours_times), median(floor_times));

    let o = sample!(noop_runs, ours.run(&lite_ours).await.expect("ours no-op"));
    let s = sample!(noop_runs, theirs.run(&lite_sqlx).await.expect("sqlx no-op"));
    let f = sample!(
        noop_runs,
        sqlx::raw_sql("SELECT 1")
            .execute(&lite_floor)
            .await
            .expect("floor")
    );
    println!("## SQLite, {shape:?}, N = {n}");
    println!("| | no-op median (p10–p90) | apply all N | apply per migration |");
    println!("|---|---|---|---|");
    for (name, r, apply) in [
        ("migrate", o, apply_ours),
        ("sqlx", s, apply_sqlx),
        ("floor", f, apply_floor),
    ] {
        println!(
            "| {name} | {:.3} ms ({:.3}–{:.3}) | {:.1} ms | {:.3} ms |",
            ms(r.0),
            ms(r.1),
            ms(r.2),
            ms(apply),
            ms(apply) / n as f64
        );
    }
    println!(
        "ratios: no-op migrate/sqlx {:.2} (sqlx {:.1}× slower); no-op overhead above floor {:.3} ms; apply migrate/sqlx {:.2}, overhead above floor {:.3} ms per migration (sqlx {:.3}); atomic {:.1} ms vs one-transaction floor {:.1} ms ({:.2}×)\n",
        ms(o.0) / ms(s.0), ms(s.0) / ms(o.0), ms(o.0) - ms(f.0), ms(apply_ours) / ms(apply_sqlx),
        (ms(apply_ours) - ms(apply_floor)) / n as f64, (ms(apply_sqlx) - ms(apply_floor)) / n as f64,
        ms(atomic_ours), ms(atomic_floor), ms(atomic_ours) / ms(atomic_floor)
    );
    for pool in [lite_ours, lite_sqlx, lite_floor] {
        pool.close().await;
    }
}

/// The no-op alone on a file of N tables, opened by a fresh pool that touches nothing else,
/// beside the same query sent as the tool sends it (text, prepared every time), the same
/// query prepared once and cached, and `SELECT 1`: if the tool's time follows the query's as
/// N grows, the growth is SQLite's, not the tool's.
pub async fn alone(work: &Path, sizes: &[usize], noop_runs: usize) {
    println!("## SQLite no-op alone: where the time goes as the schema grows (Tables)");
    println!("| N | migrate no-op | its query as text | its query prepared once | `SELECT 1` | schema rows |");
    println!("|---|---|---|---|---|---|");
    for &n in sizes {
        let dir = work.join(format!("alone-{n}"));
        crate::common::generate(&dir, n, Shape::Tables);
        let ours = migrate::Migrator::from_dir(&dir).expect("our table");
        let setup = sqlite_fresh(work, &format!("alone-{n}")).await;
        ours.run(&setup).await.expect("apply");
        setup.close().await;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(work.join(format!("alone-{n}.sqlite3")));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("sqlite");
        let query =
            "SELECT version, chain, success FROM \"_migrations\" ORDER BY version DESC LIMIT 1";
        let o = sample!(noop_runs, ours.run(&pool).await.expect("no-op"));
        let text = sample!(
            noop_runs,
            sqlx::raw_sql(sqlx::AssertSqlSafe(query))
                .fetch_optional(&pool)
                .await
                .expect("text")
        );
        let prepared = sample!(
            noop_runs,
            sqlx::query(sqlx::AssertSqlSafe(query))
                .fetch_optional(&pool)
                .await
                .expect("prepared")
        );
        let one = sample!(
            noop_runs,
            sqlx::raw_sql("SELECT 1").execute(&pool).await.expect("one")
        );
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_schema")
            .fetch_one(&pool)
            .await
            .expect("schema rows");
        println!(
            "| {n} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {rows} |",
            ms(o.0),
            ms(text.0),
            ms(prepared.0),
            ms(one.0)
        );
        pool.close().await;
    }
    println!();
}
