//! The two binaries as processes for the fault tests: started on ports of
//! their own, killed, stopped by SIGTERM and started again.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::helpers::DOMAIN;

pub const ADMIN_PASSWORD: &str = "admin-password";

/// The core binary, built beside the gateway's by the workspace run.
pub fn core_binary() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_rest-gateway")).with_file_name("core-service");
    assert!(
        binary.exists(),
        "{} is missing: build the workspace (scripts/test does)",
        binary.display()
    );
    binary
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A core on a SQLite file of its own, with a first admin, that can be
/// killed and started again on the same port and file.
pub struct CoreProcess {
    pub database_url: String,
    pub port: u16,
    pub child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl CoreProcess {
    /// On a SQLite file of its own, with the first admin.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("core.sqlite").display()
        );
        create_admin(&database_url);
        let mut core = Self {
            database_url,
            port: free_port(),
            child: None,
            _dir: Some(dir),
        };
        core.restart();
        core
    }

    /// On `database_url` (a shared database: another replica), as it is.
    pub fn on(database_url: &str) -> Self {
        let mut core = Self {
            database_url: database_url.to_owned(),
            port: free_port(),
            child: None,
            _dir: None,
        };
        core.restart();
        core
    }

    /// SIGTERM, then waits for the exit, which must be clean.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }

    /// A named API key of the admin, made as an operator does.
    pub fn admin_key(&self) -> String {
        let output = Command::new(core_binary())
            .args([
                "api-keys",
                "create",
                "--username",
                "admin01",
                "--name",
                "faults",
            ])
            .env("DATABASE_URL", &self.database_url)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    pub fn restart(&mut self) {
        let mut core = Command::new(core_binary());
        core.args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("DATABASE_URL", &self.database_url);
        self.child = Some(spawn_listening(core, self.port));
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap(); // SIGKILL: no goodbye
            child.wait().unwrap();
        }
    }
}

impl Drop for CoreProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn start_gateway(core_port: u16) -> (Child, String) {
    let port = free_port();
    let mut gateway = Command::new(env!("CARGO_BIN_EXE_rest-gateway"));
    gateway
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--core-url", &format!("http://127.0.0.1:{core_port}")]);
    (
        spawn_listening(gateway, port),
        format!("http://127.0.0.1:{port}"),
    )
}

/// Starts `command` quietly (warnings only, output discarded) and returns
/// once it listens on `port`.
fn spawn_listening(mut command: Command, port: u16) -> Child {
    let child = command
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    child
}

/// The first admin (admin01, MD5), made with the CLI as an operator does.
pub fn create_admin(database_url: &str) {
    let created = Command::new(core_binary())
        .args(["accounts", "create", "--admin", "--username", "admin01"])
        .args(["--algorithm", "MD5", "--domain", DOMAIN])
        .env("DATABASE_URL", database_url)
        .env("FLEXIAPI_ACCOUNT_PASSWORD", ADMIN_PASSWORD)
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
}

/// SIGTERM to `child`; it must exit 0 within 15 s.
pub fn terminate(mut child: Child) {
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit 15 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// A gateway on a port of its own, in front of `core`.
pub struct GatewayProcess {
    port: u16,
    core: SocketAddr,
    child: Option<Child>,
}

impl GatewayProcess {
    pub fn start(port: u16, core: SocketAddr) -> Self {
        let mut gateway = Self {
            port,
            core,
            child: None,
        };
        gateway.restart();
        gateway
    }

    pub fn restart(&mut self) {
        let mut gateway = Command::new(env!("CARGO_BIN_EXE_rest-gateway"));
        gateway
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--core-url", &format!("http://{}", self.core)]);
        self.child = Some(spawn_listening(gateway, self.port));
    }

    /// SIGTERM, then waits for the exit, which must be clean.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
