//! Writing key files so that a crash never leaves half a key, and a new key
//! file never replaces an existing one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::KeyFileError;

/// Write `bytes` as the new file `dir/name`. Fails with `AlreadyExists` if the
/// name is taken; on any failure no file named `name` appears.
pub fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, KeyFileError> {
    fs::create_dir_all(dir).map_err(|e| KeyFileError::io(dir, e))?;
    let target = dir.join(name);
    if target.exists() {
        return Err(KeyFileError::AlreadyExists(target));
    }
    let temp = write_temp(dir, name, bytes)?;
    // A hard link never replaces an existing file: it is the no-clobber rename.
    let linked = fs::hard_link(&temp, &target);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            sync_dir(dir);
            Ok(target)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(KeyFileError::AlreadyExists(target))
        }
        Err(e) => Err(KeyFileError::io(&target, e)),
    }
}

/// Replace the existing file `path` with `bytes` in one step (temp + rename).
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), KeyFileError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| KeyFileError::io(path, std::io::ErrorKind::InvalidInput.into()))?;
    let temp = write_temp(dir, name, bytes)?;
    fs::rename(&temp, path).map_err(|e| {
        let _ = fs::remove_file(&temp);
        KeyFileError::io(path, e)
    })?;
    sync_dir(dir);
    Ok(())
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, KeyFileError> {
    let suffix: [u8; 6] = super::pkcs12::random()?;
    let temp = dir.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let result = (|| {
        let mut file = open_private(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        KeyFileError::io(&temp, e)
    })?;
    Ok(temp)
}

/// Create a new file readable by its owner only.
fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Make the new directory entry durable (best effort; not every platform can).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_new_never_overwrites_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = save_new(dir.path(), "a.p12", b"one").unwrap();
        assert!(matches!(
            save_new(dir.path(), "a.p12", b"two"),
            Err(KeyFileError::AlreadyExists(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        replace(&path, b"three").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
