//! Reading an ID list from a file the archivist picked, dropped or named: only `.txt`, `.csv` and
//! `.tsv`, only a regular file (never a FIFO or a device: opened without blocking, checked on the open
//! handle), at most 10 MB (read with that limit, whatever the size said before), decoded as UTF-8 with
//! invalid bytes replaced (one bad byte does not lose the list; the parser reports the line it spoils).

use std::io::Read;
use std::path::Path;

use crate::error::EngineError;

/// Lists larger than this are refused (a list of 26-character IDs this big is ~400,000 records).
const MAX_LIST_BYTES: u64 = 10 * 1024 * 1024;

/// The extensions an ID list may have (lower case; file dialogs filter on them too).
pub const LIST_EXTENSIONS: &[&str] = &["txt", "csv", "tsv"];

fn too_large(path: &Path, size: u64) -> EngineError {
    EngineError::InvalidFile(format!("{} is {} MB; lists up to 10 MB are accepted", path.display(), size / 1_000_000))
}

fn not_a_file(path: &Path) -> EngineError {
    EngineError::InvalidFile(format!("{} is not a regular file", path.display()))
}

/// Opens for reading without waiting for a writer (a FIFO would block a plain open).
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

/// The text of the ID list at `path`: [`EngineError::InvalidFile`] when it is not a list (extension,
/// kind of file, size), [`EngineError::Input`] when it cannot be read.
pub fn read_ids_file(path: &Path) -> Result<String, EngineError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !extension.is_some_and(|e| LIST_EXTENSIONS.contains(&e.as_str())) {
        let message = format!("{} is not a .txt, .csv or .tsv list of record IDs", path.display());
        return Err(EngineError::InvalidFile(message));
    }
    let unreadable = |e: std::io::Error| EngineError::Input {
        what: format!("the ID list {}", path.display()),
        reason: e.to_string(),
    };
    let before = std::fs::metadata(path).map_err(unreadable)?;
    if !before.is_file() {
        return Err(not_a_file(path));
    }
    if before.len() > MAX_LIST_BYTES {
        return Err(too_large(path, before.len()));
    }
    let file = open(path).map_err(unreadable)?;
    // What was opened, which may not be what was looked at.
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(not_a_file(path));
    }
    let mut bytes = Vec::new();
    file.take(MAX_LIST_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_LIST_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_list_is_read_whatever_the_case_of_its_extension_and_bad_bytes_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.CSV");
        std::fs::write(&path, b"pi\n01HZX3K9Q4M8V2T6R5N7P0W1YB\n\xff\n").unwrap();
        assert_eq!(read_ids_file(&path).unwrap(), "pi\n01HZX3K9Q4M8V2T6R5N7P0W1YB\n\u{fffd}\n");
    }

    #[test]
    fn another_extension_is_not_a_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.xlsx");
        std::fs::write(&path, "01HZX3K9Q4M8V2T6R5N7P0W1YB\n").unwrap();
        let e = read_ids_file(&path).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidFile);
        assert!(e.to_string().contains("ids.xlsx is not a .txt"), "{e}");
        assert_eq!(read_ids_file(&dir.path().join("ids")).unwrap_err().code(), ErrorCode::InvalidFile);
    }

    #[test]
    fn a_list_over_10_mb_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.txt");
        std::fs::File::create(&path).unwrap().set_len(MAX_LIST_BYTES + 1).unwrap();
        let e = read_ids_file(&path).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidFile);
        assert!(e.to_string().contains("up to 10 MB"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("ids.txt");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let device = dir.path().join("zero.csv");
        std::os::unix::fs::symlink("/dev/zero", &device).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send((read_ids_file(&fifo).map_err(|e| e.code()), read_ids_file(&device).map_err(|e| e.code())));
        });
        let (fifo, device) = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the read returns at once");
        assert_eq!(fifo, Err(ErrorCode::InvalidFile));
        assert_eq!(device, Err(ErrorCode::InvalidFile));
    }

    #[test]
    fn a_list_that_cannot_be_read_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_ids_file(&dir.path().join("missing.txt")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InputFailed);
        assert!(e.to_string().starts_with("could not read the ID list "), "{e}");
    }
}
