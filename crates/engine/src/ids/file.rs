//! Reading an ID list from a file the archivist picked, dropped or named: only `.txt`, `.csv` and
//! `.tsv`, at most 10 MB, decoded as UTF-8 with invalid bytes replaced (one bad byte does not lose
//! the list; the parser reports the line it spoils).

use std::path::Path;

use crate::error::EngineError;

/// Lists larger than this are refused (a list of 26-character IDs this big is ~400,000 records).
const MAX_LIST_BYTES: u64 = 10 * 1024 * 1024;

/// The extensions an ID list may have (lower case; file dialogs filter on them too).
pub const LIST_EXTENSIONS: &[&str] = &["txt", "csv", "tsv"];

/// The text of the ID list at `path`: [`EngineError::InvalidFile`] when it is not a list (extension,
/// size), [`EngineError::Input`] when it cannot be read.
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
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_LIST_BYTES {
        let message = format!("{} is {} MB; lists up to 10 MB are accepted", path.display(), size / 1_000_000);
        return Err(EngineError::InvalidFile(message));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
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

    #[test]
    fn a_list_that_cannot_be_read_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_ids_file(&dir.path().join("missing.txt")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InputFailed);
        assert!(e.to_string().starts_with("could not read the ID list "), "{e}");
    }
}
