//! What both binaries do around their life as processes: take secrets from
//! mounted files ([`secrets`]), stop on a signal ([`shutdown_signal`]), and
//! run on the allocator and runtime chosen for them ([`runtime`]).

pub mod flags;
pub mod runtime;
pub mod secrets;

pub use secrets::{load_file_variables, read_secret};

/// A future that resolves on SIGTERM (Kubernetes) or SIGINT (Ctrl-C).
///
/// The handlers are installed when this is called, not when the future is
/// first polled: a SIGTERM that arrives while the server is still starting
/// (its port already open) is then a clean stop, not the default death.
/// Call it before binding. Outside a tokio runtime, or where a handler
/// cannot be installed, that signal is simply not awaited.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).ok();
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        let terminated = async {
            match terminate.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        let interrupted = async {
            match interrupt.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = terminated => {}
            _ = interrupted => {}
        }
        tracing::info!("shutdown requested; finishing in-flight work");
    }
}
