//! The documentation: the `/api` page (hand-written HTML, no JavaScript)
//! and the OpenAPI 3.1 document generated from the handlers, both fixed
//! when the router is built and answered with a tag ([`StaticAnswer`]).

use std::sync::Arc;

use axum::{http::HeaderMap, response::Response, Extension};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::static_answer::StaticAnswer;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(openapi))
}

/// The two documents, made once.
#[derive(Debug)]
pub struct Documents {
    page: StaticAnswer,
    openapi: StaticAnswer,
}

impl Documents {
    pub fn new(openapi_json: String) -> Arc<Self> {
        Arc::new(Self {
            page: StaticAnswer::new(include_str!("docs.html"), "text/html; charset=utf-8"),
            openapi: StaticAnswer::new(openapi_json, "application/json"),
        })
    }
}

/// The API documentation page, public like the original's.
#[utoipa::path(get, operation_id = "docs_page", path = "/api", tag = "operations", security(()),
    responses(
        (status = 200, description = "The documentation page", body = String, content_type = "text/html",
            headers(("ETag" = String, description = "A weak tag of the page"))),
        (status = 304, description = "Not modified: `If-None-Match` named the page's tag"),
    ))]
async fn page(Extension(documents): Extension<Arc<Documents>>, headers: HeaderMap) -> Response {
    documents.page.answer(&headers)
}

/// This document: every route of the gateway.
#[utoipa::path(get, operation_id = "docs_openapi", path = "/api/openapi.json", tag = "operations", security(()),
    responses(
        (status = 200, description = "OpenAPI 3.1", content_type = "application/json",
            headers(("ETag" = String, description = "A weak tag of the document"))),
        (status = 304, description = "Not modified: `If-None-Match` named the document's tag"),
    ))]
async fn openapi(Extension(documents): Extension<Arc<Documents>>, headers: HeaderMap) -> Response {
    documents.openapi.answer(&headers)
}
