//! `/api/spaces`: each SIP domain's configuration, for super admins (and
//! Flexisip, which lists the domains it serves with a super admin's key).
//! The core decides who may; a handler only translates.

use axum::{
    extract::State,
    http::{header, HeaderName, HeaderValue, StatusCode},
    Json,
};
use flexiapi_proto::{app_settings::FEATURES, json, pb};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::path::PathText;
use crate::{
    auth::Authenticated,
    body::{refusal_first, Fields, JsonObject},
    error::ApiError,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
}

type Answer = Result<Json<Value>, ApiError>;

/// The fields a body may give, type-checked; the rules are the core's.
fn space_fields(body: &JsonObject, fields: &mut Fields) -> pb::SpaceFields {
    pb::SpaceFields {
        name: fields.take(body.nullable_string("name")),
        realm: fields.take(body.nullable_string("realm")),
        is_super: fields.take(body.optional_bool("super")),
        max_accounts: fields.take(body.optional_integer("max_accounts")),
        default_password_algorithm: fields.take(body.nullable_string("default_password_algorithm")),
        app: Some(app_fields(body, fields)),
    }
}

/// The app settings of contract part 5 a body gives, type-checked.
fn app_fields(body: &JsonObject, fields: &mut Fields) -> pb::AppSettingsFields {
    let nullable = |text: Option<Option<String>>| text.map(|value| pb::NullableText { value });
    let features = FEATURES
        .iter()
        .filter_map(|(key, _)| {
            fields
                .take(body.optional_bool(key))
                .map(|on| ((*key).to_owned(), on))
        })
        .collect();
    pb::AppSettingsFields {
        account_proxy_registrar_address: nullable(
            fields.take(body.clearable_string("account_proxy_registrar_address")),
        ),
        account_transport: fields.take(body.nullable_string("account_transport")),
        custom_provisioning_entries: nullable(
            fields.take(body.clearable_string("custom_provisioning_entries")),
        ),
        custom_provisioning_overwrite_all: fields
            .take(body.optional_bool("custom_provisioning_overwrite_all")),
        features,
        max_account: fields.take(body.optional_integer("max_account")),
    }
}

/// `POST /api/spaces`: the domain and the fields, type-checked.
pub(crate) fn create_request(
    body: &JsonObject,
    actor: pb::Actor,
) -> Result<pb::CreateSpaceRequest, ApiError> {
    let mut fields = Fields::default();
    let domain = fields.take(body.required_string("domain"));
    let given = space_fields(body, &mut fields);
    fields.finish(pb::CreateSpaceRequest {
        actor: Some(actor),
        domain,
        fields: Some(given),
    })
}

/// `PUT /api/spaces/{domain}`: the fields given, type-checked.
fn update_request(
    body: &JsonObject,
    actor: pb::Actor,
    domain: &str,
) -> Result<pb::UpdateSpaceRequest, ApiError> {
    let mut fields = Fields::default();
    let new_domain = fields.take(body.nullable_string("domain"));
    let given = space_fields(body, &mut fields);
    fields.finish(pb::UpdateSpaceRequest {
        actor: Some(actor),
        domain: domain.to_owned(),
        fields: Some(given),
        new_domain,
    })
}

/// Every space, by domain: the domains this deployment serves.
#[utoipa::path(get, operation_id = "spaces_list", path = "/api/spaces", tag = "spaces",
    responses(
        (status = 200, description = "Every space, by domain", body = Vec<crate::openapi::Space>),
    ))]
async fn list(State(state): State<AppState>, auth: Authenticated) -> Answer {
    let spaces = state.core.list_spaces(auth.actor()).await?;
    Ok(Json(Value::Array(spaces.iter().map(json::space).collect())))
}

/// Creates a space: a SIP domain with its realm and limits.
#[utoipa::path(post, operation_id = "spaces_create", path = "/api/spaces", tag = "spaces", request_body = crate::openapi::NewSpace,
    responses(
        (status = 201, description = "The space", body = crate::openapi::Space,
            headers(("Location" = String, description = "`/api/spaces/{domain}`"))),
    ))]
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Result<(StatusCode, [(HeaderName, HeaderValue); 1], Json<Value>), ApiError> {
    let request = body.and_then(|body| create_request(&body, auth.actor()));
    let request = match request {
        Ok(request) => request,
        Err(refused) => {
            // Who may call comes first: with no domain, the core refuses a
            // caller who is not a super admin before looking at the fields.
            let probe = pb::CreateSpaceRequest {
                actor: Some(auth.actor()),
                ..Default::default()
            };
            return Err(refusal_first(state.core.create_space(probe).await, refused));
        }
    };
    let space = state.core.create_space(request).await?;
    let location = HeaderValue::from_str(&format!("/api/spaces/{}", space.domain))
        .map_err(|_| ApiError::Internal("a space's domain is not a header value".into()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json::space(&space)),
    ))
}

/// One space, by its domain.
#[utoipa::path(get, operation_id = "spaces_show", path = "/api/spaces/{domain}", tag = "spaces",
    params(("domain" = String, Path, description = "The space's SIP domain", pattern = r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$", max_length = 253)),
    responses(
        (status = 200, description = "The space", body = crate::openapi::Space),
        crate::openapi::SpaceNotFound,
    ))]
async fn show(State(state): State<AppState>, auth: Authenticated, domain: PathText) -> Answer {
    let space = state.core.get_space(auth.actor(), domain.0).await?;
    Ok(Json(json::space(&space)))
}

/// Changes the fields given; a realm only while the space has no account.
#[utoipa::path(put, operation_id = "spaces_update", path = "/api/spaces/{domain}", tag = "spaces",
    params(("domain" = String, Path, description = "The space's SIP domain", pattern = r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$", max_length = 253)),
    request_body = crate::openapi::SpaceUpdate,
    responses(
        (status = 200, description = "The space", body = crate::openapi::Space),
        crate::openapi::SpaceNotFound,
    ))]
async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    domain: PathText,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let request = body.and_then(|body| update_request(&body, auth.actor(), &domain.0));
    let request = match request {
        Ok(request) => request,
        // Who may call, and whether the space exists, come first.
        Err(refused) => {
            state.core.get_space(auth.actor(), domain.0).await?;
            return Err(refused);
        }
    };
    let space = state.core.update_space(request).await?;
    Ok(Json(json::space(&space)))
}

/// Only an empty space goes; the default domain's never does.
#[utoipa::path(delete, operation_id = "spaces_remove", path = "/api/spaces/{domain}", tag = "spaces",
    params(("domain" = String, Path, description = "The space's SIP domain", pattern = r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$", max_length = 253)),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        crate::openapi::SpaceNotFound,
        crate::openapi::SpaceInUse,
    ))]
async fn remove(State(state): State<AppState>, auth: Authenticated, domain: PathText) -> Answer {
    state.core.delete_space(auth.actor(), domain.0).await?;
    Ok(Json(serde_json::json!({})))
}
