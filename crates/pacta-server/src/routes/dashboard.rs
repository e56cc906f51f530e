//! The dashboard: three static files compiled into the binary, a read-only page
//! over the JSON API. It holds no data and checks no token itself: the browser
//! sends the token the user typed with each API request, so the page shows what
//! that token may see (every agreement for the admin, its own for a party).
//! The Content-Security-Policy lets the page load only its own files and talk
//! only to this server.

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

const INDEX: &str = include_str!("../dashboard/index.html");
const APP_JS: &str = include_str!("../dashboard/app.js");
const STYLE: &str = include_str!("../dashboard/style.css");

const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (headers, body).into_response()
}

pub async fn index() -> Response {
    file("text/html; charset=utf-8", INDEX)
}

pub async fn app_js() -> Response {
    file("text/javascript; charset=utf-8", APP_JS)
}

pub async fn style() -> Response {
    file("text/css; charset=utf-8", STYLE)
}

/// `/` is where a browser lands first.
pub async fn root() -> Redirect {
    Redirect::to("/dashboard")
}
