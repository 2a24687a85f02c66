//! What generic gRPC tools (grpcurl, Kubernetes probes, grpcio clients) use
//! to find their way: health and server reflection.

use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};
use tonic_reflection::pb::v1::{
    server_reflection_client::ServerReflectionClient, server_reflection_request::MessageRequest,
    server_reflection_response::MessageResponse, ServerReflectionRequest,
};

use crate::helpers::{spawn_app, Backend};

#[tokio::test]
async fn health_reports_every_service_serving() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut health = HealthClient::new(app.channel());
    for service in [
        "",
        "flexiapi.v1.AccountService",
        "flexiapi.v1.AuthService",
        "flexiapi.v1.DeviceService",
        "liveness",
    ] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "{service:?}");
    }
}

#[tokio::test]
async fn reflection_lists_and_describes_the_services() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut reflection = ServerReflectionClient::new(app.channel());
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol("flexiapi.v1.AuthService".into()),
    ]
    .map(|request| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    });
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();

    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for expected in [
        "flexiapi.v1.AccountService",
        "flexiapi.v1.AuthService",
        "flexiapi.v1.DeviceService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }

    let Some(MessageResponse::FileDescriptorResponse(files)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected the file describing AuthService");
    };
    assert!(!files.file_descriptor_proto.is_empty());
}

#[tokio::test]
async fn metrics_count_calls_outcomes_and_pool_connections() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.create_account("alice01", "secret-pw", "MD5").await;
    let challenge = app.challenge("alice01").await.remove(0);
    let answer = crate::helpers::DigestClient::new("alice01", "secret-pw").answer(&challenge, 1);
    assert!(app.verify(answer.clone()).await.ok);
    assert!(!app.verify(answer).await.ok);

    let addr = app.metrics_addr.unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: core\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    for expected in [
        "flexiapi_core_grpc_requests_total{method=\"/flexiapi.v1.AuthService/VerifyDigest\",code=\"0\"} 2",
        "flexiapi_core_grpc_requests_total{method=\"/flexiapi.v1.AccountService/CreateAccount\",code=\"0\"} 1",
        "flexiapi_core_grpc_request_duration_seconds_bucket{method=\"/flexiapi.v1.AuthService/Challenge\",code=\"0\",le=",
        "flexiapi_core_digest_verifications_total{outcome=\"VERIFY_OUTCOME_OK\"} 1",
        "flexiapi_core_digest_verifications_total{outcome=\"VERIFY_OUTCOME_NONCE_REPLAYED\"} 1",
        "flexiapi_core_db_pool_connections{state=\"idle\"}",
    ] {
        assert!(text.contains(expected), "missing {expected}\n{text}");
    }
}
