//! Mail over SMTP (lettre): `smtp://` with STARTTLS when the relay offers
//! it (`?tls=required`: refuse to go on without), `smtps://` with TLS from
//! the start; credentials from the URL. Sending waits for the relay's
//! answer, so a 200 means the relay took the mail.

use anyhow::Context as _;
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{SmtpConfig, DELIVERY_TIMEOUT};
use crate::{
    domain::{
        random::{random_text, ALPHANUMERIC},
        Domain,
    },
    rules::onboarding::delivery::{Mail, Undelivered},
};

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    relay: String,
    /// The right side of Message-IDs: the SIP domain.
    domain: String,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("relay", &self.relay)
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

/// How the connection is secured.
#[derive(Debug, PartialEq, Eq)]
enum Security {
    /// STARTTLS when offered.
    Opportunistic,
    StartTlsRequired,
    /// TLS from the start (`smtps://`).
    Wrapper,
}

/// The parts of `--smtp-url`.
#[derive(Debug, PartialEq, Eq)]
struct Relay {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<(String, String)>,
}

fn parse_url(raw: &str) -> anyhow::Result<Relay> {
    // The message names the flag, never the URL: it may hold a password.
    let url = url::Url::parse(raw).context("--smtp-url is not a URL")?;
    let (security, default_port) = match url.scheme() {
        "smtps" => (Security::Wrapper, 465),
        "smtp" => {
            let required = url
                .query_pairs()
                .any(|(key, value)| key == "tls" && value == "required");
            let security = if required {
                Security::StartTlsRequired
            } else {
                Security::Opportunistic
            };
            (security, 587)
        }
        _ => anyhow::bail!("--smtp-url must start with smtp:// or smtps://"),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .context("--smtp-url has no host")?
        .to_owned();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let credentials = (!url.username().is_empty()).then(|| {
        (
            decode(url.username()),
            decode(url.password().unwrap_or_default()),
        )
    });
    Ok(Relay {
        host,
        port: url.port().unwrap_or(default_port),
        security,
        credentials,
    })
}

impl Smtp {
    pub fn build(config: &SmtpConfig, sip_domain: &Domain) -> anyhow::Result<Self> {
        let relay = parse_url(&config.url)?;
        let tls = || TlsParameters::new(relay.host.clone()).context("--smtp-url's host for TLS");
        let security = match relay.security {
            Security::Opportunistic => Tls::Opportunistic(tls()?),
            Security::StartTlsRequired => Tls::Required(tls()?),
            Security::Wrapper => Tls::Wrapper(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host)
            .port(relay.port)
            .tls(security)
            .timeout(Some(DELIVERY_TIMEOUT));
        if let Some((user, password)) = &relay.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let address = config
            .from
            .clone()
            .unwrap_or_else(|| format!("no-reply@{sip_domain}"));
        let from = Mailbox::new(
            config.from_name.clone(),
            address
                .parse()
                .context("--mail-from is not an email address")?,
        );
        Ok(Self {
            transport: builder.build(),
            from,
            relay: format!("{}:{}", relay.host, relay.port),
            domain: sip_domain.to_string(),
        })
    }

    pub async fn send(&self, mail: Mail<'_>) -> Result<(), Undelivered> {
        let to = mail.to.parse().map_err(|_| {
            tracing::warn!("a mail address the relay cannot take");
            Undelivered::Failed
        })?;
        let unique = random_text(ALPHANUMERIC, 24).map_err(|_| Undelivered::Failed)?;
        let message = Message::builder()
            .message_id(Some(format!("<{}@{}>", unique.expose(), self.domain)))
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.to_owned())
            .map_err(|error| {
                tracing::error!(%error, "cannot build the mail");
                Undelivered::Failed
            })?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::warn!(provider = "smtp", relay = %self.relay, %error, "mail not sent");
                Err(Undelivered::Failed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_give_host_port_security_and_credentials() {
        let relay = parse_url("smtp://mailer:p%40ss@mail.example.org:2525?tls=required").unwrap();
        assert_eq!(
            relay,
            Relay {
                host: "mail.example.org".into(),
                port: 2525,
                security: Security::StartTlsRequired,
                credentials: Some(("mailer".into(), "p@ss".into())),
            }
        );
        let relay = parse_url("smtps://mail.example.org").unwrap();
        assert_eq!((relay.port, relay.security), (465, Security::Wrapper));
        assert_eq!(
            parse_url("smtp://127.0.0.1:25").unwrap().security,
            Security::Opportunistic
        );
        for bad in ["http://x", "smtp://", "not a url"] {
            let error = parse_url(bad).unwrap_err().to_string();
            assert!(error.contains("--smtp-url"), "{error}");
        }
        let error = parse_url("ftp://user:hunter2@x").unwrap_err().to_string();
        assert!(!error.contains("hunter2"));
    }
}
