//! `/admin/spaces…`: a super admin's spaces (the configuration of each SIP
//! domain): the list with their accounts count, creation, edition and
//! deletion, through `SpaceService` as `/api/spaces` does. The core
//! refuses everyone else (`Unauthorized area`, a 403 page).

use axum::{
    extract::{Path, State},
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::html;
use serde::Deserialize;

use super::{encode, refusal};
use crate::{
    error::ApiError,
    panel::{
        login::CsrfForm,
        page::{self, Field},
        session::{self, LoggedIn, Posted},
    },
    state::AppState,
};

/// `GET /admin/spaces`.
pub async fn list(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    page::Done(done): page::Done,
) -> Response {
    let spaces = match state.core.list_spaces(logged_in.actor()).await {
        Ok(spaces) => spaces,
        Err(error) => return refusal(&logged_in, error),
    };
    let flash = match done.as_deref() {
        Some("created") => Some("Space created"),
        Some("edited") => Some("Space updated"),
        Some("deleted") => Some("Space deleted"),
        _ => None,
    };
    let main = html! {
        @if let Some(message) = flash { (page::flash(message)) }
        p { a href="/admin/spaces/create" data-testid="space-create" { "New space" } }
        ul class="spaces" {
            @for space in &spaces {
                li data-testid="space-row" {
                    a href={ "/admin/spaces/" (encode(&space.domain)) "/edit" } { (space.domain) }
                    @if space.name != space.domain { " (" (space.name) ")" }
                    ", " (page::count(space.accounts_count, "account"))
                    @if space.max_accounts > 0 { " of at most " (space.max_accounts) }
                    @if space.is_super { " " span class="badge" { "Super" } }
                    " "
                    a href={ "/admin/spaces/" (encode(&space.domain)) "/delete" }
                        aria-label={ "Delete " (space.domain) } { "Delete" }
                }
            }
        }
    };
    page::respond(
        StatusCode::OK,
        page::layout("Spaces", Some(&logged_in.chrome()), main),
    )
}

/// The fields of the create and edit forms, named as the JSON keys.
#[derive(Deserialize, Default)]
pub struct SpaceForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    realm: String,
    #[serde(default)]
    max_accounts: String,
    #[serde(default)]
    default_password_algorithm: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl SpaceForm {
    fn of(space: &pb::Space) -> Self {
        Self {
            domain: space.domain.clone(),
            name: space.name.clone(),
            realm: space.realm.clone(),
            max_accounts: space.max_accounts.to_string(),
            default_password_algorithm: space.default_password_algorithm.clone(),
            csrf: String::new(),
        }
    }

    /// The fields as the RPCs take them: blank is the default (creation)
    /// or unchanged (edition); a count that is not a whole number is the
    /// REST route's error.
    fn fields(&self) -> Result<pb::SpaceFields, (String, String)> {
        let text = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
        let max_accounts = match self.max_accounts.trim() {
            "" => None,
            count => Some(count.parse::<i64>().map_err(|_| {
                let message = "The max_accounts field must be an integer.";
                ("max_accounts".to_owned(), message.to_owned())
            })?),
        };
        Ok(pb::SpaceFields {
            name: text(&self.name),
            realm: text(&self.realm),
            max_accounts,
            default_password_algorithm: text(&self.default_password_algorithm),
            ..Default::default()
        })
    }
}

/// `GET /admin/spaces/create`. The form asks the core nothing, so the
/// account's role as the core gave it decides who sees it; the POST is
/// the core's to judge.
pub async fn create_form(logged_in: LoggedIn) -> Response {
    if !logged_in.account.super_admin {
        let unauthorized = ApiError::Forbidden("Unauthorized area".into());
        return refusal(&logged_in, unauthorized);
    }
    let blank = SpaceForm {
        max_accounts: "0".into(),
        ..SpaceForm::default()
    };
    render(&logged_in, None, StatusCode::OK, &blank, &[])
}

/// `POST /admin/spaces/create`: then the list.
pub async fn create(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<SpaceForm>,
) -> Response {
    save(&state, &logged_in, None, &parts, &form).await
}

/// `GET /admin/spaces/{domain}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    Path(domain): Path<String>,
) -> Response {
    match state.core.get_space(logged_in.actor(), domain).await {
        Ok(space) => render(
            &logged_in,
            Some(&space.domain),
            StatusCode::OK,
            &SpaceForm::of(&space),
            &[],
        ),
        Err(error) => refusal(&logged_in, error),
    }
}

