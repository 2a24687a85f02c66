//! What every operation may answer besides its own results, added to the
//! generated document by the rules the gateway's layers follow (contract
//! `http.md` §1), so no handler has to repeat them and none can forget:
//!
//! - behind authentication: 401, 403, 422 (part 1: no `From`), 429, 503;
//! - with a path parameter: 404;
//! - with a JSON body: 400, 408, 413, 415, 422.
//!
//! It also adds the one rule between fields that utoipa cannot derive.
//! Each is a `$ref` to one shared answer in `components/responses`; an
//! answer a handler describes itself (a 404 naming what was not found)
//! keeps its words, its schema made a `$ref` to the shared one.

use serde_json::{json, Map, Value};

const MESSAGE: &str = "#/components/schemas/Message";
const VALIDATION: &str = "#/components/schemas/ValidationErrors";

/// The shared answers: status, name, description.
const SHARED: [(&str, &str, &str); 10] = [
    ("400", "BadRequest", "The body is not JSON, or not a JSON object"),
    ("401", "Unauthenticated", "Not authenticated: a fresh Digest challenge per algorithm in `WWW-Authenticate` (`Unauthenticated request`, or what was wrong with the answer), or `Invalid API Key` (an unknown, revoked or expired key; two keys; a key with a Digest `Authorization`)"),
    ("403", "Forbidden", "`Unauthorized area` (the account's role may not use the route), `Account blocked`, or `An admin cannot do this to its own account`"),
    ("404", "NotFound", "What the path names does not exist, or is out of the caller's reach"),
    ("408", "RequestTimeout", "`Request timeout`: the body did not all arrive within the request timeout; the connection is closed"),
    ("413", "PayloadTooLarge", "`The request body is too large`: over the gateway's `--body-limit-bytes`; a declared length is refused before it is read"),
    ("415", "UnsupportedMediaType", "The body is not `Content-Type: application/json`"),
    ("422", "Invalid", "A field, parameter or header that breaks a rule, named in `errors` in Laravel's shape (without `From` and without a key: `errors.from`)"),
    ("429", "TooManyAttempts", "`Too many failed attempts`: 5 wrong passwords for the account from this client address (or 20 invalid API keys from it) within 5 minutes; `Retry-After` says when to try again"),
    ("503", "Unavailable", "The core service or Flexisip's registrar did not answer in time; retry later"),
];

pub fn complete(document: &mut Value) {
    cross_field_rules(document);
    grammars(document);
    super::statistics::grammars(document);
    merge_strict_extensions(document);
    links(document);
    let responses = document["components"]
        .as_object_mut()
        .map(|components| components.entry("responses").or_insert_with(|| json!({})));
    if let Some(Value::Object(responses)) = responses {
        for (status, name, description) in SHARED {
            responses.insert(name.to_owned(), shared(status, description));
        }
    }
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            add_refusals(path, operation);
        }
    }
}

/// The patterns of the space's app settings and of a call forwarding's SIP
/// URI: one constant each, shared with the tests that hold them against
/// the core's parsers; and which target needs which field.
fn grammars(document: &mut Value) {
    for schema in ["NewCallForwarding", "CallForwardingUpdate"] {
        let pointer = format!("/components/schemas/{schema}");
        let Some(schema) = document.pointer_mut(&pointer) else {
            continue;
        };
        schema["properties"]["sip_uri"]["pattern"] = json!(super::sip_uri_pattern());
        schema["allOf"] = json!([
            {"if": {"properties": {"forward_to": {"const": "sip_uri"}}, "required": ["forward_to"]},
             "then": {"required": ["sip_uri"], "properties": {"sip_uri": {"type": "string"}}}},
            {"if": {"properties": {"forward_to": {"const": "contact"}}, "required": ["forward_to"]},
             "then": {"required": ["contact_id"], "properties": {"contact_id": {"type": "integer"}}}},
        ]);
    }
    let fields = [
        ("account_proxy_registrar_address", super::PROXY_PATTERN),
        ("custom_provisioning_entries", super::INI_PATTERN),
    ];
    for (field, pattern) in fields {
        let pointer = format!("/components/schemas/AppSettingsInput/properties/{field}");
        if let Some(property) = document.pointer_mut(&pointer) {
            property["pattern"] = json!(pattern);
        }
    }
}

