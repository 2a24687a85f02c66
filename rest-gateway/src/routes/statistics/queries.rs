//! `/api/accounts/{me,id}/statistics/{calls,messages}`: the records of one
//! account (FlexiAPI's call query; messages are this project's addition),
//! in Laravel's paginator, newest first. The account itself or an admin of
//! its domain; the core decides.

use axum::{
    extract::{rejection::QueryRejection, Query},
    http::Uri,
    Json,
};
use flexiapi_proto::{json, pb};

use super::records::Answer;
use crate::{
    auth::Authenticated,
    error::ApiError,
    routes::accounts::pagination::{page_request, paginator, PageQuery},
    state::AppState,
};

#[derive(Clone, Copy)]
pub enum Records {
    Calls,
    Messages,
}

pub async fn page_of(
    state: &AppState,
    auth: &Authenticated,
    account_id: Option<i64>,
    records: Records,
    uri: &Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    let Query(query) =
        query.map_err(|_| ApiError::BadRequest("The query string is not valid".into()))?;
    let (page, per_page) = page_request(&query)?;
    let request = pb::StatisticsQuery {
        actor: Some(auth.actor()),
        account_id: account_id.unwrap_or(0),
        page,
        per_page,
    };
    let page_query = PageQuery::of(uri.path(), &query);
    let shown = match records {
        Records::Calls => {
            let answer = state.core.list_calls(request).await?;
            let data = answer.calls.iter().map(json::call).collect();
            paginator(
                &page_query,
                data,
                answer.page,
                answer.per_page,
                answer.total,
            )
        }
        Records::Messages => {
            let answer = state.core.list_messages(request).await?;
            let data = answer.messages.iter().map(json::message).collect();
            paginator(
                &page_query,
                data,
                answer.page,
                answer.per_page,
                answer.total,
            )
        }
    };
    Ok(Json(shown))
}
