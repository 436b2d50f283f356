//! Writing key files so that a crash never leaves half a key, and a new key
//! file never replaces an existing one (a lost key cannot be recovered: NCA
//! would have to revoke and re-issue).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::KeyFileError;

/// Write `bytes` as the new file `dir/name` (mode 0600 on Unix) and return its
/// path. Fails with `AlreadyExists` if the name is taken; never replaces a
/// file.
///
/// The bytes go to a temporary file in `dir`, are synced, and the temporary
/// file is then hard-linked to `name`: a link fails instead of replacing, so
/// this is a rename that cannot clobber. File systems without hard links
/// (FAT and exFAT USB sticks, Android's shared storage) get the next best
/// thing: `name` is created exclusively and written in place, and removed
/// again if the write fails.
pub fn save_new(dir: impl AsRef<Path>, name: &str, bytes: &[u8]) -> Result<PathBuf, KeyFileError> {
    save_new_with(dir.as_ref(), name, bytes, |from, to| {
        fs::hard_link(from, to)
    })
}

fn save_new_with(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    link: impl FnOnce(&Path, &Path) -> io::Result<()>,
) -> Result<PathBuf, KeyFileError> {
    if Path::new(name).file_name() != Some(name.as_ref()) {
        return Err(KeyFileError::io(
            dir.join(name),
            io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"),
        ));
    }
    fs::create_dir_all(dir).map_err(|e| KeyFileError::io(dir, e))?;
    let target = dir.join(name);
    // symlink_metadata: a dangling link is a taken name too.
    if target.symlink_metadata().is_ok() {
        return Err(KeyFileError::AlreadyExists(target));
    }
    let temp = write_temp(dir, name, bytes)?;
    let linked = link(&temp, &target);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(KeyFileError::AlreadyExists(target));
        }
        Err(_) => write_in_place(&target, bytes)?,
    }
    sync_dir(dir);
    Ok(target)
}

/// Write several new files into `dir` as one unit: all of them or none
/// (a renewal's key files, their requests and the application). Each
/// `(name, bytes)` becomes `dir/name` (mode 0600 on Unix); a taken name is
/// `AlreadyExists` before anything is written.
///
/// The files are first written and synced into a hidden temporary folder in
/// `dir`, so a full disk or any other failure strikes there; then each is
/// hard-linked to its name (no clobbering, and no new space: the disk
/// cannot fill up half way through), the folder is removed. Should a link
/// fail, the names already made are removed again. A `dir` this call
/// created is removed again on failure too: a failure leaves nothing, and a
/// retry finds no orphan. Without hard links (FAT, exFAT) the staged files
/// are renamed into place after the same check.
pub fn save_new_set(
    dir: impl AsRef<Path>,
    files: &[(&str, &[u8])],
) -> Result<Vec<PathBuf>, KeyFileError> {
    let dir = dir.as_ref();
    for (i, (name, _)) in files.iter().enumerate() {
        if Path::new(name).file_name() != Some(name.as_ref()) || name.starts_with('.') {
            return Err(KeyFileError::io(
                dir.join(name),
                io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"),
            ));
        }
        if files[..i].iter().any(|(other, _)| other == name) {
            return Err(KeyFileError::AlreadyExists(dir.join(name)));
        }
    }
    let created_dir = !dir.exists();
    fs::create_dir_all(dir).map_err(|e| KeyFileError::io(dir, e))?;
    let result = stage_and_link(dir, files);
    if result.is_err() && created_dir {
        // Only an empty folder goes: remove_dir refuses anything else.
        let _ = fs::remove_dir(dir);
    }
    result
}

fn stage_and_link(dir: &Path, files: &[(&str, &[u8])]) -> Result<Vec<PathBuf>, KeyFileError> {
    for (name, _) in files {
        let target = dir.join(name);
        if target.symlink_metadata().is_ok() {
            return Err(KeyFileError::AlreadyExists(target));
        }
    }
    let suffix: [u8; 6] = super::random::random()?;
    let staging = dir.join(format!(".qoltanba-{}.tmp", hex::encode(suffix)));
    create_private_dir(&staging).map_err(|e| KeyFileError::io(&staging, e))?;
    let result = (|| {
        for (name, bytes) in files {
            let path = staging.join(name);
            let mut file = open_private(&path).map_err(|e| KeyFileError::io(&path, e))?;
            file.write_all(bytes)
                .and_then(|()| file.sync_all())
                .map_err(|e| KeyFileError::io(dir.join(name), e))?;
        }
        let mut made: Vec<PathBuf> = Vec::new();
        for (name, _) in files {
            let (from, to) = (staging.join(name), dir.join(name));
            let placed = match fs::hard_link(&from, &to) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    Err(KeyFileError::AlreadyExists(to.clone()))
                }
                Err(_) if to.symlink_metadata().is_err() => {
                    fs::rename(&from, &to).map_err(|e| KeyFileError::io(&to, e))
                }
                Err(e) => Err(KeyFileError::io(&to, e)),
                Ok(()) => Ok(()),
            };
            if let Err(e) = placed {
                for path in &made {
                    let _ = fs::remove_file(path);
                }
                return Err(e);
            }
            made.push(to);
        }
        Ok(made)
    })();
    let _ = fs::remove_dir_all(&staging);
    sync_dir(dir);
    result
}

