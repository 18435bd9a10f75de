//! Running a fleet: the status read first (in a few statements per server for schema tenants),
//! then the work on the tenants that need it, `jobs` at a time, the canary group first,
//! stopping at the first failure unless told to go on.
//!
//! The tenants' futures are driven together in the caller's task rather than spawned: they
//! borrow the fleet and its pools, and the work is waiting on databases, not on the CPU.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use super::state::summarise;
use super::tenant::{on_database, Done, Seen, Work};
use super::{
    Fleet, FleetProgress, FleetReport, Target, TenantOutcome, TenantPlan, TenantReport,
    TenantState, TenantStatus,
};
use crate::error::Error;

/// A tenant's work, boxed so tenants of every kind run side by side.
pub(super) type Job<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The pools of the servers of schema tenants, by server URL.
#[cfg(feature = "postgres")]
type Pools = HashMap<String, sqlx::PgPool>;
#[cfg(not(feature = "postgres"))]
type Pools = HashMap<String, ()>;

/// Runs `job(i)` for `i` in `0..count`, at most `jobs` at once, started in order. After each,
/// `finished(i, &output)` says whether to start more. `None` for the ones not started.
pub(super) async fn bounded<'a, T>(
    jobs: usize,
    count: usize,
    mut job: impl FnMut(usize) -> Job<'a, T>,
    mut finished: impl FnMut(usize, &T) -> bool,
) -> Vec<Option<T>> {
    let mut outputs: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let mut running: Vec<(usize, Job<'a, T>)> = Vec::new();
    let mut next = 0;
    let mut starting = true;
    std::future::poll_fn(|cx| loop {
        while starting && next < count && running.len() < jobs.max(1) {
            running.push((next, job(next)));
            next += 1;
        }
        let mut progressed = false;
        let mut i = 0;
        while i < running.len() {
            if let Poll::Ready(output) = running[i].1.as_mut().poll(cx) {
                let (index, _) = running.swap_remove(i);
                starting &= finished(index, &output);
                outputs[index] = Some(output);
                progressed = true;
            } else {
                i += 1;
            }
        }
        if running.is_empty() && (!starting || next >= count) {
            return Poll::Ready(());
        }
        if !progressed {
            return Poll::Pending;
        }
    })
    .await;
    outputs
}

/// A pool per server of schema tenants, of `jobs` connections; else the server that failed
/// and why.
#[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
async fn pools(fleet: &Fleet<'_>, targets: &[Target]) -> Result<Pools, (String, Error)> {
    let mut pools = Pools::new();
    for target in targets {
        if let Target::Schema { server, .. } = target {
            if pools.contains_key(server) {
                continue;
            }
            let shown = || super::target::without_password(server);
            target.kind().map_err(|e| (shown(), e))?;
            #[cfg(feature = "postgres")]
            {
                let pool = super::schemas::pool(server, fleet.jobs).await;
                pools.insert(server.clone(), pool.map_err(|e| (shown(), e))?);
            }
            #[cfg(not(feature = "postgres"))]
            return Err((
                shown(),
                Error::DriverMissing {
                    url: shown(),
                    feature: "postgres",
                },
            ));
        }
    }
    let _ = fleet;
    Ok(pools)
}

/// The error every tenant of `server` gets when the server could not be read.
fn unreachable(server: &str, cause: &Error) -> Error {
    Error::ServerUnreachable {
        server: server.to_owned(),
        cause: cause.to_string(),
    }
}

/// Does `work` on `target`, schema or database.
async fn on(fleet: &Fleet<'_>, pools: &Pools, target: &Target, work: Work) -> Result<Done, Error> {
    match target {
        #[cfg(feature = "postgres")]
        Target::Schema { server, schema } => match pools.get(server) {
            Some(pool) => super::schemas::on_schema(fleet, pool, schema, work).await,
            None => Err(target
                .kind()
                .err()
                .unwrap_or(Error::SchemaTenantNotPostgres {
                    url: super::target::without_password(server),
                })),
        },
        #[cfg(not(feature = "postgres"))]
        Target::Schema { .. } => {
            let _ = pools;
            Err(target.kind().err().unwrap_or(Error::DriverMissing {
                url: target.to_string(),
                feature: "postgres",
            }))
        }
        Target::Database { url } => on_database(&fleet.runner, url, work).await,
    }
}

/// The status of every tenant; `pools` for schema tenants.
async fn read(fleet: &Fleet<'_>, targets: &[Target], pools: &Pools) -> Vec<TenantStatus> {
    let migrator = fleet.migrator();
    let mut newest: Vec<Option<Result<Seen, Error>>> = (0..targets.len()).map(|_| None).collect();
    #[cfg(feature = "postgres")]
    {
        let (table, _) = fleet.runner.tracking_table();
        for (server, pool) in pools {
            let mine: Vec<(usize, &str)> = targets
                .iter()
                .enumerate()
                .filter_map(|(i, t)| match t {
                    Target::Schema { server: s, schema } if s == server => {
                        Some((i, schema.as_str()))
                    }
                    _ => None,
                })
                .collect();
            let schemas: Vec<&str> = mine.iter().map(|(_, s)| *s).collect();
            let read = super::schemas::newest_all(pool, table, &schemas, fleet.jobs, migrator);
            match read.await {
                Ok(mut found) => {
                    for (i, schema) in mine {
                        newest[i] = found.remove(schema).map(Ok);
                    }
                }
                Err(e) => {
                    let server = super::target::without_password(server);
                    for (i, _) in mine {
                        newest[i] = Some(Err(unreachable(&server, &e)));
                    }
                }
            }
        }
    }
    let others: Vec<usize> = (0..targets.len())
        .filter(|&i| newest[i].is_none())
        .collect();
    let read = bounded(
        fleet.jobs,
        others.len(),
        |k| {
            let target = &targets[others[k]];
            Box::pin(async move {
                match on(fleet, pools, target, Work::Newest).await {
                    Ok(Done::Newest(n)) => Ok(n),
                    Ok(_) => Ok(Seen::newest(crate::driver::Newest::NoTable)),
                    Err(e) => Err(e),
                }
            })
        },
        |_, _| true,
    )
    .await;
    for (k, found) in read.into_iter().enumerate() {
        newest[others[k]] = found;
    }
    let chains: Vec<[u8; 32]> = migrator.chains().collect();
    targets
        .iter()
        .zip(newest)
        .map(|(target, found)| {
            let (newest, state) = match found {
                Some(Ok(n)) => summarise(migrator, &chains, &n),
                Some(Err(e)) => (None, TenantState::Unreachable(e)),
                None => (None, TenantState::Untracked),
            };
            TenantStatus {
                target: target.clone(),
                newest,
                state,
            }
        })
        .collect()
}

/// [`Fleet::status`].
pub(crate) async fn status(fleet: &Fleet<'_>, targets: &[Target]) -> Vec<TenantStatus> {
    match pools(fleet, targets).await {
        Ok(pools) => read(fleet, targets, &pools).await,
        Err((server, e)) => targets
            .iter()
            .map(|t| TenantStatus {
                target: t.clone(),
                newest: None,
                state: TenantState::Unreachable(unreachable(&server, &e)),
            })
            .collect(),
    }
}

/// [`Fleet::plan`]: tenants at the head plan nothing; the others are planned `jobs` at a time.
pub(crate) async fn plan(fleet: &Fleet<'_>, targets: &[Target]) -> Vec<TenantPlan> {
    let pools = match pools(fleet, targets).await {
        Ok(pools) => pools,
        Err((server, e)) => {
            return targets
                .iter()
                .map(|t| TenantPlan {
                    target: t.clone(),
                    steps: Err(unreachable(&server, &e)),
                    repeatables: Vec::new(),
                })
                .collect();
        }
    };
    let statuses = read(fleet, targets, &pools).await;
    let todo: Vec<usize> = (0..targets.len())
        .filter(|&i| !matches!(statuses[i].state, TenantState::AtHead))
        .collect();
    let planned = bounded(
        fleet.jobs,
        todo.len(),
        |k| Box::pin(on(fleet, &pools, &targets[todo[k]], Work::Plan)),
        |_, _| true,
    )
    .await;
    let mut steps: Vec<Option<Result<Done, Error>>> = (0..targets.len()).map(|_| None).collect();
    for (k, done) in planned.into_iter().enumerate() {
        steps[todo[k]] = done;
    }
    targets
        .iter()
        .zip(steps)
        .map(|(target, done)| {
            let (steps, repeatables) = match done {
                Some(Ok(Done::Steps(steps, repeatables))) => (Ok(steps), repeatables),
                Some(Err(e)) => (Err(e), Vec::new()),
                _ => (Ok(Vec::new()), Vec::new()),
            };
            TenantPlan {
                target: target.clone(),
                steps,
                repeatables,
            }
        })
        .collect()
}

/// [`Fleet::up`].
pub(crate) async fn up(fleet: &Fleet<'_>, targets: &[Target]) -> FleetReport {
    let pools = match pools(fleet, targets).await {
        Ok(pools) => pools,
        Err((server, e)) => {
            let tenants = targets
                .iter()
                .map(|t| TenantReport {
                    target: t.clone(),
                    before: None,
                    after: None,
                    outcome: TenantOutcome::Failed(unreachable(&server, &e)),
                })
                .collect();
            return FleetReport { tenants };
        }
    };
    let statuses = read(fleet, targets, &pools).await;
    let total = targets.len();
    let mut counts = Counts {
        done: 0,
        failed: 0,
        total,
    };
    let mut reports: Vec<Option<TenantReport>> = (0..total).map(|_| None).collect();
    let mut todo = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        if matches!(status.state, TenantState::AtHead) {
            reports[i] = Some(TenantReport {
                target: status.target.clone(),
                before: status.newest,
                after: status.newest,
                outcome: TenantOutcome::UpToDate,
            });
            counts.done += 1;
            fleet.tell(counts.progress(&status.target));
        } else {
            todo.push(i);
        }
    }
    let canary = todo.len().min(fleet.canary);
    let (first, rest) = todo.split_at(canary);
    let mut canary_failed = false;
    for (group, is_canary) in [(first, true), (rest, false)] {
        if canary_failed {
            // the canary failed: nothing else starts
            break;
        }
        let stop_at_failure = is_canary || !fleet.continue_on_error;
        let outcomes = bounded(
            fleet.jobs,
            group.len(),
            |k| Box::pin(on(fleet, &pools, &targets[group[k]], Work::Up)),
            |k, result| {
                let failed = result.is_err();
                if failed {
                    counts.failed += 1;
                } else {
                    counts.done += 1;
                }
                fleet.tell(counts.progress(&targets[group[k]]));
                !(failed && stop_at_failure)
            },
        )
        .await;
        for (k, outcome) in outcomes.into_iter().enumerate() {
            let i = group[k];
            let before = statuses[i].newest;
            let (after, outcome) = match outcome {
                Some(Ok(Done::Report(report))) => {
                    let after = report.migrations.last().map(|m| m.version).or(before);
                    (after, TenantOutcome::Applied(report))
                }
                Some(Ok(_)) => (before, TenantOutcome::UpToDate),
                Some(Err(e)) => {
                    canary_failed |= is_canary;
                    (before, TenantOutcome::Failed(e))
                }
                None => (before, TenantOutcome::Skipped),
            };
            reports[i] = Some(TenantReport {
                target: targets[i].clone(),
                before,
                after,
                outcome,
            });
        }
    }
    // a failed tenant may have moved before it failed: read where it stands now
    let failed: Vec<usize> = (0..total)
        .filter(
            |&i| matches!(&reports[i], Some(r) if matches!(r.outcome, TenantOutcome::Failed(_))),
        )
        .collect();
    if !failed.is_empty() {
        let again: Vec<Target> = failed.iter().map(|&i| targets[i].clone()).collect();
        for (i, now) in failed.into_iter().zip(read(fleet, &again, &pools).await) {
            if let (Some(report), Some(_)) = (reports[i].as_mut(), now.newest) {
                report.after = now.newest;
            }
        }
    }
    let tenants = reports
        .into_iter()
        .zip(targets)
        .map(|(report, target)| {
            report.unwrap_or_else(|| TenantReport {
                target: target.clone(),
                before: None,
                after: None,
                outcome: TenantOutcome::Skipped,
            })
        })
        .collect();
    FleetReport { tenants }
}

/// The running counts behind [`FleetProgress`].
struct Counts {
    done: usize,
    failed: usize,
    total: usize,
}

impl Counts {
    fn progress<'a>(&self, target: &'a Target) -> FleetProgress<'a> {
        FleetProgress {
            target,
            done: self.done,
            failed: self.failed,
            remaining: self.total.saturating_sub(self.done + self.failed),
        }
    }
}
