//! The suite's browser without JavaScript: a plain HTTP client that
//! follows no redirect and keeps its cookies by hand, as a browser would.

use reqwest::{header, redirect, Method, StatusCode};

use crate::helpers::TestSystem;

/// A browser without JavaScript: follows nothing, keeps its cookies.
pub struct Browser<'a> {
    system: &'a TestSystem,
    http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().unwrap()
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }

    /// The `_csrf` of the page's first form.
    pub fn csrf(&self) -> String {
        let re = regex::Regex::new(r#"name="_csrf" value="([^"]+)""#).unwrap();
        re.captures(&self.body).unwrap()[1].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(system: &'a TestSystem) -> Self {
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        Self::with_client(system, http)
    }

    /// A browser with this client (which must follow no redirect).
    pub fn with_client(system: &'a TestSystem, http: reqwest::Client) -> Self {
        Self {
            system,
            http,
            cookies: Vec::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Page {
        self.send_with(method, path, form, &[]).await
    }

    pub async fn send_with(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self.http.request(method, self.system.url(path));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(form) = form {
            request = request.form(form);
        }
        let response = request.send().await.unwrap();
        let page = Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        };
        for cookie in page.set_cookies() {
            let (pair, _) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !cookie.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        page
    }

    /// Opens the login form and sends it.
    pub async fn log_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.send(Method::GET, "/login", None).await;
        let csrf = form.csrf();
        let fields = [
            ("username", username),
            ("password", password),
            ("_csrf", &csrf),
        ];
        self.send(Method::POST, "/login", Some(&fields)).await
    }
}

pub async fn alice(system: &TestSystem) {
    system
        .grpc_create_account("alice01", "alice-pw", "SHA-256", false)
        .await;
}
