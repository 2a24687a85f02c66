//! One REST request is one trace across both services, exported over OTLP;
//! logs are JSON lines carrying the trace id; and no password, HA1 or
//! Authorization header reaches a log line or a span. The two real binaries
//! run as child processes (each sets up its own telemetry, as in production)
//! and export to an OTLP receiver running in this test.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        trace_service_server::{TraceService, TraceServiceServer},
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    },
    common::v1::any_value::Value,
};
use reqwest::StatusCode;

use crate::helpers::{hash, DigestClient, DOMAIN};

const PASSWORD: &str = "Tr4ce-S3cret-pw";
const NEW_PASSWORD: &str = "another-s3cret-password";
/// OTLP's `SpanKind` values.
const SERVER: i32 = 2;
const CLIENT: i32 = 3;

#[derive(Debug, Clone)]
struct ReceivedSpan {
    service: String,
    name: String,
    /// OTLP's SpanKind: 2 server, 3 client.
    kind: i32,
    trace_id: String,
    dump: String,
}

#[derive(Default, Clone)]
struct Receiver(Arc<Mutex<Vec<ReceivedSpan>>>);

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self.0.lock().unwrap();
        for resource_spans in request.into_inner().resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|a| a.key == "service.name")
                .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
                    Value::StringValue(name) => Some(name.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
                spans.push(ReceivedSpan {
                    service: service.clone(),
                    name: span.name.clone(),
                    kind: span.kind,
                    trace_id: hex::encode(&span.trace_id),
                    dump: format!("{span:?}"),
                });
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn wait_listening(addr: SocketAddr, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{name} never listened on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM, then the exit status: telemetry flushes on the way out.
fn terminate(mut child: Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            return;
        }
        assert!(Instant::now() < deadline, "ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_is_one_trace_across_both_services_without_secrets() {
    let receiver = Receiver::default();
    let otlp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let otlp_addr = otlp.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(receiver.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(otlp)),
    );

    let gateway_bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_rest-gateway"));
    let core_bin = gateway_bin.with_file_name("core-service");
    assert!(
        core_bin.exists(),
        "build the workspace: {} is missing",
        core_bin.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("trace.sqlite").display()
    );
    let (core_addr, gateway_addr) = (free_addr(), free_addr());
    let telemetry_env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{otlp_addr}")),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
        ("FLEXIAPI_LOG_FORMAT", "json".to_owned()),
        ("RUST_LOG", "debug".to_owned()),
        ("DATABASE_URL", database_url),
        ("FLEXIAPI_SIP_DOMAIN", DOMAIN.to_owned()),
    ];
    let output = Command::new(&core_bin)
        .args([
            "accounts",
            "create",
            "--username",
            "tracer01",
            "--algorithm",
            "SHA-256",
            "--admin",
        ])
        .env("FLEXIAPI_ACCOUNT_PASSWORD", PASSWORD)
        .envs(telemetry_env.clone())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut logs = String::from_utf8_lossy(&output.stderr).into_owned();

    let core_log = dir.path().join("core.log");
    let gateway_log = dir.path().join("gateway.log");
    let core = Command::new(&core_bin)
        .args(["serve", "--listen", &core_addr.to_string()])
        .envs(telemetry_env.clone())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&core_log).unwrap())
        .spawn()
        .unwrap();
    wait_listening(core_addr, "core-service");
    let gateway = Command::new(&gateway_bin)
        .args([
            "--listen",
            &gateway_addr.to_string(),
            "--core-url",
            &format!("http://{core_addr}"),
        ])
        .envs(telemetry_env.clone())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&gateway_log).unwrap())
        .spawn()
        .unwrap();
    wait_listening(gateway_addr, "rest-gateway");

    let mut client = DigestClient::new(&format!("http://{gateway_addr}"), "tracer01", PASSWORD);
    let response = client.get("/api/ping").await;
    assert_eq!(response.status(), StatusCode::OK);
    let authorization = client.authorization("GET", "/api/ping");

    // Part 2's routes, each carrying a secret in its request: none may come
    // back in an answer, a log line or a span.
    let base = format!("http://{gateway_addr}");
    let mut answers = String::new();
    let user_key = client
        .get("/api/accounts/me/api_key")
        .await
        .text()
        .await
        .unwrap();
    let keyed = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let request = reqwest::Client::new()
            .request(method, format!("{base}{path}"))
            .header("x-api-key", &user_key);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    // A request id chosen by the client, followed into both services.
    let request_id = "support-ticket-4711";
    let identified = reqwest::Client::new()
        .get(format!("{base}/api/ping"))
        .header("x-api-key", &user_key)
        .header("x-request-id", request_id)
        .send()
        .await
        .unwrap();
    assert_eq!(identified.headers()["x-request-id"], request_id);
    let body = serde_json::json!({"username": "leaker01", "password": NEW_PASSWORD, "algorithm": "MD5", "email": "l@example.org"});
    let created = keyed(reqwest::Method::POST, "/api/accounts", Some(body)).await;
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"].clone();
    answers += &created;
    let renamed = serde_json::json!({"username": "leaker02", "password": NEW_PASSWORD});
    answers += &keyed(
        reqwest::Method::PUT,
        &format!("/api/accounts/{id}"),
        Some(renamed),
    )
    .await;
    answers += &keyed(reqwest::Method::GET, "/api/accounts", None).await;
    let change = serde_json::json!({"old_password": PASSWORD, "password": NEW_PASSWORD});
    answers += &keyed(
        reqwest::Method::POST,
        "/api/accounts/me/password",
        Some(change),
    )
    .await;
    let named = Command::new(&core_bin)
        .args([
            "api-keys",
            "create",
            "--username",
            "tracer01",
            "--name",
            "proxy",
        ])
        .envs(telemetry_env.clone())
        .output()
        .unwrap();
    assert!(named.status.success(), "{named:?}");
    let named_key = String::from_utf8_lossy(&named.stdout).trim().to_owned();
    assert_eq!(named_key.len(), 40);
    logs += &String::from_utf8_lossy(&named.stderr);
    let listed = Command::new(&core_bin)
        .args(["api-keys", "list"])
        .envs(telemetry_env.clone())
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("\"proxy\""));
    logs += &String::from_utf8_lossy(&listed.stdout);
    logs += &String::from_utf8_lossy(&listed.stderr);
    // Flexisip's delegated check: its key travels in the query.
    let flexisip = Command::new(&core_bin)
        .args([
            "api-keys",
            "create",
            "--username",
            "tracer01",
            "--name",
            "sip",
        ])
        .args(["--scope", "external-auth"])
        .envs(telemetry_env.clone())
        .output()
        .unwrap();
    assert!(flexisip.status.success(), "{flexisip:?}");
    let flexisip_key = String::from_utf8_lossy(&flexisip.stdout).trim().to_owned();
    let sip = |text: String| hash("SHA-256", &text);
    let ha1 = sip(format!("tracer01:{DOMAIN}:{NEW_PASSWORD}"));
    let ha2 = sip(format!("REGISTER:sip:{DOMAIN}"));
    let response = sip(format!("{ha1}:bm9uY2U=:00000001:c:auth:{ha2}"));
    let check = format!(
        "{base}/api/flexisip/external-auth?key={flexisip_key}&method=REGISTER\
         &from=%3Csip%3Atracer01%40{DOMAIN}%3E&username=tracer01&realm={DOMAIN}\
         &nonce=bm9uY2U%3D&uri=sip%3A{DOMAIN}&nc=00000001&cnonce=c&qop=auth\
         &response={response}&algorithm=SHA-256&opaque=null"
    );
    let checked = reqwest::get(check).await.unwrap().text().await.unwrap();
    assert!(checked.starts_with("Status: 200\n"), "{checked}");
    answers += &checked;

    terminate(gateway);
    terminate(core);
    logs += &std::fs::read_to_string(&core_log).unwrap();
    logs += &std::fs::read_to_string(&gateway_log).unwrap();

    let spans = receiver.0.lock().unwrap().clone();
    // The authenticated ping: the gateway's HTTP span whose trace also holds
    // the gateway's gRPC client span and the core's handler span (a right
    // answer on a known nonce runs no statement: no database span).
    let ping_traces: Vec<&str> = spans
        .iter()
        .filter(|s| s.service == "rest-gateway" && s.name == "GET /api/ping")
        .map(|s| s.trace_id.as_str())
        .collect();
    let trace = ping_traces
        .iter()
        .find(|trace| {
            let in_trace = |service: &str, name: &str, kind: i32| {
                spans.iter().any(|s| {
                    s.trace_id == **trace
                        && s.service == service
                        && s.name == name
                        && s.kind == kind
                })
            };
            // Named and kinded although no log line formats these fields.
            in_trace("rest-gateway", "GET /api/ping", SERVER)
                && in_trace(
                    "rest-gateway",
                    "flexiapi.v1.AuthService/VerifyDigest",
                    CLIENT,
                )
                && in_trace(
                    "core-service",
                    "flexiapi.v1.AuthService/VerifyDigest",
                    SERVER,
                )
        })
        .unwrap_or_else(|| panic!("no trace joins both services; spans: {spans:#?}"));

    // The request id: an attribute of the spans of both services, and a
    // field of the gateway's log lines about that request.
    for service in ["rest-gateway", "core-service"] {
        assert!(
            spans
                .iter()
                .any(|s| s.service == service && s.dump.contains(request_id)),
            "no {service} span carries the request id"
        );
    }
    assert!(
        logs.contains(&format!("\"request_id\":\"{request_id}\"")),
        "no log line carries the request id"
    );

    // JSON log lines, some of them carrying that trace id.
    let json_lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert!(!json_lines.is_empty(), "{logs}");
    assert!(
        logs.contains(&format!("\"trace_id\":\"{trace}\"")),
        "no log line carries {trace}"
    );

    // Secrets: the password, both HA1s, the Authorization header.
    let ha1 = hash("SHA-256", &format!("tracer01:{DOMAIN}:{PASSWORD}"));
    let everything = format!(
        "{logs}\n{}",
        spans
            .iter()
            .map(|s| s.dump.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for secret in [PASSWORD, &ha1, &authorization, "Digest username="] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    let new_ha1s = [
        hash("MD5", &format!("leaker01:{DOMAIN}:{NEW_PASSWORD}")),
        hash("MD5", &format!("leaker02:{DOMAIN}:{NEW_PASSWORD}")),
        hash("SHA-256", &format!("tracer01:{DOMAIN}:{NEW_PASSWORD}")),
    ];
    let key_hashes = [&user_key, &named_key, &flexisip_key].map(|key| hash("SHA-256", key));
    let part2_secrets = [NEW_PASSWORD, &user_key, &named_key, &flexisip_key]
        .into_iter()
        .chain(new_ha1s.iter().map(String::as_str))
        .chain(key_hashes.iter().map(String::as_str));
    for secret in part2_secrets {
        assert!(
            !everything.contains(secret),
            "{secret} leaked in a log or a span"
        );
        assert!(!answers.contains(secret), "{secret} leaked in an answer");
    }
    assert!(
        answers.contains("leaker02"),
        "the routes answered: {answers}"
    );
}
