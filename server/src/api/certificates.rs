//! The citizen's certificates ("list of EDS keys") with their status.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use qoltanba_pki::protocol::CertificateList;

use super::auth::Session;
use super::{AppState, Problem};
use crate::registry;

pub async fn list(
    State(state): State<Arc<AppState>>,
    session: Session,
) -> Result<Json<CertificateList>, Problem> {
    let certificates =
        registry::list_certificates(&state.db, &session.iin, &state.config.policy, state.now())?;
    Ok(Json(CertificateList {
        iin: session.iin,
        certificates,
    }))
}
