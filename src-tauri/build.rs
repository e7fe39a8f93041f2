//! Build script: makes sure `ui/dist` exists (the hub embeds it, and Tauri refuses to build
//! without it), and runs tauri-build for the desktop app.

fn main() {
    let dist = std::path::Path::new("ui/dist");
    let index = dist.join("index.html");
    if !index.exists() {
        // A placeholder that says what to do, instead of a build failure or a blank page.
        let _ = std::fs::create_dir_all(dist);
        let _ = std::fs::write(
            &index,
            "<!doctype html><meta charset=utf-8><title>Pure Health</title>\
             <p>The dashboard has not been built. Run <code>npm --prefix ui ci && npm --prefix ui run build</code> \
             and rebuild. The API is live at <a href=/api/stations>/api/stations</a>.</p>",
        );
    }
    println!("cargo:rerun-if-changed=ui/dist");
    #[cfg(feature = "gui")]
    {
        println!("cargo:rerun-if-changed=src-tauri/capabilities");
        let attrs = tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*");
        if let Err(e) = tauri_build::try_build(attrs) {
            panic!("tauri-build failed: {e:#}");
        }
    }
}
