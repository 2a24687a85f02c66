//! The `flexiapi.v1` gRPC surface shared by both services.
//!
//! `proto/` is the single source of truth; `build.rs` compiles it with protox,
//! so building needs no system `protoc`.

pub mod app_settings;
pub mod codec;
pub mod json;
pub mod routing;

/// Metadata the core sets on a refusal of the *caller* (its bearer token or
/// its role), so a client tells "you, the service, may not call this" from a
/// rule refusing the account it acts for (both can be PERMISSION_DENIED).
pub const REFUSED_CALLER: &str = "flexiapi-refused-caller";

/// `google.rpc.ErrorInfo` reasons of the core's statuses: FAILED_PRECONDITION
/// `EXPIRED` is a gateway's 410; UNAVAILABLE `NOT_SENT` is a push, mail or
/// SMS that did not go (503 with the status's message).
pub const EXPIRED: &str = "EXPIRED";
pub const NOT_SENT: &str = "NOT_SENT";

/// Messages, clients and servers of package `flexiapi.v1`.
pub mod pb {
    use std::fmt;

    tonic::include_proto!("flexiapi.v1");

    /// The encoded descriptors of `proto/`, served by gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("flexiapi_descriptor");

    // Hand-written so that a `{:?}` in a log line can never print a password.
    impl fmt::Debug for CreateAccountRequest {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("CreateAccountRequest")
                .field("username", &self.username)
                .field("domain", &self.domain)
                .field("password", &"<redacted>")
                .field("algorithm", &self.algorithm)
                .field("admin", &self.admin)
                .finish()
        }
    }

    // Hand-written so that a `{:?}` in a log line can never print an HA1.
    impl fmt::Debug for Credential {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Credential")
                .field("algorithm", &self.algorithm)
                .field("ha1", &"<redacted>")
                .finish()
        }
    }

    impl fmt::Debug for UpdateAccountRequest {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("UpdateAccountRequest")
                .field("actor", &self.actor)
                .field("id", &self.id)
                .field("username", &self.username)
                .field("password", &self.password.as_ref().map(|_| "<redacted>"))
                .field("algorithm", &self.algorithm)
                .finish_non_exhaustive()
        }
    }

    impl fmt::Debug for ChangePasswordRequest {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("ChangePasswordRequest")
                .field("actor", &self.actor)
                .field("old_password", &"<redacted>")
                .field("password", &"<redacted>")
                .field("algorithm", &self.algorithm)
                .field("client_address", &self.client_address)
                .field("session_token", &"<redacted>")
                .finish()
        }
    }

    // A session's token opens it as a password would; its CSRF token is
    // half of what a forged form needs.
    impl fmt::Debug for OpenSessionResponse {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("OpenSessionResponse")
                .field("verdict", &self.verdict)
                .field("token", &"<redacted>")
                .field("csrf_token", &"<redacted>")
                .field("expires_at", &self.expires_at)
                .finish()
        }
    }

    impl fmt::Debug for GetSessionRequest {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("GetSessionRequest { token: \"<redacted>\" }")
        }
    }

    impl fmt::Debug for GetSessionResponse {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("GetSessionResponse")
                .field("account", &self.account)
                .field("csrf_token", &"<redacted>")
                .field("expires_at", &self.expires_at)
                .finish()
        }
    }

    impl fmt::Debug for CloseSessionRequest {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("CloseSessionRequest { token: \"<redacted>\" }")
        }
    }

    impl fmt::Debug for CreateApiKeyResponse {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("CreateApiKeyResponse")
                .field("key", &"<redacted>")
                .field("info", &self.info)
                .finish()
        }
    }

    impl fmt::Debug for VerifyApiKeyRequest {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("VerifyApiKeyRequest")
                .field("key", &"<redacted>")
                .field("client_address", &self.client_address)
                .field("scope", &self.scope)
                .finish()
        }
    }

    impl fmt::Debug for SecretText {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SecretText(<redacted>)")
        }
    }

    impl SecretText {
        pub fn new(value: impl Into<String>) -> Option<Self> {
            Some(Self {
                value: value.into(),
            })
        }
    }

    /// The text of an optional secret field: absent reads as empty.
    pub fn secret(field: &Option<SecretText>) -> &str {
        field.as_ref().map_or("", |s| s.value.as_str())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn debug_output_never_shows_secrets() {
            let request = CreateAccountRequest {
                password: "s3cret-password".into(),
                ..Default::default()
            };
            let credential = Credential {
                algorithm: "MD5".into(),
                ha1: "0123456789abcdef0123456789abcdef".into(),
            };
            let update = UpdateAccountRequest {
                password: Some("s3cret-password".into()),
                ..Default::default()
            };
            let change = ChangePasswordRequest {
                old_password: "s3cret-password".into(),
                password: "s3cret-password".into(),
                session_token: "s3cret-password".into(),
                ..Default::default()
            };
            let sessions = format!(
                "{:?} {:?} {:?} {:?}",
                OpenSessionResponse {
                    token: "s3cret-password".into(),
                    csrf_token: "s3cret-password".into(),
                    ..Default::default()
                },
                GetSessionRequest {
                    token: "s3cret-password".into()
                },
                GetSessionResponse {
                    csrf_token: "s3cret-password".into(),
                    ..Default::default()
                },
                CloseSessionRequest {
                    token: "s3cret-password".into()
                },
            );
            let key = "0123456789abcdefABCDEF0123456789abcdefAB";
            let created = CreateApiKeyResponse {
                key: key.into(),
                info: None,
            };
            let verify = VerifyApiKeyRequest {
                key: key.into(),
                client_address: "192.0.2.1".into(),
                ..Default::default()
            };
            let token = IssuedToken {
                token: SecretText::new("s3cret-password"),
                expire_at: None,
            };
            let printed = format!(
                "{request:?} {credential:?} {update:?} {change:?} {created:?} {verify:?} {token:?} \
                 {sessions}"
            );
            assert!(!printed.contains("s3cret-password"), "{printed}");
            assert!(!printed.contains("0123456789abcdef"), "{printed}");
            assert!(printed.contains("<redacted>"));
        }
    }
}
