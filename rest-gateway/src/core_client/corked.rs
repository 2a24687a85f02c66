//! Writes to the core held back for one turn of the scheduler, so that a
//! call leaves in one write.
//!
//! hyper's HTTP/2 client sends a gRPC call in three flushes: the HEADERS
//! frame from the connection task, then the DATA frame and the empty
//! END_STREAM frame from the task that pipes the body, each written as
//! soon as it is queued. Every write can wake the core, and a wake-up of
//! another process is the dearest thing a request pays on a small or
//! virtualised host (a fifth of the gateway's CPU went to it with one
//! client). [`CorkedIo`] keeps what is written until a flush, and a flush
//! yields its turn while the turn before added frames, the way TCP_CORK
//! would but without a timer: the tasks already woken (the body's pipe) run
//! and add their frames, and the flush that finds nothing new sends
//! everything in one write. [`MAX_TURNS`] bounds the wait when every turn
//! brings more (under load: the frames of other calls, which then share
//! the write).

use std::{
    future::Future,
    io,
    pin::Pin,
    task::{ready, Context, Poll},
};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};

/// Above this, a write is not copied: it goes out at once, after what is
/// held. A call is a few hundred bytes; an upload's chunks are larger.
const HOLD_LIMIT: usize = 16 * 1024;

/// Turns a flush may yield: a unary call's three frames take three.
const MAX_TURNS: u8 = 3;

/// Wraps a connector so that every connection it opens is corked.
#[derive(Clone, Debug)]
pub(super) struct Corked<C>(pub(super) C);

type Connecting<T, E> = Pin<Box<dyn Future<Output = Result<CorkedIo<T>, E>> + Send>>;

impl<C> tower_service::Service<hyper::Uri> for Corked<C>
where
    C: tower_service::Service<hyper::Uri>,
    C::Future: Send + 'static,
{
    type Response = CorkedIo<C::Response>;
    type Error = C::Error;
    type Future = Connecting<C::Response, C::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: hyper::Uri) -> Self::Future {
        let connecting = self.0.call(uri);
        Box::pin(async move { connecting.await.map(CorkedIo::new) })
    }
}

/// A connection whose writes are held until a flush, and whose flushes
/// wait while frames keep coming.
#[derive(Debug)]
pub(super) struct CorkedIo<T> {
    io: T,
    held: Vec<u8>,
    /// How much of `held` has been written already (a short write).
    sent: usize,
    /// Turns the current flush has yielded.
    turns: u8,
    /// How much was held when the flush last yielded.
    held_at_turn: usize,
}

impl<T> CorkedIo<T> {
    fn new(io: T) -> Self {
        Self {
            io,
            held: Vec::new(),
            sent: 0,
            turns: 0,
            held_at_turn: 0,
        }
    }
}

