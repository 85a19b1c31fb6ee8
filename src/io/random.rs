//! Random bytes from the kernel (`getrandom(2)`), for secrets that must not be guessable from
//! a seed: SCTP cookie keys, verification tags and initial TSNs (RFC 9260 §5.1.3, §5.3.1).

use std::io;

/// Fills `buf` from the kernel's random source.
pub fn fill(buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: the kernel writes at most `rest.len()` bytes into the live slice `rest`.
        let r = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        done += r as usize;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills_the_buffer_with_something_other_than_zeros() {
        let mut a = [0u8; 32];
        super::fill(&mut a).unwrap();
        assert_ne!(a, [0u8; 32]);
    }
}
