//! Hex text for keys and test vectors (profiles, subscriber files, logs).

/// Decodes exactly `N` bytes of hex (upper or lower case, no separators).
pub fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let t = text.trim().as_bytes();
    if t.len() != 2 * N {
        return None;
    }
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(t.chunks_exact(2)) {
        *o = nib(pair[0])? << 4 | nib(pair[1])?;
    }
    Some(out)
}

/// Lower-case hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let b: [u8; 3] = super::decode("02F810").unwrap();
        assert_eq!(b, [0x02, 0xf8, 0x10]);
        assert_eq!(super::encode(&b), "02f810");
        assert!(super::decode::<2>("0g00").is_none());
        assert!(super::decode::<2>("000").is_none());
    }
}
