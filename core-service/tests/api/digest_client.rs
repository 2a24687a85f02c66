//! The tests' own Digest client, apart from the core's `digest` module.

use md5::Md5;
use sha2::{Digest, Sha256};

use flexiapi_proto::pb;

/// What a Digest client (curl, a Linphone app) computes, written here
/// independently of the core's own `digest` module.
pub struct DigestClient<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub cnonce: &'a str,
}

impl DigestClient<'_> {
    pub fn new<'a>(username: &'a str, password: &'a str) -> DigestClient<'a> {
        DigestClient {
            username,
            password,
            method: "GET",
            uri: "/api/ping",
            cnonce: "0a4f113b",
        }
    }

    /// The `VerifyDigestRequest` a gateway would send for this client's
    /// answer to `challenge` with nonce count `nc`.
    pub fn answer(&self, challenge: &pb::DigestChallenge, nc: u32) -> pb::VerifyDigestRequest {
        let nc = format!("{nc:08x}");
        let h = |parts: &[&str]| hash(&challenge.algorithm, &parts.join(":"));
        let ha1 = h(&[self.username, &challenge.realm, self.password]);
        let ha2 = h(&[self.method, self.uri]);
        let response = h(&[&ha1, &challenge.nonce, &nc, self.cnonce, "auth", &ha2]);
        pb::VerifyDigestRequest {
            username: self.username.into(),
            domain: String::new(),
            method: self.method.into(),
            request_uri: self.uri.into(),
            client_address: String::new(),
            nonce_from_caller: false,
            pending: pb::PendingAccess::None.into(),
            digest: Some(pb::DigestFields {
                username: self.username.into(),
                realm: challenge.realm.clone(),
                nonce: challenge.nonce.clone(),
                uri: self.uri.into(),
                nc,
                cnonce: self.cnonce.into(),
                qop: "auth".into(),
                response,
                opaque: challenge.opaque.clone(),
                algorithm: challenge.algorithm.clone(),
                userhash: String::new(),
            }),
        }
    }
}

pub fn hash(algorithm: &str, text: &str) -> String {
    match algorithm {
        "MD5" => hex::encode(Md5::digest(text.as_bytes())),
        "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
        other => panic!("no such algorithm {other}"),
    }
}