/// `POST /admin/spaces/{domain}/edit`: then the list.
pub async fn edit(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    Path(domain): Path<String>,
    parts: Parts,
    Posted(form): Posted<SpaceForm>,
) -> Response {
    save(&state, &logged_in, Some(&domain), &parts, &form).await
}

/// Creates the form's space (`domain` None) or updates space `domain`;
/// a refusal comes back beside its field.
async fn save(
    state: &AppState,
    logged_in: &LoggedIn,
    domain: Option<&str>,
    parts: &Parts,
    form: &SpaceForm,
) -> Response {
    if !session::csrf_ok(state, parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let fields = match form.fields() {
        Ok(fields) => fields,
        Err(error) => return render(logged_in, domain, refused, form, &[error]),
    };
    let actor = Some(logged_in.actor());
    let saved = match domain {
        None => {
            let domain = form.domain.trim().to_owned();
            let request = pb::CreateSpaceRequest {
                actor,
                domain,
                fields: Some(fields),
            };
            state.core.create_space(request).await.map(|_| "created")
        }
        Some(domain) => {
            let request = pb::UpdateSpaceRequest {
                actor,
                domain: domain.to_owned(),
                fields: Some(fields),
                new_domain: None,
            };
            state.core.update_space(request).await.map(|_| "edited")
        }
    };
    match saved {
        Ok(done) => page::see_other_to(format!("/admin/spaces?done={done}")),
        Err(ApiError::Validation(errors)) => render(logged_in, domain, refused, form, &errors),
        Err(error) => refusal(logged_in, error),
    }
}

/// `GET /admin/spaces/{domain}/delete`: the confirmation.
pub async fn confirm_delete(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    Path(domain): Path<String>,
) -> Response {
    let space = match state.core.get_space(logged_in.actor(), domain).await {
        Ok(space) => space,
        Err(error) => return refusal(&logged_in, error),
    };
    let question = html! {
        "Delete the space " strong { (space.domain) } "? "
        "Only a space without accounts can be deleted; it has " (page::count(space.accounts_count, "account")) "."
    };
    let action = format!("/admin/spaces/{}/delete", encode(&space.domain));
    page::confirm(
        "Delete a space",
        question,
        (&action, "/admin/spaces"),
        &[],
        &logged_in.chrome(),
    )
}

/// `POST /admin/spaces/{domain}/delete`: then the list; a space with
/// accounts is the 409 page `The space still has accounts`.
pub async fn delete(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    Path(domain): Path<String>,
    parts: Parts,
    Posted(form): Posted<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    match state.core.delete_space(logged_in.actor(), domain).await {
        Ok(()) => page::see_other("/admin/spaces?done=deleted"),
        Err(error) => refusal(&logged_in, error),
    }
}

/// The create form (`domain` None) or the edit form of space `domain`.
fn render(
    logged_in: &LoggedIn,
    domain: Option<&str>,
    status: StatusCode,
    form: &SpaceForm,
    errors: &[(String, String)],
) -> Response {
    let error = |name: &str| page::error_of(errors, name);
    let shown = [
        "domain",
        "name",
        "realm",
        "max_accounts",
        "default_password_algorithm",
    ];
    let text = |label, name, value| Field::text(label, name, value, errors);
    let (title, action) = match domain {
        Some(domain) => (
            "Edit a space",
            format!("/admin/spaces/{}/edit", encode(domain)),
        ),
        None => ("New space", "/admin/spaces/create".to_owned()),
    };
    let algorithm = form.default_password_algorithm.as_str();
    let main = html! {
        form method="post" action=(action) data-testid="space-form" novalidate {
            (page::form_errors(errors, &shown))
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            @if let Some(domain) = domain {
                p { "Domain: " strong { (domain) } }
            } @else {
                (text("Domain", "domain", &form.domain).render())
            }
            (text("Name (blank: the domain)", "name", &form.name).render())
            (text("Digest realm (blank: the domain; fixed once the space has accounts)", "realm", &form.realm).render())
            (Field { kind: "number", ..text("Max accounts (0: no limit)", "max_accounts", &form.max_accounts) }.render())
            label for="default_password_algorithm" { "Default password algorithm" }
            select id="default_password_algorithm" name="default_password_algorithm" {
                option value="SHA-256" selected[algorithm != "MD5"] { "SHA-256" }
                option value="MD5" selected[algorithm == "MD5"] { "MD5" }
            }
            @if let Some(message) = error("default_password_algorithm") {
                p class="field-error" data-testid="error-default_password_algorithm" { (message) }
            }
            button type="submit" { "Save" }
        }
        p { a href="/admin/spaces" { "All spaces" } }
    };
    page::respond(status, page::layout(title, Some(&logged_in.chrome()), main))
}
