//! The provisioning email (FlexiAPI's `Mail/Provisioning.php`): a new
//! provisioning token, mailed to the account's own address with its link
//! and QR code link, and no other secret. The token is stored only once the
//! relay took the mail: a mail that did not go leaves no token behind.

use super::{tokens, Context, Guarded};
use crate::{
    domain::random::fingerprint,
    error::{CoreError, Result},
    rules::{
        accounts::{roles::Actor, store::AccountStore},
        onboarding::{
            delivery::{not_sent, Delivery, Mail},
            expiry,
        },
        provisioning::store::{NewToken, ProvisioningStore},
        spaces::{self, store::SpaceStore},
    },
};

pub const NO_EMAIL: &str = "No email configured";

pub async fn send(
    store: &(impl AccountStore + SpaceStore + ProvisioningStore),
    delivery: &dyn Delivery,
    guarded: Guarded<'_>,
    actor: &Actor,
    account_id: i64,
    context: &Context,
    now: i64,
) -> Result<()> {
    let account = actor.administered(store, account_id).await?;
    let Some(to) = account.email.clone().filter(|email| !email.is_empty()) else {
        return Err(CoreError::PermissionDenied(NO_EMAIL));
    };
    let space_name = spaces::name_of(store, &account.domain).await?;
    let token = tokens::new_provisioning_token()?;
    let url = format!("{}/provisioning/{}", context.public_url, token.expose());
    let qr_url = format!(
        "{}/provisioning/qrcode/{}",
        context.public_url,
        token.expose()
    );
    let subject = format!("Welcome to {space_name}: Start using your account today");
    let body = format!(
        "Hello {username},\n\n\
         An account was made for you on {space_name}: sip:{username}@{domain}.\n\n\
         To configure your Linphone app, open this link on the device, or scan the QR code\n\
         at the second one with the app:\n\n{url}\n\n{qr_url}\n\n\
         The link works once. If you did not expect this mail, you can ignore it.\n",
        username = account.username,
        domain = account.domain,
    );
    delivery
        .mail(Mail {
            to: &to,
            subject: &subject,
            body: &body,
        })
        .await
        .map_err(not_sent("Email not sent"))?;
    store
        .replace_provisioning_token(
            account.id,
            NewToken {
                token_sha256: &fingerprint(token.expose()),
                created_at: now,
                expires_at: expiry(now, guarded.settings.provisioning_token_ttl_seconds),
                requester: &context.requester,
            },
        )
        .await?;
    tracing::info!(account_id = account.id, "provisioning email sent");
    Ok(())
}
