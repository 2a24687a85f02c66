//! One core endpoint's connection: hyper's pooled HTTP/2 client, over
//! plain TCP or TLS, to one address (or, before the first resolution, to
//! what the URL's host resolves to).

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{
        connect::{dns::Name, HttpConnector},
        Client,
    },
    rt::TokioExecutor,
};

/// How long connecting to the core may take before the request fails: a
/// refused or silent core must turn into a 503 quickly, not a hang.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// One endpoint's pooled client, over plain TCP or TLS (`https://` core
/// URLs): HTTP/2 only, one connection opened on first use and again after
/// it breaks.
#[derive(Clone, Debug)]
pub(super) enum Pool {
    Plain(Client<HttpConnector<Resolver>, tonic::body::Body>),
    Tls(Client<HttpsConnector<HttpConnector<Resolver>>, tonic::body::Body>),
}

impl Pool {
    pub(super) fn send(
        &self,
        request: hyper::Request<tonic::body::Body>,
    ) -> hyper_util::client::legacy::ResponseFuture {
        match self {
            Pool::Plain(client) => client.request(request),
            Pool::Tls(client) => client.request(request),
        }
    }
}

/// What every endpoint's connections share: only the address differs.
#[derive(Clone, Debug)]
pub(super) struct Connector {
    /// `None` for `http://` core URLs.
    pub(super) tls: Option<rustls::ClientConfig>,
}

impl Connector {
    /// A pool that connects to `address`, or, with `None`, to what the
    /// URL's host resolves to at each connection.
    pub(super) fn pool(&self, address: Option<SocketAddr>) -> Pool {
        let mut connector = HttpConnector::new_with_resolver(Resolver(address));
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        connector.set_nodelay(true);
        let mut builder = Client::builder(TokioExecutor::new());
        builder.http2_only(true);
        match &self.tls {
            None => Pool::Plain(builder.build(connector)),
            Some(tls) => {
                connector.enforce_http(false);
                // The URL keeps its host name, so the certificate is checked
                // against it whichever address the connection goes to.
                let connector = HttpsConnectorBuilder::new()
                    .with_tls_config(tls.clone())
                    .https_only()
                    .enable_http2()
                    .wrap_connector(connector);
                Pool::Tls(builder.build(connector))
            }
        }
    }
}

/// An endpoint's one address, or the system's resolver before the first
/// resolution (`None`). hyper does not ask for an IP address URL.
#[derive(Clone, Debug)]
pub(super) struct Resolver(Option<SocketAddr>);

type Resolving =
    Pin<Box<dyn Future<Output = std::io::Result<std::vec::IntoIter<SocketAddr>>> + Send>>;

impl tower_service::Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Resolving {
        let fixed = self.0;
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = match fixed {
                Some(address) => vec![address],
                // Port 0: hyper sets the URL's.
                None => tokio::net::lookup_host((name.as_str(), 0)).await?.collect(),
            };
            Ok(addresses.into_iter())
        })
    }
}