impl<T: Write + Unpin> CorkedIo<T> {
    /// Writes what is held, however many writes that takes.
    fn poll_send_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.held.len() {
            let written = ready!(Pin::new(&mut self.io).poll_write(cx, &self.held[self.sent..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += written;
        }
        self.held.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Unpin> Write for CorkedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let length: usize = bufs.iter().map(|buf| buf.len()).sum();
        if this.held.len() + length > HOLD_LIMIT {
            ready!(this.poll_send_held(cx))?;
            if length > HOLD_LIMIT {
                return Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
            }
        }
        for buf in bufs {
            this.held.extend_from_slice(buf);
        }
        Poll::Ready(Ok(length))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.held.is_empty() {
            if this.turns < MAX_TURNS && this.held.len() != this.held_at_turn {
                this.turns += 1;
                this.held_at_turn = this.held.len();
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            ready!(this.poll_send_held(cx))?;
        }
        this.turns = 0;
        this.held_at_turn = 0;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

impl<T: Read + Unpin> Read for CorkedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: Connection> Connection for CorkedIo<T> {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Each write the inner connection was asked for.
    type Writes = Arc<Mutex<Vec<Vec<u8>>>>;

    /// An inner connection that records each write it is asked for.
    #[derive(Default)]
    struct Recorder {
        writes: Writes,
        /// Accept at most this many bytes per write.
        short: Option<usize>,
    }

    impl Write for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let taken = self.short.map_or(buf.len(), |short| short.min(buf.len()));
            self.writes.lock().unwrap().push(buf[..taken].to_vec());
            Poll::Ready(Ok(taken))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn corked(short: Option<usize>) -> (CorkedIo<Recorder>, Writes) {
        let writes = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            writes: writes.clone(),
            short,
        };
        (CorkedIo::new(recorder), writes)
    }

    fn write(io: &mut CorkedIo<Recorder>, cx: &mut Context<'_>, bytes: &[u8]) {
        let written = Pin::new(io).poll_write(cx, bytes);
        assert!(matches!(written, Poll::Ready(Ok(n)) if n == bytes.len()));
    }

    fn flush(io: &mut CorkedIo<Recorder>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(io).poll_flush(cx)
    }

    #[test]
    fn frames_added_while_a_flush_waits_leave_in_one_write() {
        let (mut io, writes) = corked(None);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        write(&mut io, &mut cx, b"HEADERS");
        assert!(flush(&mut io, &mut cx).is_pending());
        write(&mut io, &mut cx, b"DATA");
        assert!(flush(&mut io, &mut cx).is_pending());
        write(&mut io, &mut cx, b"END");
        assert!(flush(&mut io, &mut cx).is_pending());
        assert!(writes.lock().unwrap().is_empty(), "held while frames come");
        assert!(matches!(flush(&mut io, &mut cx), Poll::Ready(Ok(()))));
        assert_eq!(*writes.lock().unwrap(), vec![b"HEADERSDATAEND".to_vec()]);
        // The next call waits again: nothing is left held.
        write(&mut io, &mut cx, b"NEXT");
        assert!(flush(&mut io, &mut cx).is_pending());
        assert!(matches!(flush(&mut io, &mut cx), Poll::Ready(Ok(()))));
        assert_eq!(writes.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_flush_waits_at_most_max_turns() {
        let (mut io, writes) = corked(None);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        for _ in 0..MAX_TURNS {
            write(&mut io, &mut cx, b"more");
            assert!(flush(&mut io, &mut cx).is_pending());
        }
        write(&mut io, &mut cx, b"more");
        assert!(matches!(flush(&mut io, &mut cx), Poll::Ready(Ok(()))));
        assert_eq!(
            writes.lock().unwrap().concat().len(),
            4 * (MAX_TURNS as usize + 1)
        );
    }

    #[test]
    fn a_flush_with_nothing_held_does_not_yield() {
        let (mut io, writes) = corked(None);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(matches!(flush(&mut io, &mut cx), Poll::Ready(Ok(()))));
        assert!(writes.lock().unwrap().is_empty());
    }

    #[test]
    fn short_writes_are_resumed_in_order() {
        let (mut io, writes) = corked(Some(3));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        write(&mut io, &mut cx, b"abcdefgh");
        assert!(flush(&mut io, &mut cx).is_pending());
        assert!(matches!(flush(&mut io, &mut cx), Poll::Ready(Ok(()))));
        assert_eq!(writes.lock().unwrap().concat(), b"abcdefgh");
    }

    #[test]
    fn large_writes_go_out_at_once_after_what_is_held() {
        let (mut io, writes) = corked(None);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        write(&mut io, &mut cx, b"small");
        let large = vec![7u8; HOLD_LIMIT + 1];
        write(&mut io, &mut cx, &large);
        let writes = writes.lock().unwrap();
        assert_eq!(writes.len(), 2);
        assert_eq!(writes[0], b"small");
        assert_eq!(writes[1], large);
    }

    #[test]
    fn shutdown_sends_what_is_held() {
        let (mut io, writes) = corked(None);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        write(&mut io, &mut cx, b"GOAWAY");
        assert!(matches!(
            Pin::new(&mut io).poll_shutdown(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(*writes.lock().unwrap(), vec![b"GOAWAY".to_vec()]);
    }
}
