//! What the gRPC server accepts: connections to the TCP port and, with
//! `--unix-socket`, to a Unix socket, for a gateway on the same host. Both
//! reach the same server, services and callers' rules; the socket spares
//! each call the loopback TCP stack (2-7 % more requests a second through
//! the pair, bench/notes.md "A Unix socket between gateway and core").

use std::{
    io,
    os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _},
    path::{Path, PathBuf},
    pin::Pin,
    task::{Context, Poll},
};

use anyhow::Context as _;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream, UnixListener, UnixStream},
};
use tokio_stream::{
    wrappers::{TcpListenerStream, UnixListenerStream},
    Stream, StreamExt as _,
};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// The socket's mode: its owner and group may connect. The file is the
/// fence, as the loopback address is for the TCP port without a clients
/// file.
const SOCKET_MODE: u32 = 0o660;

/// The bound Unix socket; its file is removed when this is dropped.
pub struct UnixSocket {
    listener: Option<UnixListener>,
    path: PathBuf,
    /// The file's device and inode: removed at the end only while it is
    /// still this one (a newer core may have replaced it).
    file: (u64, u64),
}

impl UnixSocket {
    /// Binds `path`. A socket file left by a core that did not stop
    /// cleanly is replaced; one that a live process serves is not, nor a
    /// file that is not a socket.
    pub async fn bind(path: &Path) -> anyhow::Result<Self> {
        let flag = "--unix-socket / FLEXIAPI_CORE_UNIX_SOCKET";
        if let Ok(metadata) = std::fs::symlink_metadata(path) {
            anyhow::ensure!(
                metadata.file_type().is_socket(),
                "{} exists and is not a socket ({flag})",
                path.display()
            );
            anyhow::ensure!(
                UnixStream::connect(path).await.is_err(),
                "another process serves on {} ({flag})",
                path.display()
            );
            std::fs::remove_file(path)
                .with_context(|| format!("cannot replace {} ({flag})", path.display()))?;
        }
        let listener = UnixListener::bind(path)
            .with_context(|| format!("cannot listen on {} ({flag})", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(SOCKET_MODE))
            .with_context(|| format!("cannot set the mode of {}", path.display()))?;
        let metadata = std::fs::symlink_metadata(path)?;
        Ok(Self {
            listener: Some(listener),
            path: path.to_owned(),
            file: (metadata.dev(), metadata.ino()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        let still_ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|metadata| (metadata.dev(), metadata.ino()) == self.file);
        if still_ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

type Connections = Pin<Box<dyn Stream<Item = io::Result<Accepted>> + Send>>;

/// Every connection the server is to answer, from both listeners.
pub fn incoming(tcp: TcpListener, unix: Option<&mut UnixSocket>) -> Connections {
    let tcp = TcpListenerStream::new(tcp).map(|accepted| {
        let stream = accepted?;
        // An answer larger than one segment (a page of accounts) otherwise
        // waits for the caller's delayed ACK, 40 ms on Linux (measured: 43
        // ms per `GET /api/accounts`, idle). tonic sets TCP_NODELAY only on
        // listeners it binds itself.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        Ok(Accepted::Tcp(stream))
    });
    match unix.and_then(|socket| socket.listener.take()) {
        Some(listener) => {
            let unix =
                UnixListenerStream::new(listener).map(|accepted| accepted.map(Accepted::Unix));
            Box::pin(tcp.merge(unix))
        }
        None => Box::pin(tcp),
    }
}

/// One accepted connection.
pub enum Accepted {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Connected for Accepted {
    /// The peer's address over TCP, none over the socket (`remote_addr()`
    /// is then `None`, and a call without `client_address` counts its
    /// guesses for 0.0.0.0).
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        match self {
            Self::Tcp(stream) => stream.connect_info(),
            Self::Unix(_) => TcpConnectInfo {
                local_addr: None,
                remote_addr: None,
            },
        }
    }
}

impl AsyncRead for Accepted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Unix(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Accepted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_write(cx, buf),
            Self::Unix(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    // hyper writes a frame's header and body in one vectored call.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Self::Unix(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(stream) => stream.is_write_vectored(),
            Self::Unix(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_flush(cx),
            Self::Unix(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Unix(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }
}
