//! One core endpoint's connection: hyper's pooled HTTP/2 client, over
//! plain TCP or TLS, to one address (or, before the first resolution, to
//! what the URL's host resolves to), or over the core's Unix socket.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    path::PathBuf,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};

use super::corked::Corked;
use hyper_util::{
    client::legacy::{
        connect::{dns::Name, Connected, Connection, HttpConnector},
        Client,
    },
    rt::{TokioExecutor, TokioIo},
};

/// How long connecting to the core may take before the request fails: a
/// refused or silent core must turn into a 503 quickly, not a hang.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// One endpoint's pooled client, over plain TCP, TLS (`https://` core
/// URLs) or a Unix socket (`unix:`): HTTP/2 only, one connection opened on
/// first use and again after it breaks.
#[derive(Clone, Debug)]
pub(super) enum Pool {
    Unix(Client<Corked<UnixConnector>, tonic::body::Body>),
    Plain(Client<Corked<HttpConnector<Resolver>>, tonic::body::Body>),
    Tls(Client<HttpsConnector<Corked<HttpConnector<Resolver>>>, tonic::body::Body>),
}

impl Pool {
    pub(super) fn send(
        &self,
        request: hyper::Request<tonic::body::Body>,
    ) -> hyper_util::client::legacy::ResponseFuture {
        match self {
            Pool::Unix(client) => client.request(request),
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
    /// A `unix:` core URL's socket: then the only endpoint, whatever its
    /// address.
    pub(super) unix: Option<PathBuf>,
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
        if let Some(path) = &self.unix {
            return Pool::Unix(builder.build(Corked(UnixConnector(path.clone()))));
        }
        match &self.tls {
            None => Pool::Plain(builder.build(Corked(connector))),
            Some(tls) => {
                connector.enforce_http(false);
                // The URL keeps its host name, so the certificate is checked
                // against it whichever address the connection goes to.
                let connector = HttpsConnectorBuilder::new()
                    .with_tls_config(tls.clone())
                    .https_only()
                    .enable_http2()
                    .wrap_connector(Corked(connector));
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

/// Connects to the core's Unix socket, within [`CONNECT_TIMEOUT`].
#[derive(Clone, Debug)]
pub(super) struct UnixConnector(PathBuf);

type Connecting = Pin<Box<dyn Future<Output = io::Result<UnixIo>> + Send>>;

impl tower_service::Service<hyper::Uri> for UnixConnector {
    type Response = UnixIo;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Connecting {
        let path = self.0.clone();
        Box::pin(async move {
            let connect = tokio::net::UnixStream::connect(&path);
            let stream = tokio::time::timeout(CONNECT_TIMEOUT, connect)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
            Ok(UnixIo(TokioIo::new(stream)))
        })
    }
}

/// A Unix socket connection as hyper's client takes it.
pub(super) struct UnixIo(TokioIo<tokio::net::UnixStream>);

impl Connection for UnixIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for UnixIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for UnixIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    // hyper writes a frame's header and body in one vectored call.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
