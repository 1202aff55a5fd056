//! Writing result files so that a reader never sees half of one.

use std::path::Path;

/// Writes `contents` to `path` through a temporary file beside it, renamed
/// over `path` once complete: an interrupted or failed write leaves the
/// previous file, never a truncated one.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = std::path::PathBuf::from(temporary);
    let written =
        std::fs::write(&temporary, contents).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
