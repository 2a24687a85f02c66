//! How long a connection may keep the gateway waiting between requests.
//!
//! hyper's own HTTP/1 `header_read_timeout` starts as soon as it waits for
//! a request head, idle keep-alive time included, so one number would set
//! both the slow-header limit and the keep-alive limit. Here each
//! connection has a [`Clock`] shared by its stream ([`Timed`]), which
//! fails a read that waited past the deadline, and its service
//! ([`Watched`]), which says when a request starts and its response ends:
//!
//! - before its first request: `header_read` from the accept (a client
//!   that never sends a byte, or sends its head slowly, is dropped);
//! - between HTTP/1.1 requests: `keep_alive` of silence, or `header_read`
//!   from the first byte of the next head;
//! - an HTTP/2 connection with no stream open: `keep_alive` (its pings,
//!   answered or not, are hyper's own timer's business);
//! - while a request is served: none here; the request timeout answers a
//!   stalled body 408 (`crate::request_limits`).

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
    task::{Context, Poll, Waker},
    time::Duration,
};

use axum::http::{Request, Response, Version};
use axum_server::accept::Accept;
use http_body::{Body, Frame, SizeHint};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};
use tower_service::Service;

/// The two waits a connection is allowed, from the flags.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// `--header-read-timeout-seconds`.
    pub header_read: Duration,
    /// `--keep-alive-timeout-seconds`.
    pub keep_alive: Duration,
}

/// What one connection is doing.
#[derive(Debug)]
struct State {
    accepted: Instant,
    requests: u64,
    in_flight: usize,
    /// When the last response ended.
    idle_since: Instant,
    /// The first byte of the next HTTP/1.1 head, once it came.
    head_started: Option<Instant>,
    http2: bool,
    /// The read waiting without a deadline while a request is served:
    /// woken when the last response ends, so the idle deadline starts.
    reader: Option<Waker>,
}

#[derive(Debug)]
pub struct Clock {
    waits: Waits,
    state: Mutex<State>,
}

impl Clock {
    fn new(waits: Waits) -> Self {
        let now = Instant::now();
        Self {
            waits,
            state: Mutex::new(State {
                accepted: now,
                requests: 0,
                in_flight: 0,
                idle_since: now,
                head_started: None,
                http2: false,
                reader: None,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the data stays sound.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// When a read still waiting must give up; `None` while serving.
    fn deadline(&self) -> Option<Instant> {
        let state = self.state();
        if state.in_flight > 0 {
            return None;
        }
        if state.requests == 0 {
            return Some(state.accepted + self.waits.header_read);
        }
        let idle = state.idle_since + self.waits.keep_alive;
        Some(match state.head_started {
            Some(head) => (head + self.waits.header_read).min(idle),
            None => idle,
        })
    }

    fn bytes_read(&self) {
        let mut state = self.state();
        if state.in_flight == 0
            && state.requests > 0
            && !state.http2
            && state.head_started.is_none()
        {
            state.head_started = Some(Instant::now());
        }
    }

    fn park(&self, waker: &Waker) {
        let mut state = self.state();
        if !state.reader.as_ref().is_some_and(|w| w.will_wake(waker)) {
            state.reader = Some(waker.clone());
        }
    }

    fn begin(self: &Arc<Self>, version: Version) -> Served {
        let mut state = self.state();
        state.requests += 1;
        state.in_flight += 1;
        state.head_started = None;
        state.http2 |= version == Version::HTTP_2;
        Served(Arc::clone(self))
    }
}

/// A request being served: its end (the response sent, or the request
/// dropped) may start the connection's idle time.
#[derive(Debug)]
struct Served(Arc<Clock>);

impl Drop for Served {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.idle_since = Instant::now();
            if let Some(reader) = state.reader.take() {
                reader.wake();
            }
        }
    }
}

/// The connection's stream: a read that waits past the clock's deadline
/// fails with `TimedOut`, and hyper closes the connection.
pub struct Timed<S> {
    io: S,
    clock: Arc<Clock>,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Timed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.clock.bytes_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => self.wait(cx),
        }
    }
}

impl<S> Timed<S> {
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(deadline) = self.clock.deadline() else {
            self.clock.park(cx.waker());
            return Poll::Pending;
        };
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        // The timer is moved only to an earlier deadline: every request
        // pushes the idle deadline later, and resetting the timer each time
        // cost the hot path; one that fires early is set again below.
        if deadline < sleep.deadline() {
            sleep.as_mut().reset(deadline);
        }
        loop {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if Instant::now() >= deadline {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client sent no complete request in time",
                )));
            }
            sleep.as_mut().reset(deadline);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Timed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The connection's service: each request holds a [`Served`] until its
/// response body is done.
#[derive(Clone)]
pub struct Watched<S> {
    inner: S,
    clock: Arc<Clock>,
}

impl<S, B, ReqBody> Service<Request<ReqBody>> for Watched<S>
where
    S: Service<Request<ReqBody>, Response = Response<B>>,
{
    type Response = Response<Ending<B>>;
    type Error = S::Error;
    type Future = Serving<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let served = Some(self.clock.begin(request.version()));
        Serving {
            response: self.inner.call(request),
            served,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request being answered; its [`Served`] passes to the body.
    pub struct Serving<F> {
        #[pin]
        response: F,
        served: Option<Served>,
    }
}

impl<F, B, E> Future for Serving<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<Ending<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.response.poll(cx))?;
        let served = this.served.take();
        Poll::Ready(Ok(response.map(|body| Ending {
            body,
            _served: served,
        })))
    }
}

/// A response body that ends its request when hyper drops it.
pub struct Ending<B> {
    body: B,
    _served: Option<Served>,
}

impl<B: Body + Unpin> Body for Ending<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Wraps another acceptor (TCP_NODELAY, TLS): the clock starts at accept,
/// so a TLS handshake counts against the first head's time.
#[derive(Debug, Clone)]
pub struct Deadlines<A> {
    pub inner: A,
    pub waits: Waits,
}

impl<I, S, A> Accept<I, S> for Deadlines<A>
where
    A: Accept<I, S>,
    A::Future: Send + 'static,
{
    type Stream = Timed<A::Stream>;
    type Service = Watched<A::Service>;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let clock = Arc::new(Clock::new(self.waits));
        let accepted = self.inner.accept(stream, service);
        Box::pin(async move {
            let (io, inner) = accepted.await?;
            Ok((
                Timed {
                    io,
                    clock: Arc::clone(&clock),
                    sleep: None,
                },
                Watched { inner, clock },
            ))
        })
    }
}
