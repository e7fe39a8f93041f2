//! The built UI (`ui/dist`), embedded in release builds and read from disk in debug builds,
//! served at `/` so any browser on the LAN gets the same dashboard as the desktop window.

use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "ui/dist/"]
struct Ui;

pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    // Unknown API paths and non-GET requests are errors, never the app shell.
    if path.starts_with("api/") || !matches!(method, Method::GET | Method::HEAD) {
        let (status, message) = if path.starts_with("api/") {
            (
                StatusCode::NOT_FOUND,
                format!("no such endpoint: {method} /{path}"),
            )
        } else {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{method} is not allowed on /{path}"),
            )
        };
        return (
            status,
            axum::Json(serde_json::json!({"kind": "not_found", "message": message})),
        )
            .into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    match Ui::get(path).or_else(|| {
        // Client-side routes fall back to the app shell; missing assets stay 404.
        (!path.contains('.'))
            .then(|| Ui::get("index.html"))
            .flatten()
    }) {
        Some(file) => (
            [(header::CONTENT_TYPE, file.metadata.mimetype().to_string())],
            file.data,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
