//! Command line and environment: every flag has an environment variable (the
//! flag wins); the defaults reach a core on the same laptop.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "rest-gateway",
    version,
    about = "Serves the documented /api JSON contract, protected by HTTP Digest, by calling the core service over gRPC.",
    long_about = "Serves the documented /api JSON contract (GET /api for the documentation page), \
                  protected by HTTP Digest (RFC 7616, MD5 and SHA-256). It holds no state: every \
                  request becomes gRPC calls to core-service, so any number of replicas can run."
)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// The core service's gRPC URL: http://HOST:PORT (HTTP/2 without TLS),
    /// https://HOST:PORT (with --core-ca-file), or unix:/PATH (the core's
    /// --unix-socket on the same host). Several replicas: URLs
    /// separated by commas, or a host name resolving to each (a headless
    /// Service), resolved again every 2 s.
    #[arg(
        long,
        env = "FLEXIAPI_CORE_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    pub core_url: String,

    /// With an https:// --core-url: the PEM CA certificate(s) that signed
    /// the core's certificate.
    #[arg(long, env = "FLEXIAPI_CORE_CA_FILE")]
    pub core_ca_file: Option<PathBuf>,

    /// With an https:// --core-url: the gateway's own PEM certificate, for
    /// a core that requires client certificates (mutual TLS).
    #[arg(
        long,
        env = "FLEXIAPI_CORE_CLIENT_CERT_FILE",
        requires = "core_client_key_file"
    )]
    pub core_client_cert_file: Option<PathBuf>,

    /// The PEM private key of --core-client-cert-file.
    #[arg(
        long,
        env = "FLEXIAPI_CORE_CLIENT_KEY_FILE",
        requires = "core_client_cert_file"
    )]
    pub core_client_key_file: Option<PathBuf>,

    /// The bearer token this gateway presents to the core (its line in the
    /// core's clients file holds the token's SHA-256, role gateway).
    /// FLEXIAPI_CORE_TOKEN_FILE may name a file holding it.
    #[arg(long, env = "FLEXIAPI_CORE_TOKEN", hide_env_values = true)]
    pub core_token: Option<String>,

    /// Longest a whole request may take, body included: then 408 when the
    /// body had not all arrived (a slow client), else 503 (a slow core).
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_REQUEST_TIMEOUT_SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=300)
    )]
    pub request_timeout_seconds: u64,

    /// Longest a new connection may take to send its first request head
    /// (request line and headers), and any later head from its first
    /// byte; then the connection is closed (slow-header clients).
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_HEADER_READ_TIMEOUT_SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=300)
    )]
    pub header_read_timeout_seconds: u64,

    /// Longest an HTTP/1.1 connection may stay idle between requests (an
    /// HTTP/2 one with no stream open); set it above the idle timeout of
    /// any load balancer in front.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_KEEP_ALIVE_TIMEOUT_SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub keep_alive_timeout_seconds: u64,

    /// Longest one gRPC call to the core may take; then 503.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_CORE_TIMEOUT_SECONDS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..=300)
    )]
    pub core_timeout_seconds: u64,

    /// Largest request body accepted; larger ones get 413 (at once when
    /// their Content-Length says so).
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_BODY_LIMIT_BYTES",
        default_value_t = 64 * 1024,
        value_parser = clap::value_parser!(u64).range(1..=16 * 1024 * 1024)
    )]
    pub body_limit_bytes: u64,

    /// PEM certificate chain: serve HTTPS (ALPN h2 and http/1.1) instead of
    /// plain HTTP/1.1 and h2c. Flexisip's FlexiAPI client needs HTTPS.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_TLS_CERT_FILE",
        requires = "tls_key_file"
    )]
    pub tls_cert_file: Option<PathBuf>,

    /// PEM private key of --tls-cert-file.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_TLS_KEY_FILE",
        requires = "tls_cert_file"
    )]
    pub tls_key_file: Option<PathBuf>,

    /// How often the TLS files are read again for a renewed certificate
    /// (also at SIGHUP); a change is served without a restart.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_TLS_RELOAD_SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub tls_reload_seconds: u64,

    /// Threads serving requests. Default: one where this process may use
    /// at most 2 CPUs (a container's CPU limit included), else one per CPU;
    /// see `flexiapi_process::runtime::flavor`.
    #[arg(long, env = "FLEXIAPI_WORKER_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub worker_threads: Option<u16>,

    /// Web origins whose pages may call the API from a browser (CORS),
    /// comma-separated exact origins (https://admin.example.org,
    /// http://localhost:5173); none by default. No wildcard: answers carry
    /// API keys.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_parser = crate::layers::parse_origin
    )]
    pub cors_allowed_origins: Vec<axum::http::HeaderValue>,

    /// Take the client's address, which the core's failure limits count
    /// by, from the first X-Forwarded-For hop instead of the connection:
    /// only behind a proxy that sets the header (else any client picks its
    /// own address and escapes the limits).
    #[arg(long, env = "FLEXIAPI_GATEWAY_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Serve the web panel (`/login`, `/dashboard`…) beside the API;
    /// `false`: its paths answer 404.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_WEB_PANEL",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub web_panel: bool,

    /// The gateway's public origin (https://account.example.org): the
    /// links it hands out (a request token's validation_url) start with
    /// it. Default: the scheme served and the request's Host.
    #[arg(long, env = "FLEXIAPI_GATEWAY_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// hCaptcha secret: with --hcaptcha-sitekey, the browser pages that
    /// validate a request token or start a recovery by email ask for a
    /// captcha. FLEXIAPI_GATEWAY_HCAPTCHA_SECRET_FILE may name a file holding it.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_HCAPTCHA_SECRET",
        hide_env_values = true,
        requires = "hcaptcha_sitekey"
    )]
    pub hcaptcha_secret: Option<String>,

    /// hCaptcha site key (public), shown in the pages' widget.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_HCAPTCHA_SITEKEY",
        requires = "hcaptcha_secret"
    )]
    pub hcaptcha_sitekey: Option<String>,

    /// Where captcha answers are checked.
    #[arg(
        long,
        env = "FLEXIAPI_GATEWAY_HCAPTCHA_VERIFY_URL",
        default_value = "https://api.hcaptcha.com/siteverify"
    )]
    pub hcaptcha_verify_url: String,
}