/// Create a folder readable by its owner only.
fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Create `path` exclusively and write `bytes` to it; on failure remove it.
fn write_in_place(path: &Path, bytes: &[u8]) -> Result<(), KeyFileError> {
    let mut file = open_private(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => KeyFileError::AlreadyExists(path.to_path_buf()),
        _ => KeyFileError::io(path, e),
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| {
            drop(fs::remove_file(path));
            KeyFileError::io(path, e)
        })
}

/// Replace the existing file `path` with `bytes` in one step: a temporary
/// file in the same directory, synced, then renamed over `path`. Readers see
/// the old file or the new one, never a mix.
pub fn replace(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), KeyFileError> {
    let path = path.as_ref();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| KeyFileError::io(path, io::ErrorKind::InvalidInput.into()))?;
    let temp = write_temp(dir, name, bytes)?;
    fs::rename(&temp, path).map_err(|e| {
        let _ = fs::remove_file(&temp);
        KeyFileError::io(path, e)
    })?;
    sync_dir(dir);
    Ok(())
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, KeyFileError> {
    let suffix: [u8; 6] = super::random::random()?;
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
fn open_private(path: &Path) -> io::Result<File> {
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

    fn entries(dir: &Path) -> usize {
        fs::read_dir(dir).unwrap().count()
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn save_new_never_overwrites_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = save_new(dir.path(), "a.p12", b"one").unwrap();
        assert!(matches!(
            save_new(dir.path(), "a.p12", b"two"),
            Err(KeyFileError::AlreadyExists(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(entries(dir.path()), 1, "no temporary file left");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        replace(&path, b"three").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        assert_eq!(entries(dir.path()), 1);
    }

    #[test]
    fn a_name_taken_between_check_and_link_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.p12");
        let result = save_new_with(dir.path(), "a.p12", b"mine", |from, to| {
            fs::write(to, b"theirs")?; // someone else wins the race
            fs::hard_link(from, to)
        });
        assert!(matches!(result, Err(KeyFileError::AlreadyExists(_))));
        assert_eq!(fs::read(&target).unwrap(), b"theirs");
        assert_eq!(entries(dir.path()), 1);
    }

    #[test]
    fn without_hard_links_the_file_is_created_exclusively() {
        let dir = tempfile::tempdir().unwrap();
        let unsupported = |_: &Path, _: &Path| Err(io::Error::from(io::ErrorKind::Unsupported));
        let path = save_new_with(dir.path(), "a.p12", b"one", unsupported).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(entries(dir.path()), 1, "no temporary file left");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        // The fallback refuses a taken name as well.
        assert!(matches!(
            write_in_place(&path, b"two"),
            Err(KeyFileError::AlreadyExists(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }

    #[test]
    fn names_with_separators_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["../a.p12", "sub/a.p12", "", ".."] {
            assert!(
                matches!(
                    save_new(dir.path(), name, b"x"),
                    Err(KeyFileError::Io { .. })
                ),
                "{name}"
            );
        }
        assert_eq!(entries(dir.path()), 0);
    }

    #[test]
    fn a_set_is_written_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let made = save_new_set(&dir, &[("a.p12", b"key"), ("a.csr", b"csr")]).unwrap();
        assert_eq!(made, vec![dir.join("a.p12"), dir.join("a.csr")]);
        assert_eq!(fs::read(dir.join("a.csr")).unwrap(), b"csr");
        assert_eq!(entries(&dir), 2, "no staging folder left");
        #[cfg(unix)]
        assert_eq!(mode(&dir.join("a.p12")), 0o600);
        // One taken name: nothing of the set is written.
        assert!(matches!(
            save_new_set(&dir, &[("b.p12", b"key"), ("a.csr", b"other")]),
            Err(KeyFileError::AlreadyExists(_))
        ));
        assert_eq!(entries(&dir), 2);
        assert_eq!(fs::read(dir.join("a.csr")).unwrap(), b"csr");
        // A failure in a folder the call made removes the folder again.
        let fresh = root.path().join("fresh");
        assert!(save_new_set(&fresh, &[("x", b"1"), ("x", b"2")]).is_err());
        assert!(save_new_set(&fresh, &[("../x", b"1")]).is_err());
        assert!(!fresh.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_counts_as_taken() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("a.p12")).unwrap();
        assert!(matches!(
            save_new(dir.path(), "a.p12", b"x"),
            Err(KeyFileError::AlreadyExists(_))
        ));
    }
}
