//! The dashboard's static files: served with a strict Content-Security-Policy,
//! calling only API paths the OpenAPI document describes, and never putting
//! agreement data on the page as markup.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

const APP_JS: &str = include_str!("../../src/dashboard/app.js");

/// The API paths the page calls: `"/v1/…"` literals (one ending in `/` is
/// followed by an agreement id), and `base + "/…"` where `base` is one
/// agreement's path; queries cut off.
fn api_paths(js: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (i, _) in js.match_indices("\"/v1/") {
        let literal = &js[i + 1..];
        let path = &literal[..literal.find('"').unwrap()];
        // `"/v1/agreements/" + encodeURIComponent(id)` is one agreement's path.
        paths.push(if path.ends_with('/') { format!("{path}{{id}}") } else { path.to_string() });
    }
    for (i, _) in js.match_indices("base + \"/") {
        let suffix = &js[i + "base + \"".len()..];
        let suffix = &suffix[..suffix.find('"').unwrap()];
        paths.push(format!("/v1/agreements/{{id}}{}", suffix.split('?').next().unwrap()));
    }
    paths
}

#[tokio::test]
async fn the_dashboard_is_served_with_a_strict_policy_and_uses_only_documented_paths() {
    let server = Server::start().await;
    let landing = server.http.get(format!("{}/", server.url)).send().await.unwrap();
    assert_eq!((landing.status(), landing.url().path()), (StatusCode::OK, "/dashboard"), "`/` leads to the dashboard");
    for (path, content_type) in [("/dashboard", "text/html"), ("/dashboard/app.js", "text/javascript"), ("/dashboard/style.css", "text/css")] {
        let reply = server.http.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{path}");
        let header = |name: &str| reply.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(header("content-type").starts_with(content_type), "{path}: {}", header("content-type"));
        assert!(header("content-security-policy").contains("default-src 'none'"), "{path}");
        assert!(!reply.text().await.unwrap().is_empty(), "{path}");
    }

    // Every request goes through `api()`, and every path is a double-quoted literal the extraction below sees.
    assert_eq!(APP_JS.matches("fetch(").count(), 1, "one fetch, in api()");
    for hidden in ["`", "'/v1", "base+"] {
        assert!(!APP_JS.contains(hidden), "a path written as {hidden}… would escape the check below");
    }
    let doc: Value = serde_json::from_str(&server.http.get(format!("{}/v1/openapi.json", server.url)).send().await.unwrap().text().await.unwrap()).unwrap();
    let paths = api_paths(APP_JS);
    assert!(paths.len() >= 7, "the page reads the list, the agreement and its views: {paths:?}");
    for path in &paths {
        assert!(doc["paths"][path].get("get").is_some(), "the dashboard reads {path}, which the OpenAPI document does not describe as a GET");
    }
    for markup in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment", "srcdoc", ".href", "eval("] {
        assert!(!APP_JS.contains(markup), "the dashboard puts data on the page as text, never through {markup}");
    }
    // Attributes (the object after an element's tag) are only `class` and `title`, which the browser treats as text.
    let attributes: Vec<&str> = APP_JS.match_indices("\", { ").map(|(i, _)| &APP_JS[i + 4..i + 4 + APP_JS[i + 4..].find('}').unwrap()]).collect();
    assert!(attributes.len() >= 5, "{attributes:?}");
    for object in attributes {
        for name in object.split(',').filter_map(|pair| pair.split(':').next()).map(str::trim) {
            assert!(["class", "title"].contains(&name), "an element attribute named `{name}`");
        }
    }
    server.stop().await;
}
