//! A MariaDB Galera cluster on loopback: every node a `mariadbd` of its own, with its own
//! ports for SQL, group communication, incremental and full state transfer (rsync).
//!
//! The nodes run as the `mysql` OS user, with their data directories owned by it (rsync state
//! transfer fails otherwise). Node 1 bootstraps the cluster (`--wsrep-new-cluster`) from a
//! fresh data directory; the others join with empty ones and receive node 1's by rsync.
//! Start-up takes about ten seconds for three nodes, most of it the two state transfers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{
    chown, describe, find_program, free_ports, is_root, os_user, read_log, shell_quote,
    spawn_server, temp_dir, Watchdog,
};
use crate::Error;

/// How long a node may take to start, its state transfer included.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Where Debian's galera-4 puts the provider.
const PROVIDERS: [&str; 3] = [
    "/usr/lib/galera/libgalera_smm.so",
    "/usr/lib/libgalera_smm.so",
    "/usr/lib64/galera-4/libgalera_smm.so",
];

/// One node: its SQL port and its process.
#[derive(Debug)]
struct Node {
    port: u16,
    child: Child,
}

/// A Galera cluster of MariaDB nodes on loopback; killed and deleted on drop.
///
/// ```no_run
/// # use migrate_testing as testing;
/// # fn example() -> Result<(), testing::Error> {
/// let cluster = testing::TempGalera::start(3)?;
/// cluster.create_database("app")?;
/// let on_node_2 = cluster.url(1, "app");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TempGalera {
    root: PathBuf,
    client: PathBuf,
    nodes: Vec<Node>,
    _watchdog: Watchdog,
}

