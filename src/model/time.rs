//! The one time type of the sans-IO layers (`proto`, `home`, `visited`, `link`): [`Micros`], a
//! count of microseconds since an arbitrary epoch — the engine's clock start.
//!
//! The same type serves for instants (`now`, a deadline, the time a request was sent) and for
//! durations (a timeout, a retransmission timer, a delay): an instant is the duration since the
//! epoch, so `deadline = now + timeout` needs no conversion. The engine's clock (real or virtual)
//! produces these values and hands them down as `now`; nothing below the engine reads a clock.
//! One newtype instead of a bare `u64` keeps times apart from counters, tokens and sequence
//! numbers in signatures, and gives a single place for the unit.
//!
//! Arithmetic behaves like `u64`: `+`, `-` and `*` (scaling by a `u64`; `/` divides) panic on
//! overflow in debug builds (and wrap in release ones); use [`Micros::saturating_sub`] or
//! [`Micros::checked_sub`] where a difference may be negative. Values recorded into histograms leave as `u64` ([`Micros::as_u64`]).

use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Sub};
use std::time::Duration;

/// Microseconds since the engine's clock start (an instant), or a span of microseconds (a
/// duration). See the [module docs](self).
///
/// `Display` prints plain microseconds with the `us` unit (`1234us`), the syntax
/// [`parse_duration`](super::units::parse_duration) reads back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub u64);

impl Micros {
    /// The epoch (or an empty duration).
    pub const ZERO: Micros = Micros(0);
    /// The latest representable time; "never" where a deadline is required.
    pub const MAX: Micros = Micros(u64::MAX);

    /// `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Micros {
        Micros(ms * 1_000)
    }

    /// `s` seconds.
    pub const fn from_secs(s: u64) -> Micros {
        Micros(s * 1_000_000)
    }

    /// A [`Duration`], truncated to whole microseconds (saturating at [`Micros::MAX`]).
    pub fn from_duration(d: Duration) -> Micros {
        Micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }

    /// The raw count, e.g. to record into a histogram.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// As a [`Duration`] (since the epoch, for an instant).
    pub const fn as_duration(self) -> Duration {
        Duration::from_micros(self.0)
    }

    /// `self + rhs`, at most [`Micros::MAX`].
    pub const fn saturating_add(self, rhs: Micros) -> Micros {
        Micros(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, at least [`Micros::ZERO`] (e.g. the time left until a deadline).
    pub const fn saturating_sub(self, rhs: Micros) -> Micros {
        Micros(self.0.saturating_sub(rhs.0))
    }

    /// `self - rhs`, or `None` when `rhs` is later.
    pub const fn checked_sub(self, rhs: Micros) -> Option<Micros> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Some(Micros(v)),
            None => None,
        }
    }
}

impl Add for Micros {
    type Output = Micros;
    fn add(self, rhs: Micros) -> Micros {
        Micros(self.0 + rhs.0)
    }
}

impl AddAssign for Micros {
    fn add_assign(&mut self, rhs: Micros) {
        self.0 += rhs.0;
    }
}

impl Sub for Micros {
    type Output = Micros;
    fn sub(self, rhs: Micros) -> Micros {
        Micros(self.0 - rhs.0)
    }
}

/// Scales a duration (`rto * 2`, `t3 * n3`); overflow as for `u64`.
impl Mul<u64> for Micros {
    type Output = Micros;
    fn mul(self, rhs: u64) -> Micros {
        Micros(self.0 * rhs)
    }
}

/// Scales a duration (`3 * S`); overflow as for `u64`.
impl Mul<Micros> for u64 {
    type Output = Micros;
    fn mul(self, rhs: Micros) -> Micros {
        Micros(self * rhs.0)
    }
}

/// Divides a duration (`delay / 2`), rounding down.
impl Div<u64> for Micros {
    type Output = Micros;
    fn div(self, rhs: u64) -> Micros {
        Micros(self.0 / rhs)
    }
}

impl From<Micros> for u64 {
    fn from(t: Micros) -> u64 {
        t.0
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}us", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::units::parse_duration;

    #[test]
    fn constructors_and_conversions_agree() {
        assert_eq!(Micros::from_millis(3), Micros(3_000));
        assert_eq!(Micros::from_secs(2), Micros(2_000_000));
        let d = Duration::from_nanos(1_500_999);
        assert_eq!(Micros::from_duration(d), Micros(1_500));
        assert_eq!(Micros(1_500).as_duration(), Duration::from_micros(1_500));
        assert_eq!(Micros::from_duration(Duration::MAX), Micros::MAX);
        assert_eq!(u64::from(Micros(7)), 7);
        assert_eq!(Micros(7).as_u64(), 7);
    }

    #[test]
    fn arithmetic_matches_u64() {
        let mut t = Micros(10) + Micros(5);
        assert_eq!(t, Micros(15));
        t += Micros(1);
        assert_eq!(t - Micros(6), Micros(10));
        assert_eq!(Micros(1).saturating_sub(Micros(2)), Micros::ZERO);
        assert_eq!(Micros::MAX.saturating_add(Micros(1)), Micros::MAX);
        assert_eq!(Micros(1).checked_sub(Micros(2)), None);
        assert_eq!(Micros(3).checked_sub(Micros(2)), Some(Micros(1)));
        assert!(Micros(1) < Micros(2));
        assert_eq!(Micros(7) * 2, Micros(14));
        assert_eq!(2 * Micros(7), Micros(14));
        assert_eq!(Micros(7) / 2, Micros(3));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic]
    fn sub_past_zero_panics_in_debug() {
        let _ = Micros(1) - Micros(2);
    }

    #[test]
    fn display_reads_back_as_a_duration() {
        assert_eq!(Micros(1_234).to_string(), "1234us");
        let d = parse_duration(&Micros(1_234).to_string()).unwrap();
        assert_eq!(Micros::from_duration(d), Micros(1_234));
    }
}
