//! The JSON shapes the REST contract gives for what the core returns, in one
//! place for every program that prints them (the gateway's answers, the
//! core's CLI): FlexiAPI's clients parse these keys to the letter.

use serde_json::{json, Map, Value};

use crate::{app_settings::FEATURES, pb};

/// A time as Laravel writes it: UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (also
/// RFC 3339).
pub fn time(timestamp: Option<&prost_types::Timestamp>) -> Option<String> {
    let t = timestamp?;
    let nanos = u32::try_from(t.nanos).unwrap_or_default();
    chrono::DateTime::from_timestamp(t.seconds, nanos)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

/// The account object of part 2: never a password or a hash, only which
/// algorithms it has a password for.
pub fn account(account: &pb::Account) -> Value {
    let dictionary: Map<String, Value> = account
        .dictionary
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let passwords: Vec<Value> = account
        .password_algorithms
        .iter()
        .map(|algorithm| json!({ "algorithm": algorithm }))
        .collect();
    json!({
        "id": account.id,
        "username": account.username,
        "domain": account.domain,
        "sip_uri": format!("sip:{}@{}", account.username, account.domain),
        "email": account.email,
        "phone": account.phone,
        "display_name": account.display_name,
        "activated": account.activated,
        "blocked": account.blocked,
        "admin": account.admin,
        "dictionary": dictionary,
        "passwords": passwords,
        "created_at": time(account.created_at.as_ref()),
        "updated_at": time(account.updated_at.as_ref()),
    })
}

/// Which names a call forwarding's `type` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardingNames {
    /// FlexiAPI 2026's, on the call forwarding routes: `no_answer`.
    FlexiApi,
    /// Flexisip's, in search and resolve: `away`. Flexisip reads an
    /// unknown type as `always`: a `no_answer` would divert every call.
    Flexisip,
}

/// A call forwarding, with FlexiAPI's keys.
pub fn call_forwarding(forwarding: &pb::CallForwarding, names: ForwardingNames) -> Value {
    let kind = match (forwarding.r#type.as_str(), names) {
        ("no_answer", ForwardingNames::Flexisip) => "away",
        (kind, _) => kind,
    };
    json!({
        "id": forwarding.id,
        "type": kind,
        "forward_to": forwarding.forward_to,
        "sip_uri": forwarding.sip_uri,
        "enabled": forwarding.enabled,
        "contact_id": forwarding.contact_id,
        "created_at": time(forwarding.created_at.as_ref()),
        "updated_at": time(forwarding.updated_at.as_ref()),
        "contact_sip_uri": forwarding.contact_sip_uri,
    })
}

/// A voicemail as FlexiAPI shows it (contract part 6 §2): `origin` is the
/// gateway's public origin, which makes `download_url` absolute; a slot
/// just made adds `upload_url` and `max_upload_size` (`slot`).
pub fn voicemail(voicemail: &pb::Voicemail, origin: &str, slot: bool) -> Value {
    let download_url = voicemail
        .name
        .as_ref()
        .map(|name| format!("{origin}/f/{}/{name}/download", voicemail.id));
    let mut value = json!({
        "id": voicemail.id,
        "name": voicemail.name,
        "size": voicemail.size,
        "content_type": voicemail.content_type,
        "sip_from": voicemail.sip_from,
        "uploaded_at": time(voicemail.uploaded_at.as_ref()),
        "created_at": time(voicemail.created_at.as_ref()),
        "download_url": download_url,
    });
    if slot {
        value["upload_url"] = json!(format!("{origin}/api/files/{}", voicemail.id));
        value["max_upload_size"] = json!(voicemail.max_upload_size);
    }
    value
}

/// A call of the statistics (contract part 6 §3): FlexiAPI's columns plus
/// `sip_call_id`, and the devices it was forked to.
pub fn call(call: &pb::CallRecord) -> Value {
    let devices: Vec<Value> = call
        .devices
        .iter()
        .map(|device| {
            json!({
                "call_id": call.id,
                "device_id": device.device_id,
                "rang_at": time(device.rang_at.as_ref()),
                "invite_terminated_at": time(device.invite_terminated_at.as_ref()),
                "invite_terminated_state": device.invite_terminated_state,
                "created_at": time(device.created_at.as_ref()),
                "updated_at": time(device.updated_at.as_ref()),
            })
        })
        .collect();
    json!({
        "id": call.id,
        "sip_call_id": call.sip_call_id,
        "from_username": call.from_username,
        "from_domain": call.from_domain,
        "to_username": call.to_username,
        "to_domain": call.to_domain,
        "initiated_at": time(call.initiated_at.as_ref()),
        "ended_at": time(call.ended_at.as_ref()),
        "conference_id": call.conference_id,
        "created_at": time(call.created_at.as_ref()),
        "updated_at": time(call.updated_at.as_ref()),
        "devices": devices,
    })
}

