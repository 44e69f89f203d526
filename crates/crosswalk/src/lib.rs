//! Reading Arke records and describing them, shared by the export machine (`arke-export-worker`) and
//! the engine's preview, so that a preview is the very record an export writes.
//!
//! Data flow: [`source`] (the Arke API and IPFS gateway over [`http`], bounded and retried, [`retry`]) → [`fetch`]
//! (one record's manifest and components, as [`model`] reads them) → [`describe`] (the PINAX
//! crosswalk, once per entity) → [`mods`], [`dc`], [`marc`] (one writer per format, over [`xml`]).

pub mod dc;
pub mod describe;
pub mod fetch;
pub mod http;
pub mod marc;
pub mod model;
pub mod mods;
pub mod retry;
pub mod source;
pub mod xml;
