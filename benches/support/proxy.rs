//! A TCP proxy in front of a PostgreSQL server (or a pooler) that counts what crosses it:
//! statements sent, round trips (ReadyForQuery), bytes back. Shared by the benchmarks.

#![allow(dead_code)] // each benchmark uses part of it

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts what crosses a PostgreSQL connection.
#[derive(Default)]
pub struct Counters {
    pub statements: AtomicU64,
    pub round_trips: AtomicU64,
    pub bytes_in: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Traffic {
    pub statements: u64,
    pub round_trips: u64,
    pub bytes_in: u64,
}

impl Counters {
    pub fn read(&self) -> Traffic {
        Traffic {
            statements: self.statements.load(Ordering::SeqCst),
            round_trips: self.round_trips.load(Ordering::SeqCst),
            bytes_in: self.bytes_in.load(Ordering::SeqCst),
        }
    }
}

impl std::ops::Sub for Traffic {
    type Output = Traffic;
    fn sub(self, o: Traffic) -> Traffic {
        Traffic {
            statements: self.statements - o.statements,
            round_trips: self.round_trips - o.round_trips,
            bytes_in: self.bytes_in - o.bytes_in,
        }
    }
}

/// Forwards 127.0.0.1:<returned port> to the server, counting protocol messages.
pub async fn proxy(server_port: u16, counters: Arc<Counters>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
    let port = listener.local_addr().expect("proxy addr").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counters = counters.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let up = pump(client_read, server_write, counters.clone(), true);
                let down = pump(server_read, client_write, counters, false);
                let _ = tokio::join!(up, down);
            });
        }
    });
    port
}

/// Copies one direction, splitting the stream into messages (type byte + length; the
/// client's first message, the start-up packet, has no type byte).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counters: Arc<Counters>,
    client: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    let mut startup = client;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        if !client {
            counters.bytes_in.fetch_add(n as u64, Ordering::SeqCst);
        }
        pending.extend_from_slice(&buf[..n]);
        loop {
            let header = if startup { 4 } else { 5 };
            if pending.len() < header {
                break;
            }
            let len_at = header - 4;
            let len = u32::from_be_bytes([
                pending[len_at],
                pending[len_at + 1],
                pending[len_at + 2],
                pending[len_at + 3],
            ]) as usize;
            let total = len_at + len;
            if pending.len() < total {
                break;
            }
            if !startup {
                match (client, pending[0]) {
                    (true, b'Q') | (true, b'E') => {
                        counters.statements.fetch_add(1, Ordering::SeqCst);
                    }
                    (false, b'Z') => {
                        counters.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {}
                }
            }
            startup = false;
            pending.drain(..total);
        }
    }
}