/// A schema that extends a strict one (`allOf`: a `$ref` whose
/// `additionalProperties` is false, and keys of its own) written as one
/// object: JSON Schema reads each part of an `allOf` alone, so the strict
/// part would refuse the added keys (the account with its provisioning
/// token, or with its call forwardings).
fn merge_strict_extensions(document: &mut Value) {
    let Some(Value::Object(schemas)) = document.pointer("/components/schemas").cloned() else {
        return;
    };
    let Some(Value::Object(targets)) = document.pointer_mut("/components/schemas") else {
        return;
    };
    for schema in targets.values_mut() {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array).cloned() else {
            continue;
        };
        let resolved: Vec<Value> = parts
            .iter()
            .map(|part| match part.get("$ref").and_then(Value::as_str) {
                Some(reference) => reference
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| schemas.get(name))
                    .cloned()
                    .unwrap_or_default(),
                None => part.clone(),
            })
            .collect();
        if !resolved
            .iter()
            .any(|p| p["additionalProperties"] == json!(false))
        {
            continue;
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        for part in &resolved {
            if let Some(own) = part["properties"].as_object() {
                properties.extend(own.clone());
            }
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        let mut merged = json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        });
        if let Some(description) = schema.get("description") {
            merged["description"] = description.clone();
        }
        *schema = merged;
    }
}

/// Rules between fields, and refusals of a pattern, which utoipa's derive
/// cannot state: a new username needs its password (the HA1 is made of
/// both); an APNs device token is 64 hex digits; an app's username is not
/// a phone number.
fn cross_field_rules(document: &mut Value) {
    if let Some(update) = document.pointer_mut("/components/schemas/AccountUpdate") {
        // `null` stands for absent, so presence alone does not say it.
        update["if"] =
            json!({"properties": {"username": {"type": "string"}}, "required": ["username"]});
        update["then"] =
            json!({"properties": {"password": {"type": "string"}}, "required": ["password"]});
    }
    if let Some(push) = document.pointer_mut("/components/schemas/PushTarget") {
        push["if"] = json!({"properties": {"pn_provider": {"enum": ["apns", "apns.dev"]}}});
        push["then"] = json!({"properties": {"pn_prid": {"pattern": "^[0-9A-Fa-f]{64}$"}}});
    }
    if let Some(username) =
        document.pointer_mut("/components/schemas/AccountWithToken/properties/username")
    {
        username["not"] = json!({"pattern": "^\\+?[0-9]{6,15}$"});
    }
}

/// What a client can do next with what it created (OpenAPI links; a test
/// tool follows them to chain a create with its reads, changes and delete).
const LINKS: [(&str, &str, &str, &[&str]); 2] = [
    (
        "/api/accounts",
        "200",
        "id",
        &[
            "accounts_admin_show",
            "accounts_admin_update",
            "accounts_admin_remove",
            "accounts_admin_activate",
            "accounts_admin_deactivate",
            "accounts_admin_block",
            "accounts_admin_unblock",
            "accounts_admin_devices",
        ],
    ),
    (
        "/api/spaces",
        "201",
        "domain",
        &["spaces_show", "spaces_update", "spaces_remove"],
    ),
];

fn links(document: &mut Value) {
    for (path, status, key, operations) in LINKS {
        let pointer = format!("/paths/{}/post/responses/{status}", path.replace('/', "~1"));
        let Some(answer) = document.pointer_mut(&pointer) else {
            continue;
        };
        let links: Map<String, Value> = operations
            .iter()
            .map(|operation| {
                let link = json!({
                    "operationId": operation,
                    "parameters": {key: format!("$response.body#/{key}")},
                });
                ((*operation).to_owned(), link)
            })
            .collect();
        answer["links"] = Value::Object(links);
    }
}

