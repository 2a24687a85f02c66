//! A rolling restart under load: two cores on one PostgreSQL and two
//! gateways, each pair behind a round-robin TCP balancer of the test's own
//! (as a Kubernetes Service would be), each process stopped by SIGTERM and
//! started again in turn, while clients that retry nothing keep asking.
//! Not one request may fail.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use core_service::testing::{Backend, TestDatabase};
use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};

use crate::processes::{create_admin, free_port, CoreProcess, GatewayProcess};

/// Spreads new connections over the backends in its endpoint list, in
/// turn, as a Service does; open connections stay where they are. A pod
/// being deleted leaves the list as it is sent SIGTERM ([`Self::remove`]);
/// a backend that refuses is skipped too.
struct Balancer {
    addr: SocketAddr,
    endpoints: Arc<Mutex<Vec<SocketAddr>>>,
}

impl Balancer {
    async fn start(backends: Vec<SocketAddr>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let endpoints = Arc::new(Mutex::new(backends));
        let next = Arc::new(AtomicUsize::new(0));
        let listed = endpoints.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let ready = listed.lock().unwrap().clone();
                let next = next.clone();
                tokio::spawn(async move {
                    for _ in 0..ready.len() {
                        let backend = ready[next.fetch_add(1, Ordering::Relaxed) % ready.len()];
                        if let Ok(mut outbound) = TcpStream::connect(backend).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, endpoints }
    }

    fn remove(&self, backend: SocketAddr) {
        self.endpoints.lock().unwrap().retain(|b| *b != backend);
    }

    fn add(&self, backend: SocketAddr) {
        self.endpoints.lock().unwrap().push(backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_two_cores_and_two_gateways_fails_no_request() {
    let Some(database) = TestDatabase::create(Backend::Postgres).await.unwrap() else {
        return;
    };
    create_admin(&database.url);
    let mut cores = [
        CoreProcess::on(&database.url),
        CoreProcess::on(&database.url),
    ];
    let key = cores[0].admin_key();
    let local = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
    let core_service = Balancer::start(cores.iter().map(|c| local(c.port)).collect()).await;
    let gateway_ports = [free_port(), free_port()];
    let mut gateways = gateway_ports.map(|port| GatewayProcess::start(port, core_service.addr));
    let front = Balancer::start(gateway_ports.iter().map(|p| local(*p)).collect()).await;
    let front_addr = front.addr;

    // Clients that retry nothing, each request on a connection of its own
    // (no keep-alive race to blame on the servers).
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (stop, failures, answered, key) = (
                stop.clone(),
                failures.clone(),
                answered.clone(),
                key.clone(),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let outcome = http
                        .get(format!("http://{front_addr}/api/ping"))
                        .header("x-api-key", key.clone())
                        .send()
                        .await;
                    match outcome {
                        Ok(response) if response.status() == StatusCode::OK => {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(response) => {
                            failures.lock().unwrap().push(response.status().to_string())
                        }
                        Err(error) => failures.lock().unwrap().push(error.to_string()),
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();

    // Kubernetes takes a deleted pod out of its Service's endpoints and
    // sends it SIGTERM at once; the proxies learn of it a moment later.
    let lag = || tokio::time::sleep(Duration::from_millis(100));
    let settle = || tokio::time::sleep(Duration::from_millis(700));
    settle().await;
    for core in &mut cores {
        core_service.remove(local(core.port));
        lag().await;
        tokio::task::block_in_place(|| core.stop());
        tokio::task::block_in_place(|| core.restart());
        core_service.add(local(core.port));
        settle().await;
    }
    for (gateway, port) in gateways.iter_mut().zip(gateway_ports) {
        front.remove(local(port));
        lag().await;
        tokio::task::block_in_place(|| gateway.stop());
        tokio::task::block_in_place(|| gateway.restart());
        front.add(local(port));
        settle().await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    let answered = answered.load(Ordering::Relaxed);
    assert!(answered > 200, "only {answered} requests answered");
    assert!(
        failures.is_empty(),
        "{} failed of {}: {failures:?}",
        failures.len(),
        answered + failures.len()
    );
    for gateway in &mut gateways {
        gateway.stop();
    }
    for core in &mut cores {
        core.stop();
    }
}
