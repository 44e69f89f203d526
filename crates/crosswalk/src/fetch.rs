//! Everything one record needs: its manifest and components, fetched concurrently, all of them
//! together within [`MAX_RECORD_BYTES`](crate::source::MAX_RECORD_BYTES).

use futures::StreamExt;

use crate::model::{EntityData, FileRef, Graph, Pinax, PinaxState};
use crate::source::{FetchError, MAX_RECORD_BYTES, RecordBudget, Source};
use arke_export_contract::options::{CheimarrosMode, ExportOptions};
use arke_export_contract::pi::Pi;

/// Fetches one entity. Only the manifest can fail it: an unreadable component is
/// treated as absent (pinax.json → a minimal record), as in the original worker; but components
/// that weigh more than [`MAX_RECORD_BYTES`] together fail the record (a hostile manifest costs one
/// record, never the machine's memory).
pub async fn fetch_entity(source: &Source, pi: Pi, options: &ExportOptions) -> Result<EntityData, FetchError> {
    let manifest = source.manifest(&pi).await?;
    let budget = RecordBudget::new(MAX_RECORD_BYTES);
    let budget = &budget;
    let text_of = |name: &'static str| {
        let cid = manifest.components.get(name).cloned();
        async move {
            match cid {
                Some(cid) => Some(source.component_within(&cid, Some(budget)).await),
                None => None,
            }
        }
    };
    let want_graph = options.cheimarros_mode != CheimarrosMode::Skip;
    // In manifest order, a few at a time (never one future per listed component at once). Owned
    // names and CIDs: the stream's future must be `Send` for any lifetime (it runs in a spawned task).
    let refs: Vec<(String, String)> = manifest
        .components
        .iter()
        .filter(|(name, _)| name.ends_with(".ref.json"))
        .map(|(name, cid)| (name.clone(), cid.clone()))
        .collect();
    let refs = futures::stream::iter(refs)
        .map(|(name, cid)| async move {
            match source.component_within(&cid, Some(budget)).await {
                Ok(bytes) => Ok(FileRef::from_json(&bytes).map(|r| (name, r))),
                Err(e @ FetchError::RecordTooLarge { .. }) => Err(e),
                Err(_) => Ok(None),
            }
        })
        .buffered(source.parallel())
        .collect::<Vec<Result<Option<(String, FileRef)>, FetchError>>>();
    let graph = async { if want_graph { text_of("cheimarros.json").await } else { None } };
    let (pinax, description, graph, refs) = tokio::join!(text_of("pinax.json"), text_of("description.md"), graph, refs);
    let too_large = |r: &Option<Result<_, FetchError>>| matches!(r, Some(Err(FetchError::RecordTooLarge { .. })));
    if too_large(&pinax) || too_large(&description) || too_large(&graph) || refs.iter().any(Result::is_err) {
        return Err(FetchError::RecordTooLarge { what: format!("record {pi}") });
    }

    let pinax = match pinax {
        None => PinaxState::Missing,
        Some(Err(e)) => PinaxState::Unreadable(e.to_string()),
        Some(Ok(bytes)) => match Pinax::from_json(&bytes) {
            Ok(p) => PinaxState::Present(Box::new(p)),
            Err(reason) => PinaxState::Unreadable(reason),
        },
    };
    let description = description
        .and_then(Result::ok)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .filter(|d| !d.trim().is_empty());
    let graph = graph.and_then(Result::ok).and_then(|b| Graph::from_json(&b));
    Ok(EntityData {
        pi,
        manifest,
        pinax,
        description,
        graph,
        refs: refs.into_iter().filter_map(Result::ok).flatten().collect(),
    })
}
