//! Which replica answered: every response carries this replica's instance
//! id ([`flexiapi_proto::routing::INSTANCE_HEADER`]), the id its nonces
//! carry, so a gateway that reaches several replicas learns which endpoint
//! judges which nonce (`rules::auth::signed_nonces`).

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use http::HeaderValue;

#[derive(Clone)]
pub struct Replica<Inner> {
    inner: Inner,
    instance: HeaderValue,
}

impl<Inner> Replica<Inner> {
    pub fn new(inner: Inner, instance: u64) -> Self {
        let text = flexiapi_proto::routing::instance_text(instance);
        Self {
            inner,
            // 16 hex digits: always a valid header value.
            instance: HeaderValue::from_str(&text)
                .unwrap_or_else(|_| HeaderValue::from_static("0000000000000000")),
        }
    }
}

impl<Inner, B, R> tower::Service<http::Request<B>> for Replica<Inner>
where
    Inner: tower::Service<http::Request<B>, Response = http::Response<R>>,
    Inner::Future: Send + 'static,
{
    type Response = Inner::Response;
    type Error = Inner::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let call = self.inner.call(request);
        let instance = self.instance.clone();
        Box::pin(async move {
            let mut response = call.await?;
            response
                .headers_mut()
                .insert(flexiapi_proto::routing::INSTANCE_HEADER, instance);
            Ok(response)
        })
    }
}
