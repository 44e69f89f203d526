//! Costs: the estimate shown next to **Export MODS** before a batch is submitted.

use arke_export_engine::cost::ExportEstimate;
use tauri::State;

use super::CmdResult;
use crate::state::AppState;

/// What exporting `records` IDs (with `children` children in all, for a recursive export) will cost,
/// measured on this installation's earlier jobs.
#[tauri::command]
pub(crate) async fn estimate_export(
    state: State<'_, AppState>,
    records: u64,
    children: Option<u64>,
    per_machine: Option<u32>,
    formats: Option<u32>,
) -> CmdResult<ExportEstimate> {
    Ok(state.engine().await?.estimate_export(records, children, per_machine, formats)?)
}
