//! A TCP relay a test can cut and restore, to make a database or Redis
//! unreachable for real.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpListener,
    sync::watch,
    task::JoinHandle,
};

/// A TCP relay between the core and PostgreSQL that a test can cut and
/// restore, to make the database unreachable for real.
pub struct CuttableProxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    relays: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
    /// While true, bytes are held, not forwarded: a link dropping packets.
    stalled: watch::Sender<bool>,
}

impl CuttableProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            addr: listener.local_addr().unwrap(),
            target,
            relays: Arc::default(),
            acceptor: Mutex::default(),
            stalled: watch::channel(false).0,
        };
        proxy.accept_on(listener);
        proxy
    }

    fn accept_on(&self, listener: TcpListener) {
        let (target, relays) = (self.target, self.relays.clone());
        let stalled = self.stalled.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let stalled = stalled.subscribe();
                let relay = tokio::spawn(async move {
                    if let Ok(outbound) = tokio::net::TcpStream::connect(target).await {
                        let (in_read, in_write) = inbound.into_split();
                        let (out_read, out_write) = outbound.into_split();
                        tokio::join!(
                            forward(in_read, out_write, stalled.clone()),
                            forward(out_read, in_write, stalled),
                        );
                    }
                });
                relays.lock().unwrap().push(relay);
            }
        });
        *self.acceptor.lock().unwrap() = Some(acceptor);
    }

    /// Holds every byte from now on, connections left open: the peers see
    /// silence, as behind a link that drops packets, not a refusal.
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    /// Forwards again, the held bytes first.
    pub fn resume(&self) {
        self.stalled.send_replace(false);
    }

    /// Closes the listener and every relayed connection.
    pub fn cut(&self) {
        if let Some(acceptor) = self.acceptor.lock().unwrap().take() {
            acceptor.abort();
        }
        for relay in self.relays.lock().unwrap().drain(..) {
            relay.abort();
        }
    }

    /// Listens again on the same address.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.accept_on(listener);
    }
}

/// Copies `from` to `to`, holding what it read while the link is stalled.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut stalled: watch::Receiver<bool>,
) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if stalled.wait_for(|stalled| !*stalled).await.is_err() {
            break;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
