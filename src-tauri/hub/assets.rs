//! The built UI (`ui/dist`), embedded in release builds and read from disk in debug builds,
//! served at `/` so any browser on the LAN gets the same dashboard as the desktop window.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "ui/dist/"]
struct Ui;

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
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