/// An http(s) origin, without a trailing slash.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let uri: axum::http::Uri = raw
        .parse()
        .map_err(|_| format!("{raw:?} is not a URL (--public-url)"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.authority().is_none() {
        return Err(format!(
            "{raw:?}: expected http(s)://HOST[:PORT][/PATH] (--public-url)"
        ));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

impl Default for Config {
    /// What a bare `rest-gateway` runs with (no variable set).
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            core_url: "http://127.0.0.1:50051".into(),
            core_token: None,
            core_ca_file: None,
            core_client_cert_file: None,
            core_client_key_file: None,
            request_timeout_seconds: 10,
            header_read_timeout_seconds: 10,
            keep_alive_timeout_seconds: 60,
            core_timeout_seconds: 5,
            body_limit_bytes: 64 * 1024,
            tls_cert_file: None,
            tls_key_file: None,
            tls_reload_seconds: 60,
            worker_threads: None,
            trust_forwarded_for: false,
            web_panel: true,
            cors_allowed_origins: Vec::new(),
            public_url: None,
            hcaptcha_secret: None,
            hcaptcha_sitekey: None,
            hcaptcha_verify_url: "https://api.hcaptcha.com/siteverify".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_reach_a_local_core() {
        let config = Config::try_parse_from(["rest-gateway"]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.core_url, "http://127.0.0.1:50051");
        let default = Config::default();
        assert_eq!(
            (default.listen, &default.core_url, default.body_limit_bytes),
            (config.listen, &config.core_url, config.body_limit_bytes)
        );
    }

    #[test]
    fn a_certificate_needs_its_key_and_a_key_its_certificate() {
        for args in [
            ["rest-gateway", "--tls-cert-file", "cert.pem"],
            ["rest-gateway", "--tls-key-file", "key.pem"],
        ] {
            let error = Config::try_parse_from(args).unwrap_err().to_string();
            assert!(error.contains("--tls-"), "{error}");
        }
        let both = [
            "rest-gateway",
            "--tls-cert-file",
            "c",
            "--tls-key-file",
            "k",
        ];
        assert!(Config::try_parse_from(both).is_ok());
    }

    /// docs/configuration.md is where operators look a flag up.
    #[test]
    fn every_flag_is_documented() {
        use clap::CommandFactory as _;
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/configuration.md"),
        )
        .unwrap();
        let missing = flexiapi_process::flags::undocumented(&Config::command(), &docs);
        assert!(
            missing.is_empty(),
            "not in docs/configuration.md: {missing:?}"
        );
    }

    #[test]
    fn bad_flags_name_themselves() {
        for args in [
            ["rest-gateway", "--listen", "8080"],
            ["rest-gateway", "--request-timeout-seconds", "0"],
            ["rest-gateway", "--body-limit-bytes", "0"],
            ["rest-gateway", "--worker-threads", "0"],
            ["rest-gateway", "--tls-reload-seconds", "0"],
            ["rest-gateway", "--header-read-timeout-seconds", "0"],
            ["rest-gateway", "--keep-alive-timeout-seconds", "0"],
        ] {
            let error = Config::try_parse_from(args).unwrap_err().to_string();
            assert!(error.contains(args[1]), "{error}");
        }
    }
}
