//! The roamer procedures a run measures and the outcome classes every transaction ends in
//! (docs/ARCHITECTURE.md §4, §7). Their snake_case names are the keys of `summary.json` and of
//! profiles.

use std::fmt;
use std::str::FromStr;

/// Error from parsing a procedure or outcome name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{text}`: expected one of {expected}")]
pub struct NameError {
    /// `procedure` or `outcome`.
    pub kind: &'static str,
    /// The offending text.
    pub text: String,
    /// The accepted names, comma-separated.
    pub expected: &'static str,
}

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $expected:literal,
     $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order (also the order of reports).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case name used in reports and profiles.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Position in [`Self::ALL`], for dense per-kind arrays.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(text: &str) -> Result<Self, NameError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(NameError { kind: $kind, text: text.to_string(), expected: $expected }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// A roamer procedure (docs/ARCHITECTURE.md §4).
    Procedure,
    "procedure",
    "attach, location_update, plmn_change, detach, data_session",
    /// AIR, authentication check, ULR, Create Session.
    Attach = "attach",
    /// ULR from a new MME; the HSS cancels the old one.
    LocationUpdate = "location_update",
    /// Attach in another visited PLMN; CLR to the old VLR, S8 session moved.
    PlmnChange = "plmn_change",
    /// PUR and Delete Session.
    Detach = "detach",
    /// Create/Delete Session with charging.
    DataSession = "data_session",
);

named_enum!(
    /// How a transaction or procedure ended.
    Outcome,
    "outcome",
    "ok, rejected_expected, failed, timed_out",
    /// Completed successfully.
    Ok = "ok",
    /// A negative case answered with the error it was meant to provoke.
    RejectedExpected = "rejected_expected",
    /// An unexpected error answer or a protocol failure.
    Failed = "failed",
    /// No answer in time.
    TimedOut = "timed_out",
);

#[cfg(test)]
mod tests;
