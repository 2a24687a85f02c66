//! Laravel's `LengthAwarePaginator::toArray()`, which FlexiAPI's clients
//! read: the page's accounts in `data`, its place in the list, and the URLs
//! of the other pages (paths, with the request's query kept).

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use crate::{body::Fields, error::ApiError};

/// The query a page was asked with, to rebuild the other pages' URLs.
pub struct PageQuery<'a> {
    pub path: &'a str,
    /// The other parameters, in their order, without `page`.
    pub kept: Vec<(&'a str, String)>,
}

impl<'a> PageQuery<'a> {
    /// The query of a page of `path`: every parameter but `page` is kept.
    pub fn of(path: &'a str, query: &'a [(String, String)]) -> Self {
        let kept = query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        Self { path, kept }
    }

    /// Laravel puts `page` after the kept parameters.
    fn url(&self, page: i64) -> String {
        let mut query: Vec<String> = self
            .kept
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
            .collect();
        query.push(format!("page={page}"));
        format!("{}?{}", self.path, query.join("&"))
    }
}

/// The last value of `name` in a query string.
pub fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `page` and `per_page` as integers (empty is absent); their bounds are
/// the core's.
pub fn page_request(query: &[(String, String)]) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let integer = |name: &str| -> Result<Option<i64>, (String, String)> {
        match query_value(query, name) {
            None | Some("") => Ok(None),
            Some(raw) => raw.parse::<i64>().map(Some).map_err(|_| {
                (
                    name.to_owned(),
                    format!("The {name} field must be an integer."),
                )
            }),
        }
    };
    let mut fields = Fields::default();
    let page = fields.take(integer("page"));
    let per_page = fields.take(integer("per_page"));
    fields.finish((page, per_page))
}

pub fn paginator(
    query: &PageQuery<'_>,
    data: Vec<Value>,
    page: i64,
    per_page: i64,
    total: i64,
) -> Value {
    let last_page = if total <= 0 {
        1
    } else {
        (total + per_page - 1) / per_page
    };
    let count = i64::try_from(data.len()).unwrap_or_default();
    let first_item = (page - 1) * per_page + 1;
    let (from, to) = if count == 0 {
        (Value::Null, Value::Null)
    } else {
        (json!(first_item), json!(first_item + count - 1))
    };
    let prev = (page > 1).then(|| query.url(page - 1));
    let next = (page < last_page).then(|| query.url(page + 1));
    json!({
        "current_page": page,
        "data": data,
        "first_page_url": query.url(1),
        "from": from,
        "last_page": last_page,
        "last_page_url": query.url(last_page),
        "links": links(query, page, last_page, prev.as_deref(), next.as_deref()),
        "next_page_url": next,
        "path": query.path,
        "per_page": per_page,
        "prev_page_url": prev,
        "to": to,
        "total": total,
    })
}

/// Previous, the page numbers (a window of three on each side of the
/// current page, the first and last two, `...` between), Next.
fn links(
    query: &PageQuery<'_>,
    page: i64,
    last: i64,
    prev: Option<&str>,
    next: Option<&str>,
) -> Vec<Value> {
    let mut links = vec![json!({"url": prev, "label": "&laquo; Previous", "active": false})];
    let shown = |n: i64| last <= 13 || n <= 2 || n > last - 2 || (n - page).abs() <= 3;
    let mut gap = false;
    for n in 1..=last {
        if shown(n) {
            links.push(json!({"url": query.url(n), "label": n.to_string(), "active": n == page}));
            gap = false;
        } else if !gap {
            links.push(json!({"url": null, "label": "...", "active": false}));
            gap = true;
        }
    }
    links.push(json!({"url": next, "label": "Next &raquo;", "active": false}));
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> PageQuery<'static> {
        PageQuery {
            path: "/api/accounts",
            kept: vec![("per_page", "2".into()), ("search", "al ice".into())],
        }
    }

    #[test]
    fn a_middle_page_links_both_ways_and_keeps_the_query() {
        let page = paginator(&query(), vec![json!({"id": 3}), json!({"id": 4})], 2, 2, 5);
        assert_eq!(page["current_page"], 2);
        assert_eq!(page["from"], 3);
        assert_eq!(page["to"], 4);
        assert_eq!(page["last_page"], 3);
        assert_eq!(page["total"], 5);
        assert_eq!(page["path"], "/api/accounts");
        assert_eq!(
            page["first_page_url"],
            "/api/accounts?per_page=2&search=al%20ice&page=1"
        );
        assert_eq!(
            page["prev_page_url"],
            "/api/accounts?per_page=2&search=al%20ice&page=1"
        );
        assert_eq!(
            page["next_page_url"],
            "/api/accounts?per_page=2&search=al%20ice&page=3"
        );
        let links = page["links"].as_array().unwrap();
        assert_eq!(links.len(), 5, "previous, 3 pages, next");
        assert_eq!(links[2]["active"], true);
        let keys: Vec<_> = page.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 13);
    }

    #[test]
    fn the_paginator_is_documented_key_for_key() {
        let account = flexiapi_proto::json::account(&flexiapi_proto::pb::Account {
            created_at: Some(prost_types::Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        });
        let page = paginator(&query(), vec![account], 1, 20, 1);
        crate::openapi::assert_documented::<crate::openapi::AccountPage>(&page);
    }

    #[test]
    fn an_empty_page_has_null_bounds_and_one_last_page() {
        let page = paginator(&query(), vec![], 1, 20, 0);
        assert_eq!(page["from"], Value::Null);
        assert_eq!(page["to"], Value::Null);
        assert_eq!(page["last_page"], 1);
        assert_eq!(page["next_page_url"], Value::Null);
        assert_eq!(page["prev_page_url"], Value::Null);
    }

    #[test]
    fn long_lists_show_a_window_of_pages() {
        let page = paginator(&query(), vec![json!({})], 50, 1, 100);
        let labels: Vec<String> = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["label"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            labels,
            [
                "&laquo; Previous",
                "1",
                "2",
                "...",
                "47",
                "48",
                "49",
                "50",
                "51",
                "52",
                "53",
                "...",
                "99",
                "100",
                "Next &raquo;"
            ]
        );
    }
}
