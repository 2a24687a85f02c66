//! What the gateway's browser-facing parts share: its public origin (for
//! the links it hands out), the captcha of its public pages, and HTML
//! escaping. Below `state` and `routes`, which both use it; the web panel
//! will live here too.

use crate::config::Config;

mod captcha;
pub mod html;

pub use captcha::Captcha;

/// What the pages and the links need, from the gateway's flags.
#[derive(Debug)]
pub struct Web {
    /// `--public-url`, without a trailing slash.
    pub public_url: Option<String>,
    /// Whether the gateway serves HTTPS (the scheme of links without
    /// `--public-url`).
    pub https: bool,
    pub captcha: Option<Captcha>,
    /// `--web-panel`: whether the panel's pages are served.
    pub panel: bool,
}

impl Web {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let captcha = match (&config.hcaptcha_secret, &config.hcaptcha_sitekey) {
            (Some(secret), Some(sitekey)) => Some(Captcha::new(
                secret.clone(),
                sitekey.clone(),
                config.hcaptcha_verify_url.clone(),
            )?),
            _ => None,
        };
        Ok(Self {
            public_url: config.public_url.clone(),
            https: config.tls_cert_file.is_some(),
            captcha,
            panel: config.web_panel,
        })
    }

    /// Whether browsers reach the gateway over HTTPS: it serves TLS, or
    /// `--public-url` says https (a TLS-terminating proxy in front). The
    /// panel's cookies are then `__Host-` and `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.https
            || self
                .public_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://"))
    }

    /// The public origin for a request: `--public-url`, else the scheme
    /// served and the request's `Host`.
    pub fn origin(&self, parts_host: Option<&str>) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => {
                let scheme = if self.https { "https" } else { "http" };
                format!("{scheme}://{}", parts_host.unwrap_or("localhost"))
            }
        }
    }
}
