//! Advisory whole-file locks (`flock`), so that one process at a time writes a state folder.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// Takes an exclusive lock on `file` without waiting: `Ok(true)` when taken, `Ok(false)` when
/// another open file description holds it. The lock lasts as long as the file stays open.
pub fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    // SAFETY: flock on a descriptor this `File` owns for the duration of the call; no memory
    // is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_second_open_of_a_locked_file_does_not_get_the_lock() {
        let path = std::env::temp_dir().join(format!("roamsim-lock-{}", std::process::id()));
        let a = std::fs::File::create(&path).unwrap();
        let b = std::fs::File::open(&path).unwrap();
        assert!(super::try_lock_exclusive(&a).unwrap());
        assert!(!super::try_lock_exclusive(&b).unwrap());
        drop(a);
        assert!(super::try_lock_exclusive(&b).unwrap());
        let _ = std::fs::remove_file(path);
    }
}
