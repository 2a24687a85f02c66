use axum::{response::Html, routing::get, Router};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api", get(page))
}

/// The API documentation page, public like the original's.
async fn page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
