//! The core's hot paths over gRPC: `VerifyDigest` (challenge once per
//! connection, then nc = 1, 2, 3 …, as a proxy reusing a nonce would) and
//! `GetCredentials` (what a SIP proxy computing Digest itself asks).

use std::time::Instant;

use flexiapi_proto::pb::{self, auth_service_client::AuthServiceClient};
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::{Schedule, Tally};

#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port` of the core.
    pub url: String,
    pub username: String,
    pub password: String,
    pub domain: String,
}

/// One HTTP/2 connection per load connection, driven straight through
/// hyper: tonic's `Channel` would put a buffer task between every call and
/// the connection, and that hop cost the load tool more CPU than the call.
/// The tool shares the cores with what it measures, so every µs it spends
/// is taken from the server.
#[derive(Clone)]
struct H2(hyper::client::conn::http2::SendRequest<tonic::body::Body>);

type Call = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<hyper::Response<hyper::body::Incoming>, hyper::Error>,
            > + Send,
    >,
>;

impl tower_service::Service<hyper::Request<tonic::body::Body>> for H2 {
    type Response = hyper::Response<hyper::body::Incoming>;
    type Error = hyper::Error;
    type Future = Call;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: hyper::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.send_request(request))
    }
}

async fn connect(url: &str, tally: &mut Tally) -> Option<AuthServiceClient<H2>> {
    match open(url).await {
        Ok(client) => Some(client),
        Err(error) => {
            tally.error(|| format!("connect {url}: {error:#}"));
            None
        }
    }
}

async fn open(url: &str) -> anyhow::Result<AuthServiceClient<H2>> {
    let origin: hyper::Uri = url.parse()?;
    let authority = origin
        .authority()
        .ok_or_else(|| anyhow::anyhow!("no host:port in {url}"))?
        .as_str()
        .to_owned();
    let tcp = tokio::net::TcpStream::connect(&authority).await?;
    tcp.set_nodelay(true)?;
    let (send, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await?;
    tokio::spawn(connection);
    Ok(AuthServiceClient::with_origin(H2(send), origin))
}

pub async fn verify_client(target: Target, mut schedule: Schedule) -> Tally {
    let mut tally = Tally::default();
    let Some(mut auth) = connect(&target.url, &mut tally).await else {
        return tally;
    };
    let mut current: Option<(pb::DigestChallenge, u32)> = None;
    while schedule.next().await {
        let started = Instant::now();
        if current.is_none() {
            let request = pb::ChallengeRequest {
                username: target.username.clone(),
                domain: target.domain.clone(),
                ..Default::default()
            };
            match auth.challenge(request).await {
                Ok(response) => current = response.into_inner().challenges.pop().map(|c| (c, 0)),
                Err(status) => {
                    tally.error(|| format!("Challenge: {status}"));
                    return tally;
                }
            }
        }
        let Some((challenge, nc)) = current.as_mut() else {
            tally.error(|| "the account has no password".to_owned());
            return tally;
        };
        *nc += 1;
        match auth.verify_digest(answer(&target, challenge, *nc)).await {
            Ok(response) if response.get_ref().ok => tally.ok(started),
            Ok(response) => {
                let response = response.into_inner();
                tally.error(|| format!("VerifyDigest refused: {}", response.message));
                current = response.challenges.into_iter().last().map(|c| (c, 0));
            }
            Err(status) => tally.error(|| format!("VerifyDigest: {status}")),
        }
    }
    tally
}

fn answer(target: &Target, challenge: &pb::DigestChallenge, nc: u32) -> pb::VerifyDigestRequest {
    let hash = |text: String| match challenge.algorithm.as_str() {
        "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
        _ => hex::encode(Md5::digest(text.as_bytes())),
    };
    let (uri, nc, cnonce) = ("/api/ping", format!("{nc:08x}"), "a1b2c3d4");
    let ha1 = hash(format!(
        "{}:{}:{}",
        target.username, challenge.realm, target.password
    ));
    let ha2 = hash(format!("GET:{uri}"));
    let response = hash(format!(
        "{ha1}:{}:{nc}:{cnonce}:auth:{ha2}",
        challenge.nonce
    ));
    pb::VerifyDigestRequest {
        username: target.username.clone(),
        domain: target.domain.clone(),
        method: "GET".into(),
        request_uri: uri.into(),
        // A client of its own, as a SIP proxy relaying one would give.
        client_address: "192.0.2.10".into(),
        nonce_from_caller: false,
        pending: pb::PendingAccess::None.into(),
        digest: Some(pb::DigestFields {
            username: target.username.clone(),
            realm: challenge.realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: uri.into(),
            nc,
            cnonce: cnonce.into(),
            qop: "auth".into(),
            response,
            opaque: challenge.opaque.clone(),
            algorithm: challenge.algorithm.clone(),
            userhash: String::new(),
        }),
    }
}

pub async fn credentials_client(target: Target, mut schedule: Schedule) -> Tally {
    let mut tally = Tally::default();
    let Some(mut auth) = connect(&target.url, &mut tally).await else {
        return tally;
    };
    let request = pb::GetCredentialsRequest {
        username: target.username.clone(),
        domain: target.domain.clone(),
    };
    while schedule.next().await {
        let started = Instant::now();
        match auth.get_credentials(request.clone()).await {
            Ok(response) if !response.get_ref().credentials.is_empty() => tally.ok(started),
            Ok(_) => tally.error(|| "GetCredentials: no credentials".to_owned()),
            Err(status) => tally.error(|| format!("GetCredentials: {status}")),
        }
    }
    tally
}
