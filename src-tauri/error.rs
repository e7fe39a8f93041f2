//! The error type of the command surface shared by the hub's REST API and the Tauri
//! commands. It serialises as `{"kind": "...", "message": "..."}` so the UI can branch on
//! `kind` and show `message`.

use crate::store::StoreError;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CommandError {
    #[error("unknown station `{0}`")]
    UnknownStation(String),
    #[error("no active alarm {0}")]
    UnknownAlarm(i64),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommandError {
    pub fn kind(&self) -> &'static str {
        match self {
            CommandError::UnknownStation(_)
            | CommandError::UnknownAlarm(_)
            | CommandError::NotFound(_) => "not_found",
            CommandError::Conflict(_) => "conflict",
            CommandError::BadRequest(_) => "bad_request",
            CommandError::Store(_) => "storage",
        }
    }
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CommandError", 2)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}
