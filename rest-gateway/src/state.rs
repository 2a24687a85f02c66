//! What every handler shares: only the way to the core, which is cheap to
//! clone; the gateway holds no state of its own. Its own module, below both
//! `startup` (which builds it) and `routes` (which use it).

use std::sync::Arc;

use crate::{core_client::CoreClient, web::Web};

#[derive(Debug, Clone)]
pub struct AppState {
    pub core: CoreClient,
    /// `--trust-forwarded-for`: the client is X-Forwarded-For's first hop.
    pub trust_forwarded_for: bool,
    /// What the onboarding pages and links need: the public URL, the captcha.
    pub web: Arc<Web>,
}
