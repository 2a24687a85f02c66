//! Each case of the document against its golden file in `golden/`
//! (`UPDATE_GOLDEN=1` rewrites them; read the diff before committing).

use super::*;
use crate::domain::{
    app_settings::{AppInput, AppSettings},
    model::Secret,
    Algorithm,
};

fn golden(name: &str, xml: &str) {
    let path = format!(
        "{}/src/rules/provisioning/golden/{name}.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, xml).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(xml, expected, "{name} differs from {path}");
}

fn credentials() -> Vec<Credential> {
    vec![
        Credential {
            algorithm: Algorithm::Md5,
            ha1: Secret::new("0123456789abcdef0123456789abcdef".into()),
        },
        Credential {
            algorithm: Algorithm::Sha256,
            ha1: Secret::new("ab".repeat(32)),
        },
    ]
}

fn settings(input: AppInput<'_>) -> AppSettings {
    let mut app = AppSettings::default();
    input.parse().unwrap().apply(&mut app);
    app
}

#[test]
fn anonymous_documents_hold_only_the_space() {
    let app = AppSettings::default();
    let xml = render(
        &SpacePart {
            is_super: true,
            app: &app,
        },
        None,
    )
    .unwrap();
    golden("anonymous", &xml);
    assert!(!xml.contains("proxy_0") && !xml.contains("auth_info"));
}

#[test]
fn an_account_gets_its_identity_proxy_and_one_auth_info_per_algorithm() {
    let app = AppSettings::default();
    let credentials = credentials();
    let account = AccountPart {
        username: "anna01",
        domain: "sip.example.org",
        display_name: Some(r#"Anna "Nan" O'Reily \ <&>"#),
        realm: "example-realm",
        credentials: &credentials,
        config_uri: "https://flexiapi.example.org/provisioning/me".into(),
    };
    let xml = render(
        &SpacePart {
            is_super: false,
            app: &app,
        },
        Some(&account),
    )
    .unwrap();
    golden("account", &xml);
    // The quoted-string escapes, then XML escapes; a raw `<` never appears
    // inside a value.
    assert!(xml.contains(
        r#"<entry name="reg_identity">"Anna \"Nan\" O'Reily \\ &lt;&amp;&gt;" &lt;sip:anna01@sip.example.org&gt;</entry>"#
    ));
    assert!(!xml.contains("passwd"));
}

#[test]
fn custom_entries_come_first_and_win_and_overwrite_all_marks_every_entry() {
    let app = settings(AppInput {
        proxy: Some(Some("[2001:db8::1]:5061")),
        transport: Some("udp"),
        custom_entries: Some(Some(
            "[sip]\nguess_hostname = no\n[proxy_0]\nreg_proxy = \"<sip:edge.example.org;transport=tcp>\"\n[ui]\ntheme = dark & light",
        )),
        overwrite_all: Some(true),
        features: vec![("disable_chat_feature", true)],
        max_account: Some(2),
    });
    let credentials = credentials()[..1].to_vec();
    let account = AccountPart {
        username: "bob_01",
        domain: "sip.example.org",
        display_name: None,
        realm: "sip.example.org",
        credentials: &credentials,
        config_uri: "http://127.0.0.1:8080/provisioning/me".into(),
    };
    let space = SpacePart {
        is_super: false,
        app: &app,
    };
    let xml = render(&space, Some(&account)).unwrap();
    golden("custom", &xml);
    let built = sections(&space, Some(&account));
    let names: Vec<&str> = built.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["sip", "proxy_0", "ui", "misc", "auth_info_0"]);
    for section in &built {
        let mut entries: Vec<&str> = section.entries.iter().map(|e| e.name.as_str()).collect();
        let count = entries.len();
        entries.sort_unstable();
        entries.dedup();
        assert_eq!(entries.len(), count, "a name twice in {}", section.name);
        assert!(section.entries.iter().all(|e| e.overwrite));
    }
    let proxy = &built[1].entries;
    assert_eq!(proxy[0].name, "reg_proxy");
    assert_eq!(proxy[0].value, "<sip:edge.example.org;transport=tcp>");
    assert!(proxy
        .iter()
        .any(|e| e.name == "reg_route" && e.value == "<sip:[2001:db8::1]:5061;transport=udp>"));
}
