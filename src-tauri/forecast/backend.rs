//! Which inference engine runs the models: ONNX Runtime, loaded at run time from
//! `libonnxruntime.so` when it is present (the setup script installs it from the PyPI
//! `onnxruntime` wheel), or the pure-Rust tract engine otherwise (and on mobile).
//!
//! `ort` keeps the choice in a process-wide, set-once slot, so it is made once at start-up,
//! before any session exists; tests of the two engines run in separate processes.

use super::ForecastError;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What the user asked for (`forecast_backend` in the config, `PUREHEALTH_FORECAST_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preference {
    /// ONNX Runtime if its library loads, else tract.
    #[default]
    Auto,
    #[serde(rename = "onnxruntime")]
    OnnxRuntime,
    Tract,
}

impl std::str::FromStr for Preference {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Preference::Auto),
            "onnxruntime" | "ort" => Ok(Preference::OnnxRuntime),
            "tract" => Ok(Preference::Tract),
            other => Err(format!(
                "`{other}` is not a forecast backend (auto, onnxruntime or tract)"
            )),
        }
    }
}

/// The engine in use.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum Backend {
    #[serde(rename = "onnxruntime")]
    OnnxRuntime {
        version: String,
        library: PathBuf,
    },
    Tract {
        version: String,
    },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::OnnxRuntime { .. } => "onnxruntime",
            Backend::Tract { .. } => "tract",
        }
    }
}

static CHOSEN: OnceLock<Result<Backend, String>> = OnceLock::new();

/// Selects the engine once per process; later calls return the first choice (and an error if
/// the first choice failed). `library` is an explicit `libonnxruntime` path from the config.
pub fn select(pref: Preference, library: Option<&Path>) -> Result<Backend, ForecastError> {
    CHOSEN
        .get_or_init(|| {
            choose(pref, library).map_err(|e| match e {
                ForecastError::Backend(m) => m,
                other => other.to_string(),
            })
        })
        .clone()
        .map_err(ForecastError::Backend)
}

/// The engine chosen earlier, if any.
pub fn current() -> Option<Backend> {
    CHOSEN.get().and_then(|r| r.as_ref().ok().cloned())
}

fn choose(pref: Preference, library: Option<&Path>) -> Result<Backend, ForecastError> {
    match pref {
        Preference::Tract => Ok(use_tract()),
        Preference::OnnxRuntime => use_onnxruntime(library),
        Preference::Auto => match use_onnxruntime(library) {
            Ok(b) => Ok(b),
            Err(e) => {
                tracing::info!("forecasts run on tract: {e}");
                Ok(use_tract())
            }
        },
    }
}

fn use_tract() -> Backend {
    ort::set_api(ort_tract::api());
    Backend::Tract {
        version: "tract 0.23 (ort-tract 0.5)".into(),
    }
}

/// Where `libonnxruntime` is looked for, in order.
pub fn library_candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(p.to_path_buf());
        return out;
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        out.push(PathBuf::from(p));
    }
    let name = format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(&name));
        out.push(dir.join("lib").join(&name));
    }
    if let Some(home) = std::env::var_os("HOME") {
        out.push(
            PathBuf::from(home)
                .join(".local/lib/purehealth")
                .join(&name),
        );
    }
    out
}

fn use_onnxruntime(explicit: Option<&Path>) -> Result<Backend, ForecastError> {
    let candidates = library_candidates(explicit);
    let path = candidates
        .iter()
        .find(|p| p.exists())
        .ok_or_else(|| {
            ForecastError::Backend(format!(
                "ONNX Runtime library not found (looked at {}); run scripts/setup.sh or set ORT_DYLIB_PATH",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?
        .clone();
    // Loads the library (and checks its version) into ort's own slot...
    ort::init_from(&path)
        .map_err(|e| ForecastError::Backend(format!("ONNX Runtime at {}: {e}", path.display())))?;
    // ...then hands ort the API table from the same, already loaded, library. The handle is
    // leaked on purpose: the library must outlive every session.
    let lib = unsafe { libloading::Library::new(&path) }
        .map_err(|e| ForecastError::Backend(format!("{}: {e}", path.display())))?;
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    let (api, version) = unsafe {
        let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
            lib.get(b"OrtGetApiBase").map_err(|e| {
                ForecastError::Backend(format!("{}: no OrtGetApiBase: {e}", path.display()))
            })?;
        let base = get_base();
        if base.is_null() {
            return Err(ForecastError::Backend(format!(
                "{}: OrtGetApiBase returned null",
                path.display()
            )));
        }
        let version = std::ffi::CStr::from_ptr(((*base).GetVersionString)())
            .to_string_lossy()
            .into_owned();
        let api = ((*base).GetApi)(ort::sys::ORT_API_VERSION);
        if api.is_null() {
            return Err(ForecastError::Backend(format!(
                "ONNX Runtime {version} at {} does not offer API version {}",
                path.display(),
                ort::sys::ORT_API_VERSION
            )));
        }
        (std::ptr::read(api), version)
    };
    ort::set_api(api);
    Ok(Backend::OnnxRuntime {
        version,
        library: path,
    })
}
