//! A tally of the error answers a core sent to input it could not accept: Diameter Result-Codes
//! of RFC 6733 §7.1.3 (protocol errors) and §7.1.5 (permanent failures: 5001 unsupported AVP,
//! 5005 missing AVP, 5009 too many occurrences, ...), and GTPv2-C Causes of TS 29.274 §7.7
//! (67 invalid length, 69 mandatory IE incorrect, 70 mandatory IE missing, ...). Keys read
//! `diameter.5001` and `gtpv2.70`, as in serve's exit report and `summary.json`'s
//! `protocol_errors`.
//!
//! Fixed slots, `Copy` and allocation-free, so that the sans-IO layers can count as they answer.

/// The protocol an error answer was sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorProtocol {
    /// Diameter (base, S6a, Gy): a Result-Code.
    Diameter,
    /// GTPv2-C: a Cause value.
    Gtpv2,
}

impl ErrorProtocol {
    /// The key prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorProtocol::Diameter => "diameter",
            ErrorProtocol::Gtpv2 => "gtpv2",
        }
    }
}

/// Codes with a slot of their own; any other code counts under its protocol's last slot
/// (`diameter.other`, `gtpv2.other`).
const DIAMETER: [u32; 15] = [
    3001, 3002, 3007, 3008, 3009, 3010, 5001, 5004, 5005, 5008, 5009, 5011, 5014, 5015, 5016,
];
const GTPV2: [u32; 6] = [64, 67, 68, 69, 70, 103];

/// Error answers by protocol and code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProtocolErrors {
    diameter: [u64; DIAMETER.len() + 1],
    gtpv2: [u64; GTPV2.len() + 1],
}

impl ProtocolErrors {
    /// Counts one error answer with `code`.
    pub fn add(&mut self, protocol: ErrorProtocol, code: u32) {
        let (codes, slots): (&[u32], &mut [u64]) = match protocol {
            ErrorProtocol::Diameter => (&DIAMETER, &mut self.diameter),
            ErrorProtocol::Gtpv2 => (&GTPV2, &mut self.gtpv2),
        };
        let i = codes.iter().position(|&c| c == code).unwrap_or(codes.len());
        slots[i] += 1;
    }

    /// Adds another tally (another connection's, another shard's).
    pub fn merge(&mut self, other: &ProtocolErrors) {
        for (a, b) in self.diameter.iter_mut().zip(other.diameter) {
            *a += b;
        }
        for (a, b) in self.gtpv2.iter_mut().zip(other.gtpv2) {
            *a += b;
        }
    }

    /// All error answers counted.
    pub fn total(&self) -> u64 {
        self.diameter.iter().chain(&self.gtpv2).sum()
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The counted codes as `(key, count)`, e.g. `("diameter.5001", 2)`, Diameter first, each
    /// protocol in code order; codes never counted are left out.
    pub fn iter(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        let d = keyed(ErrorProtocol::Diameter, &DIAMETER, &self.diameter);
        let g = keyed(ErrorProtocol::Gtpv2, &GTPV2, &self.gtpv2);
        d.chain(g).filter(|(_, n)| *n > 0)
    }
}

/// `(key, count)` of every slot of `protocol`.
fn keyed<'a>(
    protocol: ErrorProtocol,
    codes: &'static [u32],
    slots: &'a [u64],
) -> impl Iterator<Item = (String, u64)> + 'a {
    slots.iter().enumerate().map(move |(i, &n)| {
        let code = codes.get(i).map_or("other".to_string(), u32::to_string);
        (format!("{}.{code}", protocol.as_str()), n)
    })
}

impl std::fmt::Display for ProtocolErrors {
    /// `diameter.5001 2, gtpv2.70 1`, or `none`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, (k, n)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k} {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_counted_keyed_and_merged() {
        let mut a = ProtocolErrors::default();
        a.add(ErrorProtocol::Diameter, 5001);
        a.add(ErrorProtocol::Diameter, 5001);
        a.add(ErrorProtocol::Gtpv2, 70);
        let mut b = ProtocolErrors::default();
        b.add(ErrorProtocol::Diameter, 5009);
        b.add(ErrorProtocol::Diameter, 4242);
        a.merge(&b);
        let got: Vec<_> = a.iter().collect();
        assert_eq!(
            got,
            [
                ("diameter.5001".to_string(), 2),
                ("diameter.5009".to_string(), 1),
                ("diameter.other".to_string(), 1),
                ("gtpv2.70".to_string(), 1),
            ]
        );
        assert_eq!(a.total(), 5);
        assert_eq!(
            a.to_string(),
            "diameter.5001 2, diameter.5009 1, diameter.other 1, gtpv2.70 1"
        );
        assert_eq!(ProtocolErrors::default().to_string(), "none");
    }
}
