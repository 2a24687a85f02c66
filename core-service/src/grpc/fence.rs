//! Changes seen at once by every replica: a call that may change accounts
//! or passwords is answered only [`CHANGE_FENCE`] after its commit, when the
//! account epoch moved during it. By then no replica trusts a copy read
//! before the change (see [`crate::rules::auth::account_cache`]), so the
//! very next Digest or API key check anywhere judges the account (or key)
//! as changed. The hot calls (Digest, key checks, devices, Flexisip's data)
//! are let through as they are: none of them changes an account or a key.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use crate::rules::{
    accounts::store::AccountStore,
    auth::account_cache::{AccountCache, CHANGE_FENCE},
};

/// The services and calls that may change an account, a password, a realm
/// or an API key (keys are kept in memory under the same lease).
const CHANGING: [&str; 6] = [
    "/flexiapi.v1.AccountService/",
    "/flexiapi.v1.SpaceService/",
    "/flexiapi.v1.OnboardingService/",
    "/flexiapi.v1.ProvisioningService/",
    "/flexiapi.v1.ApiKeyService/CreateApiKey",
    "/flexiapi.v1.ApiKeyService/RevokeApiKey",
];

#[derive(Clone)]
pub struct Fence<S, Inner> {
    inner: Inner,
    store: S,
    accounts: Arc<AccountCache>,
}

impl<S, Inner> Fence<S, Inner> {
    pub fn new(inner: Inner, store: S, accounts: Arc<AccountCache>) -> Self {
        Self {
            inner,
            store,
            accounts,
        }
    }
}

impl<S, Inner, B> tower::Service<http::Request<B>> for Fence<S, Inner>
where
    S: AccountStore + Clone + Send + Sync + 'static,
    Inner: tower::Service<http::Request<B>>,
    Inner::Future: Send + 'static,
    Inner::Response: Send + 'static,
{
    type Response = Inner::Response;
    type Error = Inner::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        if !CHANGING.iter().any(|service| path.starts_with(service)) {
            return Box::pin(self.inner.call(request));
        }
        let before = self.accounts.newest_epoch();
        let call = self.inner.call(request);
        let (store, accounts) = (self.store.clone(), self.accounts.clone());
        Box::pin(async move {
            let response = call.await?;
            let start = accounts.read_starts();
            match store.account_epoch().await {
                Ok(after) => {
                    accounts.observe(after, start);
                    if after > before {
                        tokio::time::sleep(CHANGE_FENCE).await;
                    }
                }
                Err(error) => {
                    // Whether it changed anything is unknown: wait anyway.
                    tracing::debug!(%error, "cannot read the account epoch after a change");
                    tokio::time::sleep(CHANGE_FENCE).await;
                }
            }
            Ok(response)
        })
    }
}