impl TempGalera {
    /// Starts a cluster of `nodes` nodes from `mariadbd`, `mariadb-install-db`, the `mariadb`
    /// client and Debian's galera-4 provider (and `rsync` for state transfer).
    ///
    /// [`Error::Unavailable`] when one of them is missing; [`Error::Server`], with the node's
    /// log, when a node does not start or join.
    pub fn start(nodes: usize) -> Result<TempGalera, Error> {
        let found = (
            find_program(&["mariadbd"]),
            find_program(&["mariadb-install-db"]),
            find_program(&["mariadb"]),
            PROVIDERS.iter().map(Path::new).find(|p| p.is_file()),
            find_program(&["rsync"]),
        );
        let (Some(server), Some(install), Some(client), Some(provider), Some(_)) = found else {
            return Err(Error::Unavailable(
                "a Galera cluster needs mariadbd, mariadb-install-db, the mariadb client, Debian's galera-4 and rsync: install mariadb-server, galera-4 and rsync".to_owned(),
            ));
        };
        let root = temp_dir("migrate-galera")?;
        let ports = free_ports(4 * nodes)?;
        let port = |node: usize, kind: usize| ports[4 * node + kind];
        let gcomm: Vec<String> = (0..nodes)
            .map(|n| format!("127.0.0.1:{}", port(n, 1)))
            .collect();
        for n in 0..nodes {
            let dir = root.join(format!("n{}", n + 1));
            std::fs::create_dir_all(dir.join("data")).map_err(|e| super::io("create", &dir, e))?;
            let cnf = config(
                &dir,
                provider,
                &gcomm,
                n,
                [port(n, 0), port(n, 1), port(n, 2), port(n, 3)],
            );
            let path = root.join(format!("n{}.cnf", n + 1));
            std::fs::write(&path, cnf).map_err(|e| super::io("write", &path, e))?;
        }
        let user = if is_root() {
            chown(&root, "mysql")?;
            Some(os_user("mysql").ok_or_else(|| {
                Error::Server(
                    "running as root, the nodes must run as the `mysql` OS user, which must exist"
                        .to_owned(),
                )
            })?)
        } else {
            None
        };
        // system tables only on node 1: the others receive its data directory by rsync
        let mut init = Command::new(&install);
        init.arg(format!("--defaults-file={}", root.join("n1.cnf").display()))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
            ]);
        if user.is_some() {
            init.arg("--user=mysql");
        }
        let out = init
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::Server(format!("{}: {e}", install.display())))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&root);
            return Err(Error::Server(format!(
                "{} failed: {}",
                install.display(),
                describe(&out)
            )));
        }
        if user.is_some() {
            // install-db leaves a file owned by root behind
            chown(&root, "mysql")?;
        }
        let watchdog = Watchdog::spawn(&format!(
            "for f in {root}/n*/mysqld.pid {root}/n*/data/rsync_sst.pid; do kill -9 $(cat \"$f\") 2>/dev/null; done; sleep 1; rm -rf {root}",
            root = shell_quote(&root)
        ));
        let mut cluster = TempGalera {
            root,
            client,
            nodes: Vec::new(),
            _watchdog: watchdog,
        };
        for n in 0..nodes {
            let cnf = cluster.root.join(format!("n{}.cnf", n + 1));
            let mut command = Command::new(&server);
            command.arg(format!("--defaults-file={}", cnf.display()));
            if n == 0 {
                command.arg("--wsrep-new-cluster");
            }
            let log = cluster.node_dir(n).join("stdout.log");
            let child = spawn_server(&mut command, user, &log)?;
            cluster.nodes.push(Node {
                port: port(n, 0),
                child,
            });
            cluster.wait_synced(n, n + 1)?;
            if n == 0 {
                // a safety net: with --skip-name-resolve root@localhost already serves TCP
                cluster.sql(0, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")?;
            }
        }
        Ok(cluster)
    }

    /// How many nodes the cluster has.
    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The SQL port of node `node` (from 0).
    pub fn port(&self, node: usize) -> u16 {
        self.nodes.get(node).map_or(0, |n| n.port)
    }

    /// A connection URL for database `db` on node `node` (from 0), as `root`.
    pub fn url(&self, node: usize, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port(node))
    }

    /// Creates database `name` (on node 1; Galera replicates it).
    pub fn create_database(&self, name: &str) -> Result<(), Error> {
        let quoted = format!("`{}`", name.replace('`', "``"));
        self.sql(0, &format!("CREATE DATABASE {quoted}")).map(drop)
    }

    /// Runs `sql` on node `node` with the `mariadb` client; its output, tab-separated.
    pub fn sql(&self, node: usize, sql: &str) -> Result<String, Error> {
        let socket = self.node_dir(node).join("mysqld.sock");
        let out = Command::new(&self.client)
            .arg("--no-defaults")
            .args(["-uroot", "-N", "-B"])
            .arg(format!("--socket={}", socket.display()))
            .args(["-e", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::Server(format!("{}: {e}", self.client.display())))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(Error::Server(format!(
                "node {}: {sql}: {}",
                node + 1,
                describe(&out)
            )))
        }
    }

    /// Node `node`'s error log so far.
    pub fn log(&self, node: usize) -> String {
        read_log(&self.node_dir(node).join("error.log"))
    }

    fn node_dir(&self, node: usize) -> PathBuf {
        self.root.join(format!("n{}", node + 1))
    }

    /// Waits until node `node` is ready, synced and in a primary component of at least `size`
    /// nodes.
    fn wait_synced(&mut self, node: usize, size: usize) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        let query = "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_READY', 'WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_STATUS', 'WSREP_CLUSTER_SIZE')";
        loop {
            if let Some(Ok(Some(status))) = self.nodes.get_mut(node).map(|n| n.child.try_wait()) {
                return Err(Error::Server(format!(
                    "Galera node {} exited with {status}:\n{}",
                    node + 1,
                    self.log(node)
                )));
            }
            // a joiner does not listen until its state transfer is done: errors mean "not yet"
            if let Ok(status) = self.sql(node, query) {
                let value = |name: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(name)?.strip_prefix('\t'))
                        .unwrap_or("")
                        .to_owned()
                };
                let ready = value("WSREP_READY") == "ON"
                    && value("WSREP_LOCAL_STATE_COMMENT") == "Synced"
                    && value("WSREP_CLUSTER_STATUS") == "Primary"
                    && value("WSREP_CLUSTER_SIZE")
                        .parse::<usize>()
                        .is_ok_and(|n| n >= size);
                if ready {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(Error::Server(format!(
                    "Galera node {} not synced after {START_TIMEOUT:?}:\n{}",
                    node + 1,
                    self.log(node)
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for TempGalera {
    fn drop(&mut self) {
        // one node at a time, newest first: the others need not wait for the leaver to time out
        for node in self.nodes.iter_mut().rev() {
            let _ = Command::new("kill")
                .args(["-TERM", &node.child.id().to_string()])
                .output();
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(node.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Node `n`'s configuration: its ports are SQL, group communication, IST, SST.
fn config(dir: &Path, provider: &Path, gcomm: &[String], n: usize, ports: [u16; 4]) -> String {
    let [sql, group, ist, sst] = ports;
    let dir = dir.display();
    format!(
        "[mariadbd]
datadir = {dir}/data
port = {sql}
bind-address = 127.0.0.1
socket = {dir}/mysqld.sock
pid-file = {dir}/mysqld.pid
log-error = {dir}/error.log
skip-name-resolve
performance_schema = OFF
innodb_buffer_pool_size = 32M
innodb_log_file_size = 16M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
max_connections = 300
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = {provider}
wsrep_cluster_name = migrate_test
wsrep_cluster_address = gcomm://{cluster}
wsrep_node_name = n{node}
wsrep_node_address = 127.0.0.1:{group}
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:{sst}
wsrep_provider_options = \"gmcast.listen_addr=tcp://127.0.0.1:{group};ist.recv_addr=127.0.0.1:{ist};gcache.size=32M;gcache.page_size=32M\"
",
        provider = provider.display(),
        cluster = gcomm.join(","),
        node = n + 1,
    )
}
