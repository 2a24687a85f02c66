//! The `ui` booleans of a space's app settings (contract part 5), by JSON
//! key, with FlexiAPI's defaults: one list for the core (what it stores and
//! writes into the provisioning document) and the gateway (the space
//! object's keys), in the order of the document's `ui` section.

/// Each feature's key and its default.
pub const FEATURES: [(&str, bool); 10] = [
    ("disable_chat_feature", false),
    ("disable_meetings_feature", false),
    ("disable_broadcast_feature", true),
    ("hide_settings", false),
    ("hide_account_settings", false),
    ("disable_call_recordings_feature", false),
    ("only_display_sip_uri_username", false),
    ("assistant_hide_create_account", false),
    ("assistant_disable_qr_code", false),
    ("assistant_hide_third_party_account", false),
];

/// The transports a space's apps may register with; the first is the default.
pub const TRANSPORTS: [&str; 3] = ["tls", "tcp", "udp"];
