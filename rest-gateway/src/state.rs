//! What every handler shares: only the way to the core, which is cheap to
//! clone; the gateway holds no state of its own. Its own module, below both
//! `startup` (which builds it) and `routes` (which use it).

use crate::core_client::CoreClient;

#[derive(Debug, Clone)]
pub struct AppState {
    pub core: CoreClient,
    /// `--trust-forwarded-for`: the client is X-Forwarded-For's first hop.
    pub trust_forwarded_for: bool,
}
