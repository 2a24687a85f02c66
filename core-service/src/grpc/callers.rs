//! Who may call the core, and what: the clients file (`NAME ROLE
//! SHA256-HEX-OF-TOKEN`, one caller a line), bearer tokens recognised by
//! their SHA-256 in constant time, and the table of which role may call
//! which RPC. The tower layer that applies it is [`crate::grpc::gate`].
//!
//! Only token hashes are kept: the file may be read by anyone who can read
//! the core's configuration without opening the core to them.

use std::{fmt, path::Path};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// What a caller is, and so which RPCs it may call ([`RPCS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The REST gateway: every RPC but `GetCredentials`, so a compromised
    /// gateway cannot dump the HA1s.
    Gateway,
    /// A SIP proxy or registrar: AuthService and DeviceService.
    Proxy,
    /// An operator's tool: everything.
    Admin,
}

impl Role {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "gateway" => Some(Self::Gateway),
            "proxy" => Some(Self::Proxy),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gateway => "gateway",
            Self::Proxy => "proxy",
            Self::Admin => "admin",
        }
    }
}

use Role::{Admin, Gateway, Proxy};

const ALL: &[Role] = &[Gateway, Proxy, Admin];
const NOT_PROXY: &[Role] = &[Gateway, Admin];

/// Every RPC of `flexiapi.v1` and the roles that may call it. An RPC missing
/// here is refused to everyone (a test compares this table with the
/// descriptors, so a new RPC cannot be forgotten).
pub const RPCS: &[(&str, &[Role])] = &[
    ("/flexiapi.v1.AccountService/CreateAccount", NOT_PROXY),
    ("/flexiapi.v1.AccountService/GetAccount", NOT_PROXY),
    ("/flexiapi.v1.AccountService/ListAccounts", NOT_PROXY),
    ("/flexiapi.v1.AccountService/UpdateAccount", NOT_PROXY),
    ("/flexiapi.v1.AccountService/DeleteAccount", NOT_PROXY),
    ("/flexiapi.v1.AccountService/SetAccountState", NOT_PROXY),
    ("/flexiapi.v1.AccountService/ChangePassword", NOT_PROXY),
    ("/flexiapi.v1.AccountService/SearchAccount", NOT_PROXY),
    ("/flexiapi.v1.ApiKeyService/CreateApiKey", NOT_PROXY),
    ("/flexiapi.v1.ApiKeyService/VerifyApiKey", NOT_PROXY),
    ("/flexiapi.v1.ApiKeyService/ListApiKeys", NOT_PROXY),
    ("/flexiapi.v1.ApiKeyService/RevokeApiKey", NOT_PROXY),
    ("/flexiapi.v1.AuthService/Challenge", ALL),
    ("/flexiapi.v1.SessionService/OpenSession", NOT_PROXY),
    ("/flexiapi.v1.SessionService/GetSession", NOT_PROXY),
    ("/flexiapi.v1.SessionService/CloseSession", NOT_PROXY),
    ("/flexiapi.v1.AuthService/VerifyDigest", ALL),
    // The HA1s: a proxy that checks passwords itself needs them; the
    // gateway never does.
    ("/flexiapi.v1.AuthService/GetCredentials", &[Proxy, Admin]),
    (
        "/flexiapi.v1.CallForwardingService/ListCallForwardings",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.CallForwardingService/GetCallForwarding",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.CallForwardingService/CreateCallForwarding",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.CallForwardingService/UpdateCallForwarding",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.CallForwardingService/DeleteCallForwarding",
        NOT_PROXY,
    ),
    ("/flexiapi.v1.DeviceService/UpsertDevice", ALL),
    ("/flexiapi.v1.DeviceService/ListDevices", ALL),
    ("/flexiapi.v1.DeviceService/RemoveDevice", ALL),
    ("/flexiapi.v1.DeviceService/WatchDevices", ALL),
    (
        "/flexiapi.v1.OnboardingService/CreateRequestToken",
        NOT_PROXY,
    ),
    ("/flexiapi.v1.OnboardingService/CheckToken", NOT_PROXY),
    (
        "/flexiapi.v1.OnboardingService/ValidateRequestToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.OnboardingService/ExchangeRequestToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.OnboardingService/SendCreationTokenByPush",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.OnboardingService/SendRecoveryTokenByPush",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.OnboardingService/CreateAdminCreationToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.OnboardingService/ConsumeCreationToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.OnboardingService/CreateAccountWithToken",
        NOT_PROXY,
    ),
    ("/flexiapi.v1.OnboardingService/RequestEmailCode", NOT_PROXY),
    ("/flexiapi.v1.OnboardingService/ConfirmEmailCode", NOT_PROXY),
    ("/flexiapi.v1.OnboardingService/RequestPhoneCode", NOT_PROXY),
    ("/flexiapi.v1.OnboardingService/ConfirmPhoneCode", NOT_PROXY),
    ("/flexiapi.v1.OnboardingService/StartRecovery", NOT_PROXY),
    ("/flexiapi.v1.OnboardingService/ConfirmRecovery", NOT_PROXY),
    (
        "/flexiapi.v1.ProvisioningService/CreateProvisioningToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/SendProvisioningEmail",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/CheckProvisioningToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/ProvisionByToken",
        NOT_PROXY,
    ),
    ("/flexiapi.v1.ProvisioningService/ProvisionMe", NOT_PROXY),
    (
        "/flexiapi.v1.ProvisioningService/ProvisionAnonymous",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/CreateAuthToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/AttachAuthToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/ProvisionByAuthToken",
        NOT_PROXY,
    ),
    (
        "/flexiapi.v1.ProvisioningService/ApiKeyFromAuthToken",
        NOT_PROXY,
    ),
    ("/flexiapi.v1.SpaceService/ListSpaces", NOT_PROXY),
    ("/flexiapi.v1.SpaceService/GetSpace", NOT_PROXY),
    ("/flexiapi.v1.SpaceService/CreateSpace", NOT_PROXY),
    ("/flexiapi.v1.SpaceService/UpdateSpace", NOT_PROXY),
    ("/flexiapi.v1.SpaceService/DeleteSpace", NOT_PROXY),
    ("/flexiapi.v1.VoicemailService/CreateVoicemail", NOT_PROXY),
    ("/flexiapi.v1.VoicemailService/ListVoicemails", NOT_PROXY),
    ("/flexiapi.v1.VoicemailService/GetVoicemail", NOT_PROXY),
    ("/flexiapi.v1.VoicemailService/DeleteVoicemail", NOT_PROXY),
    ("/flexiapi.v1.VoicemailService/UploadVoicemail", NOT_PROXY),
    ("/flexiapi.v1.VoicemailService/DownloadFile", NOT_PROXY),
    ("/flexiapi.v1.StatisticsService/RecordCall", NOT_PROXY),
    ("/flexiapi.v1.StatisticsService/EndCall", NOT_PROXY),
    ("/flexiapi.v1.StatisticsService/RecordCallDevice", NOT_PROXY),
    ("/flexiapi.v1.StatisticsService/RecordMessage", NOT_PROXY),
    (
        "/flexiapi.v1.StatisticsService/RecordMessageDevice",
        NOT_PROXY,
    ),
    ("/flexiapi.v1.StatisticsService/ListCalls", NOT_PROXY),
    ("/flexiapi.v1.StatisticsService/ListMessages", NOT_PROXY),
    (
        "/flexiapi.v1.PushNotificationService/SendPushNotification",
        NOT_PROXY,
    ),
];

