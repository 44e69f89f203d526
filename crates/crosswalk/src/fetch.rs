//! Everything one record needs: its manifest and components, fetched concurrently.

use futures::future::join_all;

use crate::model::{EntityData, FileRef, Graph, Pinax, PinaxState};
use crate::source::{FetchError, Source};
use arke_export_contract::options::{CheimarrosMode, ExportOptions};
use arke_export_contract::pi::Pi;

/// Fetches one entity. Only the manifest can fail it: an unreadable component is
/// treated as absent (pinax.json → a minimal record), as in the original worker.
pub async fn fetch_entity(source: &Source, pi: Pi, options: &ExportOptions) -> Result<EntityData, FetchError> {
    let manifest = source.manifest(&pi).await?;
    let text_of = |name: &'static str| {
        let cid = manifest.components.get(name).cloned();
        async move {
            match cid {
                Some(cid) => Some(source.component(&cid).await),
                None => None,
            }
        }
    };
    let want_graph = options.cheimarros_mode != CheimarrosMode::Skip;
    let refs = manifest.components.iter().filter(|(name, _)| name.ends_with(".ref.json"));
    let refs = join_all(refs.map(|(name, cid)| async move {
        let bytes = source.component(cid).await.ok()?;
        Some((name.clone(), FileRef::from_json(&bytes)?))
    }));
    let graph = async { if want_graph { text_of("cheimarros.json").await } else { None } };
    let (pinax, description, graph, refs) = tokio::join!(text_of("pinax.json"), text_of("description.md"), graph, refs);

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
    Ok(EntityData { pi, manifest, pinax, description, graph, refs: refs.into_iter().flatten().collect() })
}
