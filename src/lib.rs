//! The `flexiapi.v1` gRPC surface shared by both services.
//!
//! `proto/` is the single source of truth; `build.rs` compiles it with protox,
//! so building needs no system `protoc`.

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
            let printed = format!("{request:?} {credential:?}");
            assert!(!printed.contains("s3cret-password"), "{printed}");
            assert!(!printed.contains("0123456789abcdef"), "{printed}");
            assert!(printed.contains("<redacted>"));
        }
    }
}
