//! The documentation: the `/api` page (hand-written HTML, no JavaScript) and
//! the OpenAPI 3.1 document generated from the handlers.

use std::sync::Arc;

use axum::{
    http::header,
    response::{Html, IntoResponse},
    Extension,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(openapi))
}

/// The API documentation page, public like the original's.
#[utoipa::path(get, operation_id = "docs_page", path = "/api", tag = "operations", security(()),
    responses(
        (status = 200, description = "The documentation page", body = String, content_type = "text/html"),
    ))]
async fn page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}

/// The rendered document, made once when the router is built.
#[derive(Clone)]
pub struct OpenApiJson(pub Arc<String>);

/// This document: every route of the gateway.
#[utoipa::path(get, operation_id = "docs_openapi", path = "/api/openapi.json", tag = "operations", security(()),
    responses(
        (status = 200, description = "OpenAPI 3.1", content_type = "application/json"),
    ))]
async fn openapi(Extension(document): Extension<OpenApiJson>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.0.as_str().to_owned(),
    )
}
