use prost::Message as _;
use sha2::{Digest as _, Sha256};

use super::*;

fn sha(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[test]
fn every_rpc_of_the_descriptors_has_a_role_and_the_table_names_no_other() {
    let set =
        prost_types::FileDescriptorSet::decode(flexiapi_proto::pb::FILE_DESCRIPTOR_SET).unwrap();
    let mut described = Vec::new();
    for file in &set.file {
        for service in &file.service {
            for method in &service.method {
                described.push(format!(
                    "/{}.{}/{}",
                    file.package(),
                    service.name(),
                    method.name()
                ));
            }
        }
    }
    assert!(described.len() >= 20, "{described:?}");
    for rpc in &described {
        let roles = roles_of(rpc);
        assert!(!roles.is_empty(), "{rpc} belongs to no role");
        assert!(
            roles.contains(&Role::Admin),
            "{rpc}: admin may call everything"
        );
    }
    for (rpc, _) in RPCS {
        assert!(described.iter().any(|d| d == rpc), "{rpc} is not an RPC");
    }
}

#[test]
fn the_roles_are_the_contracts() {
    let credentials = "/flexiapi.v1.AuthService/GetCredentials";
    assert!(!roles_of(credentials).contains(&Role::Gateway));
    assert!(roles_of(credentials).contains(&Role::Proxy));
    for (rpc, roles) in RPCS {
        let proxy_service = rpc.starts_with("/flexiapi.v1.AuthService/")
            || rpc.starts_with("/flexiapi.v1.DeviceService/");
        assert_eq!(roles.contains(&Role::Proxy), proxy_service, "{rpc}");
        assert_eq!(roles.contains(&Role::Gateway), *rpc != credentials, "{rpc}");
    }
    assert!(roles_of("/flexiapi.v1.AuthService/Nothing").is_empty());
    assert!(is_open("/grpc.health.v1.Health/Check"));
    assert!(is_open(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
    ));
    assert!(!is_open("/flexiapi.v1.AuthService/Challenge"));
    assert!(!is_open("/grpc.health.v1.HealthX/Check"));
}

#[test]
fn a_clients_file_identifies_each_token_and_no_other() {
    let text = format!(
        "# the services that call the core\n\
         \n\
         gateway-1 gateway {}\n\
         proxy  proxy\t{}   # a Flexisip proxy\n\
         ops admin {}\n",
        sha("gw-token"),
        sha("proxy-token"),
        sha("ops-token").to_uppercase(),
    );
    let callers = Callers::parse(&text).unwrap();
    let who = |token: &str| {
        callers
            .identify(token.as_bytes())
            .map(|c| (c.name.as_str(), c.role))
    };
    assert_eq!(who("gw-token"), Some(("gateway-1", Role::Gateway)));
    assert_eq!(who("proxy-token"), Some(("proxy", Role::Proxy)));
    assert_eq!(who("ops-token"), Some(("ops", Role::Admin)));
    assert_eq!(who("gw-token "), None);
    assert_eq!(who(""), None);
    assert_eq!(who(&sha("gw-token")), None, "the hash is not the token");
    let debug = format!("{callers:?}");
    assert!(!debug.contains(&sha("gw-token")), "{debug}");
}

#[test]
fn a_bad_clients_file_names_the_line_and_the_problem() {
    let good = sha("t");
    for (text, expected) in [
        (
            "gw gateway\n".to_owned(),
            "line 1: expected NAME ROLE SHA256-HEX-OF-TOKEN, found 2",
        ),
        (
            format!("#\ngw root {good}\n"),
            "line 2: unknown role \"root\"",
        ),
        (
            "gw gateway abc\n".to_owned(),
            "line 1: the third field must be the SHA-256",
        ),
        (format!("gw gateway {good}0\n"), "line 1: the third field"),
        (format!("g/w gateway {good}\n"), "line 1: the name must be"),
        (
            format!("gw gateway {good}\ngw proxy {good}\n"),
            "line 2: the name gw is given twice",
        ),
        (format!("gw gateway {good} extra\n"), "found 4 field(s)"),
        ("x".repeat(2000), "line 1: longer than 1024 bytes"),
    ] {
        let error = format!("{:#}", Callers::parse(&text).unwrap_err());
        assert!(error.contains(expected), "{text:?}: {error}");
        assert!(!error.contains(&good), "{error}");
    }
    assert!(Callers::parse("# nobody yet\n").unwrap().is_empty());
}

#[test]
fn only_a_bearer_token_is_read() {
    assert_eq!(bearer_token(b"Bearer abc"), Some(&b"abc"[..]));
    assert_eq!(bearer_token(b"bearer  abc "), Some(&b"abc"[..]));
    assert_eq!(bearer_token(b"BEARER abc"), Some(&b"abc"[..]));
    assert_eq!(bearer_token(b"Basic abc"), None);
    assert_eq!(bearer_token(b"Bearer "), None);
    assert_eq!(bearer_token(b"Bearer    "), None);
    assert_eq!(bearer_token(b"abc"), None);
    assert_eq!(bearer_token(b""), None);
}
