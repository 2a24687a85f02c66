//! The web panel (contract panel.md), served by the gateway beside `/api`:
//! server-rendered pages built from gRPC calls made for the logged-in
//! account, so the core decides what each page may show or do. The
//! gateway keeps nothing: sessions are the core's.
//!
//! `/`, the login and logout, a user's own pages (dashboard with devices,
//! password, API key, deletion) at the top; the admin pages (accounts,
//! spaces) in `admin`.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

use crate::state::AppState;

mod admin;
mod api_key;
mod dashboard;
mod delete;
mod devices;
mod digest;
mod login;
mod page;
mod password;
mod session;

/// The stylesheet's, the script's and the icon's paths; the files are
/// built into the binary.
const STYLESHEET: &str = "/static/panel.css";
const SCRIPT: &str = "/static/panel.js";
/// Given in every page's head, so browsers do not ask for /favicon.ico.
const ICON: &str = "/static/favicon.svg";

/// The panel's routes. Pages are not part of the JSON API, so they are
/// not in the OpenAPI document: added with `route`, not utoipa's `routes!`.
#[allow(clippy::disallowed_methods)]
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(login::home))
        .route("/login", get(login::form).post(login::login))
        .route("/logout", post(login::logout))
        .route("/dashboard", get(dashboard::show))
        .route("/password", get(password::form).post(password::change))
        .route(
            "/devices/delete",
            get(devices::confirm).post(devices::remove),
        )
        .route("/api_key", get(api_key::form).post(api_key::create))
        .route("/delete", get(delete::form).post(delete::delete))
        .merge(admin_router())
        .route(STYLESHEET, get(stylesheet))
        .route(SCRIPT, get(script))
        .route(ICON, get(icon))
}

/// `/admin/…`: accounts for admins, spaces for super admins.
#[allow(clippy::disallowed_methods)]
fn admin_router() -> Router<AppState> {
    use admin::{account, accounts, create, devices, edit, password, spaces};
    Router::new()
        .route("/admin/accounts", get(accounts::list))
        .route(
            "/admin/accounts/create",
            get(create::form).post(create::create),
        )
        .route("/admin/accounts/{id}", get(account::show))
        .route(
            "/admin/accounts/{id}/edit",
            get(edit::form).post(edit::save),
        )
        .route(
            "/admin/accounts/{id}/password",
            get(password::form).post(password::set),
        )
        .route(
            "/admin/accounts/{id}/delete",
            get(account::confirm_delete).post(account::delete),
        )
        .route(
            "/admin/accounts/{id}/devices/delete",
            get(devices::confirm).post(devices::remove),
        )
        .route("/admin/accounts/{id}/{action}", post(account::set_state))
        .route("/admin/spaces", get(spaces::list))
        .route(
            "/admin/spaces/create",
            get(spaces::create_form).post(spaces::create),
        )
        .route(
            "/admin/spaces/{domain}/edit",
            get(spaces::edit_form).post(spaces::edit),
        )
        .route(
            "/admin/spaces/{domain}/delete",
            get(spaces::confirm_delete).post(spaces::delete),
        )
}

/// The HTML 404 of every path outside `/api` that is not a page.
pub fn not_found() -> Response {
    page::error(axum::http::StatusCode::NOT_FOUND, "Page not found", None)
}

async fn stylesheet() -> Response {
    static_file(include_str!("panel.css"), "text/css; charset=utf-8")
}

async fn script() -> Response {
    static_file(include_str!("panel.js"), "text/javascript; charset=utf-8")
}

async fn icon() -> Response {
    static_file(include_str!("favicon.svg"), "image/svg+xml")
}

fn static_file(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