/// Services anyone may call: probes (Kubernetes' gRPC probe sends no
/// token) and reflection, which only describes the schema.
const OPEN_PREFIXES: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// Whether `path` (`/package.Service/Method`) needs no token.
pub fn is_open(path: &str) -> bool {
    OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix))
}

/// The roles that may call the RPC at `path`; none for an unknown one.
pub fn roles_of(path: &str) -> &'static [Role] {
    RPCS.iter()
        .find(|(rpc, _)| *rpc == path)
        .map_or(&[], |(_, roles)| roles)
}

/// One line of the clients file, with the hash of its token.
#[derive(Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    token_sha256: [u8; 32],
}

impl fmt::Debug for Caller {
    // The hash stays out of logs too: it is what a token is checked against.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The known callers of one clients file.
#[derive(Debug, Clone, Default)]
pub struct Callers(Vec<Caller>);

/// Longest line, and most callers, a clients file may have: it is a list of
/// services, not of users.
const MAX_LINE: usize = 1024;
const MAX_CALLERS: usize = 1000;

impl Callers {
    /// Reads and checks `path`; an error names the file and the line.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the clients file {} (--clients-file / FLEXIAPI_CORE_CLIENTS_FILE)",
                path.display()
            )
        })?;
        Self::parse(&text).with_context(|| {
            format!(
                "invalid clients file {} (--clients-file / FLEXIAPI_CORE_CLIENTS_FILE)",
                path.display()
            )
        })
    }

    /// `NAME ROLE SHA256-HEX` a line; blank lines and `#` comments skipped.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut callers: Vec<Caller> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            anyhow::ensure!(
                line.len() <= MAX_LINE,
                "line {number}: longer than {MAX_LINE} bytes"
            );
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let caller = parse_line(line).with_context(|| format!("line {number}"))?;
            anyhow::ensure!(
                callers.iter().all(|known| known.name != caller.name),
                "line {number}: the name {} is given twice",
                caller.name
            );
            anyhow::ensure!(
                callers.len() < MAX_CALLERS,
                "line {number}: more than {MAX_CALLERS} callers"
            );
            callers.push(caller);
        }
        Ok(Self(callers))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The caller whose token this is. Every entry is compared, each in
    /// constant time, so the time taken tells nothing about which one
    /// matched or how much of a hash did.
    pub fn identify(&self, token: &[u8]) -> Option<&Caller> {
        let digest: [u8; 32] = Sha256::digest(token).into();
        let mut found = None;
        for caller in &self.0 {
            if bool::from(caller.token_sha256.ct_eq(&digest)) {
                found = Some(caller);
            }
        }
        found
    }
}

fn parse_line(line: &str) -> anyhow::Result<Caller> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [name, role, hash] = fields[..] else {
        anyhow::bail!(
            "expected NAME ROLE SHA256-HEX-OF-TOKEN, found {} field(s)",
            fields.len()
        );
    };
    anyhow::ensure!(
        name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
        "the name must be 1 to 64 letters, digits, '.', '_' or '-'"
    );
    let role = Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!("unknown role {role:?}: expected gateway, proxy or admin")
    })?;
    let mut token_sha256 = [0; 32];
    hex::decode_to_slice(hash, &mut token_sha256).map_err(|_| {
        anyhow::anyhow!(
            "the third field must be the SHA-256 of the token, 64 hex digits \
             (printf %s TOKEN | sha256sum)"
        )
    })?;
    Ok(Caller {
        name: name.to_owned(),
        role,
        token_sha256,
    })
}

/// The token of an `authorization: Bearer <token>` value (scheme in any
/// case, as HTTP's schemes are).
pub fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    if value.len() <= SCHEME.len() || !value[..SCHEME.len()].eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let token = value[SCHEME.len()..].trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
#[path = "callers_tests.rs"]
mod tests;
