//! Who may do what: the roles of part 2, decided here and nowhere else.
//!
//! - a **user** (any activated account) acts on its own account only;
//! - an **admin** (`admin = true`) on the accounts of its own domain;
//! - a **super admin** (an admin in a space whose `super` is set) on every
//!   domain.
//!
//! An account outside an admin's reach is NOT_FOUND, exactly as if it did not
//! exist, so an admin cannot learn which addresses another tenant has.

use crate::{
    domain::{model::Account, Domain},
    error::{CoreError, Result},
    rules::accounts::store::AccountStore,
};

pub const UNAUTHORIZED_AREA: &str = "Unauthorized area";
pub const ACCOUNT_BLOCKED: &str = "Account blocked";
pub const NOT_TO_ITSELF: &str = "An admin cannot do this to its own account";
pub const ACCOUNT_UNVALIDATED: &str = "Account unvalidated";

/// What a pending account (see [`Account::pending`]) gets from an
/// authentication: SIP never sees it; REST authenticates it, then serves it
/// only on the routes a pending account may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingAccess {
    /// As if it did not exist (SIP, and callers that do not say).
    Refused,
    /// Authenticated, then refused with [`ACCOUNT_UNVALIDATED`].
    Forbidden,
    Allowed,
}

impl PendingAccess {
    /// Whether `account` may authenticate at all: activated, or pending
    /// where pending accounts are known.
    pub fn admits(self, account: &Account) -> bool {
        account.activated || (account.pending && self != Self::Refused)
    }

    /// Why an authenticated account may not act through the API, if it may
    /// not: blocked (SIP untouched), or pending outside its routes.
    pub fn refusal(self, account: &Account) -> Option<&'static str> {
        if account.blocked {
            Some(ACCOUNT_BLOCKED)
        } else if !account.activated && account.pending && self != Self::Allowed {
            Some(ACCOUNT_UNVALIDATED)
        } else {
            None
        }
    }
}

/// The account a call is made on behalf of, as it stands now.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: Account,
}

impl Actor {
    /// Reads the acting account afresh: one deactivated or deleted since it
    /// authenticated may do nothing, a blocked one is told so, and so is a
    /// pending one.
    pub async fn resolve(store: &impl AccountStore, account_id: i64) -> Result<Self> {
        Self::resolve_with(store, account_id, PendingAccess::Forbidden).await
    }

    /// [`Self::resolve`], for the calls a pending account may make too.
    pub async fn resolve_pending(store: &impl AccountStore, account_id: i64) -> Result<Self> {
        Self::resolve_with(store, account_id, PendingAccess::Allowed).await
    }

    async fn resolve_with(
        store: &impl AccountStore,
        account_id: i64,
        pending: PendingAccess,
    ) -> Result<Self> {
        let account = store
            .account_by_id(account_id)
            .await?
            .filter(|account| pending.admits(account))
            .ok_or(CoreError::PermissionDenied(UNAUTHORIZED_AREA))?;
        if let Some(refusal) = pending.refusal(&account) {
            return Err(CoreError::PermissionDenied(refusal));
        }
        Ok(Self { account })
    }

    pub fn require_admin(&self) -> Result<()> {
        if self.account.admin {
            Ok(())
        } else {
            Err(CoreError::PermissionDenied(UNAUTHORIZED_AREA))
        }
    }

    /// Whether the actor administers `target`.
    pub fn reaches(&self, target: &Account) -> bool {
        self.account.super_admin || (self.account.admin && target.domain == self.account.domain)
    }

    /// The account `id`, if the actor administers it; NOT_FOUND otherwise.
    pub async fn administered(&self, store: &impl AccountStore, id: i64) -> Result<Account> {
        self.require_admin()?;
        store
            .account_by_id(id)
            .await?
            .filter(|target| self.reaches(target))
            .ok_or(CoreError::NotFound("account"))
    }

    /// Whose records a call is about: the actor's own (`0`), or an account
    /// it administers (NOT_FOUND `account` otherwise). What the per-account
    /// routes of part 6 name as `me` or `{id}`.
    pub async fn own_or_administered(&self, store: &impl AccountStore, id: i64) -> Result<Account> {
        match id {
            0 => Ok(self.account.clone()),
            id => self.administered(store, id).await,
        }
    }

    /// Creating (or listing) in `domain`: an admin's own domain, any for a
    /// super admin.
    pub fn may_act_in(&self, domain: &Domain) -> Result<()> {
        self.require_admin()?;
        if self.account.super_admin || domain.as_str() == self.account.domain {
            Ok(())
        } else {
            Err(CoreError::PermissionDenied(UNAUTHORIZED_AREA))
        }
    }

    /// An admin may not delete, block, deactivate or demote itself through
    /// the admin routes: it would lock itself out.
    pub fn not_itself(&self, target: &Account) -> Result<()> {
        if target.id == self.account.id {
            Err(CoreError::PermissionDenied(NOT_TO_ITSELF))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, domain: &str, admin: bool, super_admin: bool) -> Account {
        Account {
            id,
            username: format!("user{id:04}"),
            domain: domain.into(),
            activated: true,
            admin,
            super_admin,
            ..Account::default()
        }
    }

    fn denied(result: Result<()>) -> &'static str {
        match result {
            Err(CoreError::PermissionDenied(message)) => message,
            other => panic!("expected PermissionDenied, got {other:?}"),
        }
    }

    #[test]
    fn each_role_reaches_its_own_area() {
        let here = account(2, "a.example.org", false, false);
        let there = account(3, "b.example.org", false, false);
        let user = Actor {
            account: account(1, "a.example.org", false, false),
        };
        let admin = Actor {
            account: account(1, "a.example.org", true, false),
        };
        let root = Actor {
            account: account(1, "a.example.org", true, true),
        };
        assert!(!user.reaches(&here));
        assert!(admin.reaches(&here) && !admin.reaches(&there));
        assert!(root.reaches(&here) && root.reaches(&there));

        let a = Domain::parse("a.example.org").unwrap();
        let b = Domain::parse("b.example.org").unwrap();
        assert_eq!(denied(user.may_act_in(&a)), UNAUTHORIZED_AREA);
        assert!(admin.may_act_in(&a).is_ok());
        assert_eq!(denied(admin.may_act_in(&b)), UNAUTHORIZED_AREA);
        assert!(root.may_act_in(&b).is_ok());
        assert_eq!(denied(admin.not_itself(&admin.account)), NOT_TO_ITSELF);
        assert!(admin.not_itself(&here).is_ok());
    }

    #[test]
    fn pending_accounts_authenticate_only_over_rest_and_act_only_where_allowed() {
        let pending = Account {
            activated: false,
            pending: true,
            ..account(1, "a.example.org", false, false)
        };
        let deactivated = Account {
            pending: false,
            ..pending.clone()
        };
        assert!(!PendingAccess::Refused.admits(&pending));
        assert!(PendingAccess::Forbidden.admits(&pending));
        assert!(PendingAccess::Allowed.admits(&pending));
        assert!(!PendingAccess::Allowed.admits(&deactivated));
        assert_eq!(
            PendingAccess::Forbidden.refusal(&pending),
            Some(ACCOUNT_UNVALIDATED)
        );
        assert_eq!(PendingAccess::Allowed.refusal(&pending), None);
        let blocked = Account {
            blocked: true,
            ..pending
        };
        assert_eq!(
            PendingAccess::Allowed.refusal(&blocked),
            Some(ACCOUNT_BLOCKED)
        );
        let active = account(2, "a.example.org", false, false);
        assert_eq!(PendingAccess::Forbidden.refusal(&active), None);
    }
}
