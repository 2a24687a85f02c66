//! Flexisip's ExternalAuthentication requests, as one proxy sends them: a
//! `GET` of the README's `remote-auth-uri` for each SIP REGISTER answer,
//! the next only when the previous answer is in. The SIP client behind it
//! reuses its nonce with `nc` + 1, as Linphone does; a success is an HTTP
//! 200 whose body says `Status: 200`.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::{http::Connection, Schedule, Tally};

#[derive(Debug, Clone)]
pub struct Target {
    /// The gateway's `host:port`.
    pub addr: String,
    /// A key of scope `external-auth`.
    pub key: String,
    pub username: String,
    pub password: String,
    pub domain: String,
    /// `MD5` or `SHA-256`.
    pub algorithm: String,
}

impl Target {
    /// The path Flexisip requests for the answer with count `nc` to `nonce`.
    fn path(&self, nonce: &str, nc: u32) -> String {
        let hash = |text: String| match self.algorithm.as_str() {
            "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
            _ => hex::encode(Md5::digest(text.as_bytes())),
        };
        let (nc, cnonce, uri) = (
            format!("{nc:08x}"),
            "b3c1a2f0",
            format!("sip:{}", self.domain),
        );
        let ha1 = hash(format!(
            "{}:{}:{}",
            self.username, self.domain, self.password
        ));
        let ha2 = hash(format!("REGISTER:{uri}"));
        let response = hash(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
        let from = format!("<sip:{}@{}>;tag=bench", self.username, self.domain);
        let via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-bench";
        format!(
            "/api/flexisip/external-auth?key={}&method=REGISTER&from={}&domain={}&username={}\
             &realm={}&nonce={}&uri={}&nc={nc}&cnonce={cnonce}&qop=auth&response={response}\
             &opaque=null&algorithm={}&via={}",
            self.key,
            escape(&from),
            escape(&self.domain),
            escape(&self.username),
            escape(&self.domain),
            escape(nonce),
            escape(&uri),
            escape(&self.algorithm),
            escape(via),
        )
    }
}

/// URI-escapes all but RFC 3986's unreserved characters, as Flexisip does.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("%{byte:02X}"));
        }
    }
    escaped
}

/// One proxy's connection, for the run's `schedule`.
pub async fn client(target: Target, mut schedule: Schedule) -> Tally {
    let mut tally = Tally::default();
    let Some(mut connection) = Connection::open_for(&target.addr, &mut tally).await else {
        return tally;
    };
    // A nonce of this run's and this connection's own, so that neither a
    // rerun nor another connection replays its counts.
    static CONNECTIONS: AtomicU32 = AtomicU32::new(0);
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let number = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let nonce = format!("YmVuY2g+{:x}/{number}", since_epoch.as_nanos());
    let mut nc = 0u32;
    while schedule.next().await {
        nc += 1;
        let path = target.path(&nonce, nc);
        let started = Instant::now();
        match connection.get_path(&target.addr, &path).await {
            Ok(response)
                if response.status == 200 && connection.body().starts_with(b"Status: 200\n") =>
            {
                tally.ok(started);
            }
            Ok(response) => {
                let body = String::from_utf8_lossy(connection.body()).into_owned();
                tally.error(|| format!("answered {}: {body}", response.status));
            }
            Err(error) => {
                tally.error(|| format!("request: {error}"));
                return tally;
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_flexisip_escapes_them() {
        assert_eq!(escape("<sip:a@b.c>;tag=1"), "%3Csip%3Aa%40b.c%3E%3Btag%3D1");
        assert_eq!(escape("ab+/="), "ab%2B%2F%3D");
    }
}