/// A message of the statistics, with its recipients' devices.
pub fn message(message: &pb::MessageRecord) -> Value {
    let devices: Vec<Value> = message
        .devices
        .iter()
        .map(|device| {
            json!({
                "to_username": device.to_username,
                "to_domain": device.to_domain,
                "device_id": device.device_id,
                "last_status": device.last_status,
                "received_at": time(device.received_at.as_ref()),
            })
        })
        .collect();
    json!({
        "id": message.id,
        "from_username": message.from_username,
        "from_domain": message.from_domain,
        "sent_at": time(message.sent_at.as_ref()),
        "encrypted": message.encrypted,
        "conference_id": message.conference_id,
        "created_at": time(message.created_at.as_ref()),
        "updated_at": time(message.updated_at.as_ref()),
        "devices": devices,
    })
}

/// A space as FlexiAPI shows it (`super`, not the proto's `is_super`),
/// then its app settings (contract part 5), each a key of its own.
pub fn space(space: &pb::Space) -> Value {
    let mut value = json!({
        "domain": space.domain,
        "name": space.name,
        "realm": space.realm,
        "super": space.is_super,
        "max_accounts": space.max_accounts,
        "default_password_algorithm": space.default_password_algorithm,
        "accounts_count": space.accounts_count,
        "created_at": time(space.created_at.as_ref()),
        "updated_at": time(space.updated_at.as_ref()),
    });
    let app = space.app.clone().unwrap_or_default();
    let mut settings = Map::new();
    settings.insert(
        "account_proxy_registrar_address".into(),
        json!(app.account_proxy_registrar_address),
    );
    settings.insert("account_transport".into(), json!(app.account_transport));
    settings.insert(
        "custom_provisioning_entries".into(),
        json!(app.custom_provisioning_entries),
    );
    settings.insert(
        "custom_provisioning_overwrite_all".into(),
        json!(app.custom_provisioning_overwrite_all),
    );
    for (key, default) in FEATURES {
        let on = app.features.get(key).copied().unwrap_or(default);
        settings.insert(key.into(), json!(on));
    }
    settings.insert("max_account".into(), json!(app.max_account));
    if let Value::Object(object) = &mut value {
        object.extend(settings);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_have_the_contract_keys() {
        let value = space(&pb::Space {
            domain: "sip.example.com".into(),
            realm: "example-realm".into(),
            is_super: true,
            default_password_algorithm: "SHA-256".into(),
            ..Default::default()
        });
        let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        let mut expected = vec![
            "accounts_count",
            "created_at",
            "default_password_algorithm",
            "domain",
            "max_accounts",
            "name",
            "realm",
            "super",
            "updated_at",
            "account_proxy_registrar_address",
            "account_transport",
            "custom_provisioning_entries",
            "custom_provisioning_overwrite_all",
            "max_account",
        ];
        expected.extend(FEATURES.iter().map(|(key, _)| *key));
        expected.sort();
        assert_eq!(keys, expected);
        // A feature the core did not send reads as its default.
        assert_eq!(value["disable_broadcast_feature"], true);
        assert_eq!(value["super"], true);
        assert_eq!(value["realm"], "example-realm");
    }

    #[test]
    fn accounts_have_the_contract_keys_and_laravel_times() {
        let value = account(&pb::Account {
            id: 42,
            username: "alice01".into(),
            domain: "sip.example.org".into(),
            activated: true,
            created_at: Some(prost_types::Timestamp {
                seconds: 1_787_218_117,
                nanos: 0,
            }),
            password_algorithms: vec!["SHA-256".into()],
            ..Default::default()
        });
        assert_eq!(value["sip_uri"], "sip:alice01@sip.example.org");
        assert_eq!(value["created_at"], "2026-08-20T09:28:37.000000Z");
        assert_eq!(value["email"], Value::Null);
        assert_eq!(value["dictionary"], json!({}));
        assert_eq!(value["passwords"], json!([{"algorithm": "SHA-256"}]));
        assert_eq!(value["updated_at"], Value::Null);
    }
}
