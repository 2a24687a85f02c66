//! Contract `http.md`: the gateway's behaviour below the routes.

mod documents;
mod headers;
mod http2;
mod judgement;
mod limits;
mod paths;

/// Every `Vary` value of an answer, lowercased, comma-joined.
fn vary(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get_all(reqwest::header::VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}
