//! The operations a human decides on: `baseline` (adopt a database), `force` (record a
//! migration as applied without running it) and `forget` (delete its row).

use super::apply::{insert, reseal};
use super::held::Held;
use super::{Chains, Cx};
use crate::driver::tracking::{self, Write};
use crate::driver::Driver;
use crate::error::Error;
use crate::report::{Applied, Report};
use crate::table::Version;

/// What a human decides on, with its version.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Admin {
    /// Record every migration up to the version as applied, without running it.
    Baseline(Version),
    /// Record the version as applied, without running it.
    Force(Version),
    /// Delete the version's tracking row, when it is dirty.
    Forget(Version),
    /// Delete the version's tracking row, whatever its state.
    ForgetApplied(Version),
}

/// Under the lock: `baseline`, `force` and `forget`.
pub(crate) async fn admin<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    op: Admin,
) -> Result<Report, Error> {
    let table = &held.table;
    let newest = held.newest::<DB>(conn).await?;
    tracking::ensure::<DB>(conn, table, &newest).await?;
    let rows = held.history::<DB>(conn).await?;
    let recorded = |v: Version| rows.iter().any(|r| r.version == v.get());
    match op {
        Admin::Baseline(version) => {
            if !rows.is_empty() {
                return Err(Error::NotEmpty {
                    table: table.key.clone(),
                    rows: rows.len(),
                });
            }
            baseline::<DB>(cx, conn, held, version).await
        }
        Admin::Force(version) => {
            force::<DB>(cx, conn, held, version, recorded(version)).await?;
            Ok(Report::default())
        }
        Admin::Forget(version) | Admin::ForgetApplied(version) => {
            let Some(row) = rows.iter().find(|r| r.version == version.get()) else {
                return Err(Error::NotRecorded {
                    version,
                    table: table.key.clone(),
                });
            };
            if row.success && matches!(op, Admin::Forget(_)) {
                return Err(Error::ForgetApplied { version });
            }
            let delete = Write::Delete {
                version: version.get(),
            };
            held.write::<DB>(conn, delete).await?;
            tracing::warn!(version = %version, "tracking row deleted: the next run applies this migration again");
            Ok(Report::default())
        }
    }
}

/// Records every migration up to `version` as applied, without running it.
async fn baseline<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    version: Version,
) -> Result<Report, Error> {
    let chains = Chains::new(cx.migrator);
    let mut report = Report::default();
    for m in cx
        .migrator
        .migrations()
        .iter()
        .filter(|m| m.version() <= version)
    {
        held.write::<DB>(conn, insert(m, chains.of(m)?, "0", true))
            .await?;
        report.migrations.push(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: std::time::Duration::ZERO,
        });
    }
    Ok(report)
}

/// Records `version` as applied with its current content, without running it.
async fn force<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    version: Version,
    recorded: bool,
) -> Result<(), Error> {
    let m = cx
        .migrator
        .get(version)
        .ok_or(Error::UnknownVersion { version })?;
    let chains = Chains::new(cx.migrator);
    let chain = chains.of(m)?;
    let write = if recorded {
        Write::Finish {
            version: version.get(),
            checksum: m.checksum(),
            chain,
            duration_ms: 0,
        }
    } else {
        insert(m, chain, "0", true)
    };
    held.write::<DB>(conn, write).await?;
    tracing::warn!(version = %version, file = m.up().file(), "migration forced: recorded as applied without running it");
    reseal::<DB>(conn, held).await
}
