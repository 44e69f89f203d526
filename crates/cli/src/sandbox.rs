//! `arke-export sandbox`: the stand-ins in the foreground, with what a client needs printed.

use std::path::PathBuf;

use arke_export_sandbox::{CatalogSource, CatalogSpec, Sandbox, SandboxOptions};

pub(crate) struct Args {
    pub dir: PathBuf,
    pub catalog: Option<PathBuf>,
    pub size: usize,
    pub rate_limits: bool,
    /// Children of an extra, very large collection under the origin (0: none).
    pub wide: usize,
}

pub(crate) async fn run(args: Args) -> Result<i32, String> {
    let dir = args.dir;
    let catalog = match args.catalog {
        Some(folder) => CatalogSource::Folder(folder),
        None => CatalogSource::Generate(CatalogSpec { size: args.size, ..CatalogSpec::default() }),
    };
    let options = SandboxOptions { catalog, rate_limits: args.rate_limits, ..SandboxOptions::default() };
    let sandbox = Sandbox::start_with(&dir, options)
        .await
        .map_err(|e| format!("could not start the sandbox in {}: {e}", dir.display()))?;
    let wide = (args.wide > 0).then(|| sandbox.arke.add_wide_collection(args.wide, 1));
    let e = sandbox.endpoints();
    println!("Arke Export sandbox is running (state in {}).", dir.display());
    println!();
    println!("  Fly Machines API  {}   app {}   region {}", e.fly_api_url, e.fly_app, e.fly_region);
    println!("  S3 (R2)           {}   bucket {}", e.r2_endpoint, e.r2_bucket);
    println!("  Arke API + IPFS   {}", e.arke_api_url);
    println!("  The Fly app holds the machines' R2 secret as its app secret R2_SECRET_ACCESS_KEY.");
    println!();
    println!("Point the CLI or the app at it (these credentials are valid until Ctrl-C):");
    println!("  export ARKE_EXPORT_MODE=fly");
    println!("  export ARKE_EXPORT_FLY_API_URL={} ARKE_EXPORT_FLY_APP={}", e.fly_api_url, e.fly_app);
    println!("  export ARKE_EXPORT_FLY_REGION={} ARKE_EXPORT_FLY_IMAGE=arke-export-worker:sandbox", e.fly_region);
    println!("  export ARKE_EXPORT_R2_ENDPOINT={} ARKE_EXPORT_R2_BUCKET={}", e.r2_endpoint, e.r2_bucket);
    println!("  export ARKE_EXPORT_R2_ACCESS_KEY_ID={}", e.r2_access_key_id);
    println!("  export ARKE_EXPORT_ARKE_API_URL={} ARKE_EXPORT_IPFS_GATEWAY={}", e.arke_api_url, e.ipfs_gateway);
    println!("  export FLY_API_TOKEN={} R2_SECRET_ACCESS_KEY={}", e.fly_api_token, e.r2_secret_access_key);
    if let Some(index) = &sandbox.index {
        println!();
        println!("Record IDs to try:");
        println!("  whole tree (recursive)  {}", index.root);
        for pi in index.items.iter().take(5) {
            println!("  item                    {pi}");
        }
        for (label, pi) in [
            ("no pinax.json", &index.missing_pinax),
            ("bad pinax.json", &index.bad_json),
            ("hostile metadata", &index.hostile),
            ("missing (404)", &index.not_found),
        ] {
            if let Some(pi) = pi {
                println!("  {label:<23} {pi}");
            }
        }
        println!("  (all of them, by kind: {})", dir.join("catalog").join("index.json").display());
    }
    println!("  the archive's origin    {} (GET /arke)", arke_export_sandbox::ORIGIN_PI);
    if let Some(wide) = wide {
        println!("  collection of {:<9} {wide}", args.wide);
    }
    println!();
    println!("Press Ctrl-C to stop.");
    stop_signal().await?;
    println!("Stopping: ending machines and servers…");
    sandbox.shutdown().await;
    println!("Stopped.");
    Ok(0)
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn stop_signal() -> Result<(), String> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("could not listen for SIGTERM: {e}"))?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| format!("could not wait for Ctrl-C: {e}")),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.map_err(|e| format!("could not wait for Ctrl-C: {e}"))
}
