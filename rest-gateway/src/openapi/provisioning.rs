//! The schemas of the provisioning routes (contract part 5).

use utoipa::ToSchema;

use super::Account;

/// The account object with a new provisioning token: the one answer that
/// ever shows it.
#[derive(ToSchema, serde::Deserialize)]
pub struct ProvisionedAccount {
    #[serde(flatten)]
    pub account: Account,
    /// 13 characters `[A-Za-z0-9]`; the previous token stops working.
    pub provisioning_token: String,
    /// `null`: it never expires.
    pub provisioning_token_expire_at: Option<String>,
}

/// `GET /api/accounts/me/api_key/{auth_token}`: the key, shown once.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyAnswer {
    pub api_key: String,
}