fn shared(status: &str, description: &str) -> Value {
    let schema = if status == "422" { VALIDATION } else { MESSAGE };
    let mut answer = json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema}}},
    });
    let header = match status {
        "401" => Some((
            "WWW-Authenticate",
            "One Digest challenge per algorithm (MD5, SHA-256), on a Digest request",
        )),
        "429" => Some(("Retry-After", "Seconds until the client may try again")),
        _ => None,
    };
    if let Some((name, description)) = header {
        answer["headers"] =
            json!({name: {"description": description, "schema": {"type": "string"}}});
    }
    answer
}

fn add_refusals(path: &str, operation: &mut Map<String, Value>) {
    let public = operation.get("security") == Some(&json!([{}]));
    let has_body = operation.contains_key("requestBody");
    // A browser form's own refusals are pages; the layers' (408, 413) are JSON.
    let json_body = operation
        .get("requestBody")
        .and_then(|body| body.pointer("/content/application~1json"))
        .is_some();
    let responses = operation.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    let mut statuses: Vec<&str> = Vec::new();
    if !public {
        statuses.extend(["401", "403", "422", "429", "503"]);
    }
    if path.contains('{') {
        statuses.push("404");
    }
    if has_body {
        statuses.extend(["408", "413"]);
    }
    if json_body {
        statuses.extend(["400", "415", "422"]);
    }
    for (status, name, _) in SHARED {
        if statuses.contains(&status) {
            let reference = json!({"$ref": format!("#/components/responses/{name}")});
            responses.entry(status).or_insert(reference);
        }
    }
    for (status, answer) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            refer_to_shared_schema(answer);
        }
    }
}

/// An error answer a handler wrote out with the message schema inlined
/// (utoipa's `#[to_schema]`) refers to the shared schema instead.
fn refer_to_shared_schema(answer: &mut Value) {
    let Some(schema) = answer.pointer_mut("/content/application~1json/schema") else {
        return;
    };
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let reference = match keys.as_slice() {
        ["message"] => MESSAGE,
        ["errors", "message"] => VALIDATION,
        _ => return,
    };
    *schema = json!({"$ref": reference});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_gets_the_refusals_of_what_it_is() {
        let mut document = json!({
            "components": {"schemas": {}},
            "paths": {
                "/api/things/{id}": {
                    "put": {"requestBody": {"content": {"application/json": {}}}, "responses": {
                        "200": {"description": "ok"},
                        "404": {"description": "Thing not found", "content": {"application/json": {"schema": {"type": "object", "properties": {"message": {"type": "string"}}}}}}
                    }},
                },
                "/api/public": {"get": {"security": [{}], "responses": {"200": {"description": "ok"}}}},
            }
        });
        complete(&mut document);
        let put = &document["paths"]["/api/things/{id}"]["put"]["responses"];
        for (status, name) in [
            ("401", "Unauthenticated"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
            ("422", "Invalid"),
            ("503", "Unavailable"),
        ] {
            assert_eq!(
                put[status]["$ref"],
                format!("#/components/responses/{name}")
            );
        }
        assert_eq!(put["404"]["description"], "Thing not found");
        assert_eq!(
            put["404"]["content"]["application/json"]["schema"]["$ref"],
            MESSAGE
        );
        let public = document["paths"]["/api/public"]["get"]["responses"]
            .as_object()
            .unwrap();
        assert_eq!(public.keys().collect::<Vec<_>>(), ["200"]);
        let shared = &document["components"]["responses"];
        assert!(shared["TooManyAttempts"]["headers"]["Retry-After"].is_object());
        assert!(shared["Unauthenticated"]["headers"]["WWW-Authenticate"].is_object());
        assert_eq!(
            shared["Invalid"]["content"]["application/json"]["schema"]["$ref"],
            VALIDATION
        );
    }
}
