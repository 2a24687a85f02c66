//! A Digest client written here, independently of the gateway's own
//! parser and maths, as Linphone or curl behave.

use std::collections::BTreeMap;

use md5::Md5;
use reqwest::{header, Method, StatusCode};
use sha2::{Digest, Sha256};

use crate::helpers::{json, DOMAIN};

/// One `WWW-Authenticate: Digest …` challenge, parsed independently of the
/// gateway's own parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge(pub BTreeMap<String, String>);

impl Challenge {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }
}

pub fn challenges(response: &reqwest::Response) -> Vec<Challenge> {
    response
        .headers()
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .map(|value| {
            let text = value.to_str().unwrap();
            let params = text.strip_prefix("Digest ").expect("a Digest challenge");
            Challenge(
                params
                    .split(',')
                    .map(|pair| {
                        let (key, value) = pair.split_once('=').unwrap();
                        (key.trim().to_owned(), value.trim_matches('"').to_owned())
                    })
                    .collect(),
            )
        })
        .collect()
}

pub fn hash(algorithm: &str, text: &str) -> String {
    match algorithm {
        "MD5" => hex::encode(Md5::digest(text.as_bytes())),
        "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
        other => panic!("no such algorithm {other}"),
    }
}

/// A Digest client as Linphone or curl behaves: challenge once, then reuse
/// the nonce with nc = 1, 2, 3 …
pub struct DigestClient {
    http: reqwest::Client,
    base: String,
    pub username: String,
    pub password: String,
    pub domain: String,
    pub challenge: Option<Challenge>,
    pub nc: u32,
}

impl DigestClient {
    pub fn new(base: &str, username: &str, password: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            username: username.into(),
            password: password.into(),
            domain: DOMAIN.into(),
            challenge: None,
            nc: 0,
        }
    }

    /// The same client, connecting from `address` (any of 127.0.0.0/8 on
    /// loopback): another client address to the gateway.
    pub fn connecting_from(mut self, address: &str) -> Self {
        self.http = reqwest::Client::builder()
            .local_address(Some(address.parse().unwrap()))
            .build()
            .unwrap();
        self
    }

    /// The same client, now asking the gateway at `base`: what a client
    /// behind a load balancer sees from one request to the next.
    pub fn through(&mut self, base: &str) {
        base.clone_into(&mut self.base);
    }

    pub fn sip_from(&self) -> String {
        format!("sip:{}@{}", self.username, self.domain)
    }

    /// Sends without credentials; keeps the challenge of `algorithm`.
    pub async fn fetch_challenge(&mut self, algorithm: &str) -> reqwest::Response {
        let response = self
            .http
            .get(format!("{}/api/ping", self.base))
            .header(header::FROM, self.sip_from())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        self.challenge = challenges(&response)
            .into_iter()
            .find(|c| c.get("algorithm") == algorithm);
        self.nc = 0;
        response
    }

    /// The status of an unauthenticated request: 401 while the `From`
    /// names an account, 404 once it names none.
    pub async fn fetch_challenge_status(&self) -> StatusCode {
        self.http
            .get(format!("{}/api/ping", self.base))
            .header(header::FROM, self.sip_from())
            .send()
            .await
            .unwrap()
            .status()
    }

    /// The `Authorization` value for the next request, with `nc + 1`.
    pub fn authorization(&mut self, method: &str, uri: &str) -> String {
        self.nc += 1;
        let challenge = self.challenge.as_ref().expect("fetch_challenge first");
        let algorithm = challenge.get("algorithm");
        let nc = format!("{:08x}", self.nc);
        let cnonce = format!("c{:x}", self.nc * 7919);
        let ha1 = hash(
            algorithm,
            &format!(
                "{}:{}:{}",
                self.username,
                challenge.get("realm"),
                self.password
            ),
        );
        let ha2 = hash(algorithm, &format!("{method}:{uri}"));
        let response = hash(
            algorithm,
            &format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", challenge.get("nonce")),
        );
        format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={algorithm}, \
             qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\", opaque=\"{}\"",
            self.username,
            challenge.get("realm"),
            challenge.get("nonce"),
            challenge.get("opaque"),
        )
    }

    /// The `Authorization` for the next request, fetching a SHA-256 (else
    /// MD5) challenge first if there is none.
    pub async fn authorization_for_next(&mut self, method: &str, uri: &str) -> String {
        if self.challenge.is_none() {
            self.fetch_challenge("SHA-256").await;
            if self.challenge.is_none() {
                self.fetch_challenge("MD5").await;
            }
        }
        self.authorization(method, uri)
    }

    /// An authenticated request.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let authorization = self.authorization_for_next(method.as_str(), path).await;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(header::FROM, self.sip_from())
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, authorization);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        self.send(Method::GET, path, None).await
    }

    /// The JSON answer of an authenticated request, asserting its status.
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        status: StatusCode,
    ) -> serde_json::Value {
        json(self.send(method, path, body).await, status).await
    }
}
