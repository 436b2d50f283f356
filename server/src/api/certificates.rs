//! The citizen's certificates ("list of EDS keys") with their status.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::auth::Session;
use super::{AppState, Problem};
use crate::registry;

pub async fn list(
    State(state): State<Arc<AppState>>,
    session: Session,
) -> Result<Json<Value>, Problem> {
    let certificates =
        registry::list_certificates(&state.db, &session.iin, &state.config.policy, state.now())?;
    Ok(Json(
        json!({ "iin": session.iin, "certificates": certificates }),
    ))
}
