//! Compiles `proto/` with protox (pure Rust), so a machine with only cargo can
//! build the workspace: no system `protoc` is needed.

use std::{env, fs, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "proto/flexiapi/v1/accounts.proto",
    "proto/flexiapi/v1/api_keys.proto",
    "proto/flexiapi/v1/auth.proto",
    "proto/flexiapi/v1/call_forwardings.proto",
    "proto/flexiapi/v1/devices.proto",
    "proto/flexiapi/v1/onboarding.proto",
    "proto/flexiapi/v1/provisioning.proto",
    "proto/flexiapi/v1/spaces.proto",
    "proto/flexiapi/v1/voicemails.proto",
    "proto/flexiapi/v1/statistics.proto",
    "proto/flexiapi/v1/push_notifications.proto",
    "proto/flexiapi/v1/sessions.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out_dir.join("flexiapi_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        // Undecodable requests are INVALID_ARGUMENT, not INTERNAL (src/codec.rs).
        .codec_path("crate::codec::StrictCodec")
        // A Digest answer is five times an API key: boxed, so the oneof is small.
        .boxed(".flexiapi.v1.ProvisionMeRequest.credential.digest")
        // These messages carry secrets: src/lib.rs writes a Debug that redacts them.
        .skip_debug([
            "flexiapi.v1.CreateAccountRequest",
            "flexiapi.v1.Credential",
            "flexiapi.v1.UpdateAccountRequest",
            "flexiapi.v1.ChangePasswordRequest",
            "flexiapi.v1.CreateApiKeyResponse",
            "flexiapi.v1.VerifyApiKeyRequest",
            "flexiapi.v1.SecretText",
            "flexiapi.v1.OpenSessionResponse",
            "flexiapi.v1.GetSessionRequest",
            "flexiapi.v1.GetSessionResponse",
            "flexiapi.v1.CloseSessionRequest",
        ])
        .compile_fds(fds)?;
    Ok(())
}
