//! `GET /api/explorer`: Swagger UI on the OpenAPI document, every file
//! served from this binary (utoipa-swagger-ui's `vendored` assets, built
//! in, so the page works on a network with no way out) under
//! `/api/explorer/`, with a strict `Content-Security-Policy`: no inline
//! script, nothing from another origin.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::Path,
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    Extension,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::static_answer::StaticAnswer;
use crate::{error::ApiError, state::AppState};

/// The page's own files; the bundle's others (its ES modules, OAuth
/// redirect) are not used by it.
const FILES: [&str; 7] = [
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-initializer.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
];

const PREFIX: &str = "/api/explorer/";

/// Swagger UI draws its icons from `data:` URLs and sets inline styles.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                      img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                      form-action 'none'; frame-ancestors 'none'";

#[derive(Debug)]
pub struct Explorer {
    page: StaticAnswer,
    files: HashMap<&'static str, StaticAnswer>,
}

impl Explorer {
    /// Reads the built-in files once, the initializer pointing at the
    /// document and the page's links made absolute (the page is served at
    /// `/api/explorer`, without a trailing slash).
    pub fn load() -> anyhow::Result<Arc<Self>> {
        let config = Arc::new(utoipa_swagger_ui::Config::from("/api/openapi.json"));
        let read = |name: &str| -> anyhow::Result<(Vec<u8>, String)> {
            let file = utoipa_swagger_ui::serve(name, Arc::clone(&config))
                .map_err(|error| anyhow::anyhow!("Swagger UI's {name}: {error}"))?
                .ok_or_else(|| anyhow::anyhow!("Swagger UI has no {name}"))?;
            Ok((file.bytes.into_owned(), file.content_type))
        };
        let (index, _) = read("index.html")?;
        let page = String::from_utf8(index)?
            .replace("href=\"./", &format!("href=\"{PREFIX}"))
            .replace("src=\"./", &format!("src=\"{PREFIX}"))
            .replace("href=\"index.css\"", &format!("href=\"{PREFIX}index.css\""))
            .replace(
                "<title>Swagger UI</title>",
                "<title>flexiapi-rs API explorer</title>",
            );
        let mut files = HashMap::new();
        for name in FILES {
            let (bytes, content_type) = read(name)?;
            files.insert(
                name,
                StaticAnswer::new(bytes, content_type_of(&content_type)),
            );
        }
        Ok(Arc::new(Self {
            page: StaticAnswer::new(page, "text/html; charset=utf-8"),
            files,
        }))
    }
}

fn content_type_of(guessed: &str) -> &'static str {
    match guessed {
        "text/css" => "text/css; charset=utf-8",
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        "image/png" => "image/png",
        _ => "application/octet-stream",
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(file))
}

fn with_policy(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    response
}

/// An interactive page to read the document and try requests with an `x-api-key`.
#[utoipa::path(get, operation_id = "docs_explorer", path = "/api/explorer", tag = "operations", security(()),
    responses(
        (status = 200, description = "Swagger UI", body = String, content_type = "text/html",
            headers(("ETag" = String, description = "A weak tag of the page"))),
        (status = 304, description = "Not modified: `If-None-Match` named the page's tag"),
    ))]
async fn page(Extension(explorer): Extension<Arc<Explorer>>, headers: HeaderMap) -> Response {
    with_policy(explorer.page.answer(&headers))
}

/// One of the explorer's scripts, stylesheets or icons.
#[utoipa::path(get, operation_id = "docs_explorer_file", path = "/api/explorer/{file}", tag = "operations", security(()),
    params(("file" = String, Path, description = "The file's name, e.g. `swagger-ui-bundle.js`")),
    responses(
        (status = 200, description = "The file", content((String = "text/javascript"), (String = "text/css"), (Vec<u8> = "image/png")),
            headers(("ETag" = String, description = "A weak tag of the file"))),
        (status = 304, description = "Not modified: `If-None-Match` named the file's tag"),
        (status = 404, description = "No such file", body = crate::openapi::Message),
    ))]
async fn file(
    Extension(explorer): Extension<Arc<Explorer>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    match explorer.files.get(name.as_str()) {
        Some(file) => with_policy(file.answer(&headers)),
        None => ApiError::NotFound(format!("No file {name} in the explorer")).into_response(),
    }
}
